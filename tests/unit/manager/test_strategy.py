"""What differs between flat and VLAN networks (manager/strategy.py)."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.manager.networks import NetworkAdmin
from novanet.manager.strategy import Claim, FlatNetworks, VlanNetworks
from novanet.manager.vlan import VlanManager
from novanet.types import RequestedNetwork
from tests.unit.manager.helpers import ADMIN, USER, instance


def test_flat_networks_for_an_instance(sqlite_store: str) -> None:
    admin = NetworkAdmin(FlatDHCPManager.create_rules(), "host-a")
    (a,) = admin.create_networks(ADMIN, label="a", cidr="10.0.0.0/28", bridge="br-a")
    (b,) = admin.create_networks(ADMIN, label="b", cidr="10.0.1.0/28", bridge="br-b")
    flat = FlatNetworks()
    assert [n.uuid for n in flat.networks_for_instance(instance(), None)] == [a.uuid, b.uuid]
    asked = [RequestedNetwork(b.uuid), RequestedNetwork(a.uuid)]
    assert [n.uuid for n in flat.networks_for_instance(instance(), asked)] == [b.uuid, a.uuid]
    # The cache of every network follows changes (a new network appears at once).
    (c,) = admin.create_networks(ADMIN, label="c", cidr="10.0.2.0/28", bridge="br-c")
    assert [n.uuid for n in flat.networks_for_instance(instance(), None)] == [a.uuid, b.uuid, c.uuid]
    assert flat.address_to_claim(a, "10.0.0.9", vpn=True) == Claim("10.0.0.9", reserved=False)


def test_vlan_networks_for_an_instance(sqlite_store: str) -> None:
    admin = NetworkAdmin(VlanManager.create_rules(), "host-a")
    nets = admin.create_networks(ADMIN, label="v", cidr="10.0.0.0/24", num_networks=2, network_size=16,
                                 bridge_interface="eth1")
    vlan = VlanNetworks()
    with pytest.raises(exception.InvalidRequest, match="needs the instance's project_id"):
        vlan.networks_for_instance(instance(project=None), None)  # type: ignore[arg-type]
    (first,) = vlan.networks_for_instance(instance(project="p1"), None)
    assert first.project_id == "p1" and vlan.networks_for_instance(instance(project="p1"), None)[0].id == first.id
    assert vlan.address_to_claim(first, None, vpn=True) == Claim(first.vpn_private_address, reserved=True)
    assert vlan.address_to_claim(first, "10.0.0.9", vpn=False) == Claim("10.0.0.9")
    with pytest.raises(exception.NetworkNotFoundForProject):
        vlan.networks_for_instance(instance(project="p2"), [RequestedNetwork(first.uuid)])
    assert nets[1].uuid != first.uuid


def test_creation_rules_follow_the_mode() -> None:
    assert FlatDHCPManager.create_rules().vlan is False
    rules = VlanManager.create_rules()
    assert (rules.name, rules.vlan, rules.bottom_reserved, rules.required) == ("vlan", True, 3, ("bridge_interface",))


def test_the_fixed_ip_quota_applies_to_flat_networks_only(sqlite_store: str) -> None:
    CONF.set_override("quota_fixed_ips", 1)
    assert FlatNetworks().fixed_ip_quota() == 1 and VlanNetworks().fixed_ip_quota() is None
    flat = FlatDHCPManager("host-a", driver=RecordingDriver())
    flat.networks.create_networks(ADMIN, label="f", cidr="10.0.0.0/28", bridge="br-f")
    flat.allocate_for_instance(USER, instance(), None, False, None, None)
    with pytest.raises(exception.FixedIpLimitExceeded):
        flat.allocate_for_instance(USER, instance(), None, False, None, None)
    CONF.set_override("vlan_interface", "eth1")
    vlan = VlanManager("host-a", driver=RecordingDriver())
    vlan.networks.create_networks(ADMIN, label="v", cidr="10.1.0.0/24", num_networks=1, network_size=16)
    for _ in range(3):  # the project owns the whole network: no quota
        vlan.allocate_for_instance(USER, instance(project="p9"), None, False, None, None)
    assert db.fixed_ip_count_by_project("p9") == 3
    CONF.clear_override("quota_fixed_ips")
    assert FlatNetworks().fixed_ip_quota() is None
