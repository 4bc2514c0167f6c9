"""This host's side (manager/plumbing.py): init_host, the named host-address claim."""

from __future__ import annotations

from novanet.conf import CONF
from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.manager.networks import NetworkAdmin
from novanet.manager.nw_info import Flavor
from novanet.manager.plumbing import HostPlumbing, VlanPlumbing
from novanet.manager.vlan import VlanManager
from tests.unit.manager.helpers import ADMIN, USER, instance


def test_init_host_rebuilds_everything_in_one_apply(flatdhcp: FlatDHCPManager) -> None:
    db.network_set_host(db.network_get_all()[0].id, "host-a")
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", None)
    inst = instance()
    flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
    address = flatdhcp.allocate_floating_ip(USER, "p1")
    flatdhcp.associate_floating_ip(USER, address, "10.0.0.2")
    fresh = FlatDHCPManager("host-a", driver=RecordingDriver())
    fresh.init_host()
    driver = fresh.plumbing.driver
    assert isinstance(driver, RecordingDriver)
    assert driver.call_names() == ["init_host"] and driver.applies == 1
    assert list(driver.networks) == ["br-a"] and len(driver.dhcp_hosts["br-a"]) == 1
    assert driver.floating[address].fixed == "10.0.0.2"


def _plumbing(vlan: bool = False) -> HostPlumbing:
    cls = VlanPlumbing if vlan else HostPlumbing
    return cls("host-a", RecordingDriver(), Flavor(dhcp=True, should_create_bridge=True, should_create_vlan=vlan))


def _fixed_rows_of(host: str) -> list[str]:
    return [r.address for r in db.fixed_ip_list(host=host)]


def test_describing_a_network_writes_nothing_claiming_is_a_named_step(sqlite_store: str) -> None:
    admin = NetworkAdmin(FlatDHCPManager.create_rules(), "host-a")
    (multi,) = admin.create_networks(ADMIN, label="mh", cidr="10.0.0.0/28", bridge="br-mh", multi_host="T")
    (single,) = admin.create_networks(ADMIN, label="one", cidr="10.0.1.0/28", bridge="br-one")
    (v6only,) = admin.create_networks(ADMIN, label="six", cidr_v6="fd00::/64", bridge="br-six")
    plumbing = _plumbing()
    spec = plumbing.spec_for(multi)
    assert spec.dhcp_server is None and _fixed_rows_of("host-a") == []  # read only
    assert plumbing.claim_host_address(multi) == "10.0.0.2" == plumbing.claim_host_address(multi)
    assert _fixed_rows_of("host-a") == ["10.0.0.2"] and plumbing.spec_for(multi).dhcp_server == "10.0.0.2"
    # Single-host networks serve from their own DHCP address; a network without IPv4 has none to take.
    assert plumbing.claim_host_address(single) == "10.0.1.1"
    assert plumbing.claim_host_address(v6only) is None
    assert _fixed_rows_of("host-a") == ["10.0.0.2"]
    # Setting a network up claims first, then asks the driver.
    other = HostPlumbing("host-b", RecordingDriver(), plumbing.flavor)
    other.setup_network(multi)
    assert other.is_ready(multi.id) and other.driver.networks["br-mh"].dhcp_server == "10.0.0.3"  # type: ignore


def test_floating_forwards_use_the_public_interface(sqlite_store: str) -> None:
    admin = NetworkAdmin(FlatDHCPManager.create_rules(), "host-a")
    (network,) = admin.create_networks(ADMIN, label="one", cidr="10.0.1.0/28", bridge="br-one")
    plumbing = _plumbing()
    plumbing.add_floating("172.24.4.9", "10.0.1.5", "eth7", network)
    driver = plumbing.driver
    assert isinstance(driver, RecordingDriver) and driver.floating["172.24.4.9"].interface == "eth0"
    CONF.set_override("public_interface", "")
    try:  # without public_interface, the floating range's own interface
        assert plumbing.floating_forward("172.24.4.9", "10.0.1.5", "eth7", network).interface == "eth7"
    finally:
        CONF.clear_override("public_interface")
    plumbing.remove_floating("172.24.4.9", "10.0.1.5", "eth7", network)
    assert "172.24.4.9" not in driver.floating


def test_vlan_plumbing_forwards_the_vpn_and_removes_unused_gateways(sqlite_store: str) -> None:
    admin = NetworkAdmin(VlanManager.create_rules(), "host-a")
    (network,) = admin.create_networks(ADMIN, label="v", cidr="10.0.0.0/24", network_size=16, multi_host="T",
                                       bridge_interface="eth1")
    CONF.set_override("vpn_ip", "192.0.2.10")
    CONF.set_override("teardown_unused_network_gateway", True)
    try:
        plumbing = _plumbing(vlan=True)
        plumbing.setup_network(network)
        driver = plumbing.driver
        assert isinstance(driver, RecordingDriver) and driver.vpn_forwards == {"br100"}
        assert db.network_get(network.id).vpn_public_address == "192.0.2.10"
        assert _fixed_rows_of("host-a") == ["10.0.0.3"]
        # No instance of this host is left on it, and the VPN is forwarded elsewhere: remove it all.
        db.network_update(network.id, {"vpn_public_address": "192.0.2.99"})
        plumbing.teardown_network(db.network_get(network.id))
        assert driver.call_names()[-1] == "remove_network" and not plumbing.is_ready(network.id)
        assert _fixed_rows_of("host-a") == []
    finally:
        CONF.clear_override("vpn_ip")
        CONF.clear_override("teardown_unused_network_gateway")
