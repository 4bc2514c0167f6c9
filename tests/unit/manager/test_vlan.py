"""VlanManager (manager/vlan.py): project networks, the VPN address and forward."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.vlan import VlanManager
from novanet.types import RequestedNetwork
from tests.unit.manager.helpers import ADMIN, USER, instance


def test_vlan_project_networks_and_vpn(sqlite_store: str) -> None:
    CONF.set_override("vlan_interface", "eth1")
    try:
        manager = VlanManager("host-a", driver=RecordingDriver())
        nets = manager.networks.create_networks(ADMIN, label="p", cidr="10.0.0.0/24", num_networks=3, network_size=16)
    finally:
        CONF.clear_override("vlan_interface")
    inst = instance(project="p1")
    info = manager.allocate_for_instance(USER, inst, None, False, None, None)
    (vif,) = info
    assert vif.network is not None and vif.network.bridge == "br100"
    assert vif.network.meta["should_create_vlan"] and vif.network.meta["vlan"] == 100
    assert info.fixed_ips()[0].address == "10.0.0.3"
    assert db.network_get(nets[0].id).project_id == "p1"
    vpn = manager.allocate_for_instance(USER, instance(project="p1"), None, True, None, None)
    assert vpn.fixed_ips()[0].address == "10.0.0.2"
    with pytest.raises(exception.NetworkNotFoundForProject):
        manager.allocate_for_instance(RequestContext(project_id="p2"), instance(project="p2"), None, False,
                                      [RequestedNetwork(nets[0].uuid)], None)
    assert manager.allocate_for_instance(ADMIN, instance(project="p2"), None, False, None, None)[0].network.bridge \
        == "br101"  # type: ignore[union-attr]
    manager.networks.add_network_to_project(ADMIN, "p1", None)
    assert len(db.network_get_all(project_id="p1")) == 2
    driver = manager.plumbing.driver
    assert isinstance(driver, RecordingDriver) and driver.vpn_forwards == {"br100", "br101"}
