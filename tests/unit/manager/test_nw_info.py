"""network_info from the store (manager/nw_info.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from novanet import exception
from novanet.db import models
from novanet.db.fixed_ips import FactFixed, FactVif, InstanceFact
from novanet.drivers.fake import RecordingDriver
from novanet.manager import nw_info
from novanet.manager.flat import FlatDHCPManager, FlatManager
from novanet.manager.vlan import VlanManager
from tests.unit.manager.helpers import ADMIN, USER, instance


def test_unknown_instance(flatdhcp: FlatDHCPManager) -> None:
    with pytest.raises(exception.InstanceNotFound):
        flatdhcp.nw_info.get_instance_nw_info(USER, str(uuid.uuid4()))
    with pytest.raises(exception.InvalidRequest):
        flatdhcp.nw_info.get_instance_nw_info(USER, "not-a-uuid")


def _network(**values: Any) -> models.Network:
    base: dict[str, Any] = dict(id=1, uuid="n1", label="net", bridge="br100", cidr="10.0.0.0/24", gateway="10.0.0.1",
                                dhcp_server="10.0.0.1", dns1="8.8.4.4", dns2=None, enable_dhcp=True, multi_host=False,
                                injected=False, mtu=None, project_id="p1", bridge_interface="eth1", vlan=None,
                                cidr_v6=None, gateway_v6=None, rxtx_base=None)
    base.update(values)
    return models.Network(**base)


def _fact(vif: int, network: models.Network, address: str | None, floating: tuple[str, ...] = ()) -> InstanceFact:
    mac = f"fa:16:3e:00:00:{vif:02x}"
    return InstanceFact(vif=FactVif(vif, f"vif-{vif}", mac), fixed=FactFixed(vif * 10, address) if address else None,
                        network=network, floating=floating)


def test_build_is_one_vif_per_interface_with_two_subnets() -> None:
    v4 = _network(rxtx_base=10)
    dual = _network(id=2, uuid="n2", bridge="br101", cidr="10.0.1.0/24", gateway="10.0.1.1", dhcp_server="10.0.1.1",
                    cidr_v6="fd00::/64", gateway_v6="fd00::1", multi_host=True, mtu=1400)
    facts = [_fact(1, v4, "10.0.0.3", ("172.24.4.9",)), _fact(1, v4, "10.0.0.4"), _fact(2, dual, "10.0.1.3")]
    flavor = nw_info.Flavor(dhcp=True, should_create_bridge=True, should_create_vlan=False)
    info = nw_info.build(facts, "p1", flavor, lambda network: f"dhcp-of-{network.uuid}", rxtx_factor=2.0)
    first, second = info
    assert [ip.address for ip in first.fixed_ips()] == ["10.0.0.3", "10.0.0.4"]
    assert info.floating_ips() == ["172.24.4.9"] and first.meta == {"rxtx_cap": 20.0}
    v4_subnet, v6_subnet = second.network.subnets  # type: ignore[union-attr]
    assert (v4_subnet.cidr, v4_subnet.dhcp_server, v6_subnet.cidr) == ("10.0.1.0/24", "dhcp-of-n2", "fd00::/64")
    assert v6_subnet.ips[0].address == "fd00::f816:3eff:fe00:2"
    assert second.network.meta == {"tenant_id": "p1", "should_create_bridge": True,  # type: ignore[union-attr]
                                   "bridge_interface": "eth1", "multi_host": True, "mtu": 1400, "enable_dhcp": True}
    assert first.network.subnets[1].cidr is None  # type: ignore[union-attr]
    # Without DHCP nobody is asked for a DHCP server.
    flat = nw_info.build(facts[:1], "p1", nw_info.Flavor(dhcp=False, should_create_bridge=False,
                                                         should_create_vlan=False), lambda n: 1 / 0)  # type: ignore
    assert flat[0].network.subnets[0].dhcp_server is None  # type: ignore[union-attr]
    assert flat[0].network.meta["enable_dhcp"] is False  # type: ignore[union-attr]


def test_the_flavor_comes_from_the_manager_class() -> None:
    assert nw_info.Flavor.of(VlanManager) == nw_info.Flavor(dhcp=True, should_create_bridge=True,
                                                            should_create_vlan=True, ipv6_backend="rfc2462")
    assert not nw_info.Flavor.of(FlatManager).dhcp


def test_an_instance_without_a_host_is_told_the_services_hosts_address(sqlite_store: str) -> None:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN, label="mh", cidr="10.0.0.0/28", bridge="br-mh", multi_host="T")
    homeless = instance(host=None)  # type: ignore[arg-type]
    manager.allocate_for_instance(USER, homeless, None, False, None, None)  # served here: host-a takes .2

    def dhcp_server(service_host: str, host: str | None = None) -> str | None:
        service = nw_info.NetworkInfoService(nw_info.Flavor.of(FlatDHCPManager), service_host)
        return service.get_instance_nw_info(USER, homeless.uuid, host=host)[0].network.subnets[0].dhcp_server  # type: ignore

    assert dhcp_server("host-a") == "10.0.0.2"
    assert dhcp_server("host-b") == "10.0.0.1"  # host-b serves nothing yet: the network's own DHCP server
    assert dhcp_server("host-b", host="host-a") == "10.0.0.2"
