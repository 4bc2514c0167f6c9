"""The manager hierarchy against a real (SQLite) store and a recording driver."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db import models, session
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager, FlatManager
from novanet.types import InstanceInfo, RequestedNetwork
from novanet.manager.vlan import VlanManager
from novanet.context import RequestContext, get_admin_context
from tests.fixtures.peers import LocalPeers

ADMIN = get_admin_context()
USER = RequestContext(project_id="p1", user_id="u1")


def instance(host: str = "host-a", project: str = "p1", **kwargs: Any) -> InstanceInfo:
    return InstanceInfo(uuid=str(uuid.uuid4()), project_id=project, host=host, hostname=kwargs.pop("hostname", "vm"),
                        **kwargs)


@pytest.fixture
def flatdhcp(sqlite_store: str) -> FlatDHCPManager:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN, label="net", cidr="10.0.0.0/28", bridge="br-a", dns1="10.0.0.53")
    return manager


def test_instance_life_on_flatdhcp(flatdhcp: FlatDHCPManager) -> None:
    driver = flatdhcp.plumbing.driver
    assert isinstance(driver, RecordingDriver)
    inst = instance(hostname="web-1")
    info = flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
    (vif,) = info
    assert vif.network is not None and vif.network.bridge == "br-a"
    v4, v6 = vif.network.subnets
    assert [ip.address for ip in v4.ips] == ["10.0.0.2"]
    assert (v4.gateway, v4.dns, v4.dhcp_server, v6.cidr) == ("10.0.0.1", ("10.0.0.53",), "10.0.0.1", None)
    assert vif.network.meta["should_create_bridge"] and vif.network.meta["tenant_id"] is None
    assert vif.address.startswith("fa:16:3e:")
    prim = info.to_primitive()
    assert prim[0]["network"]["subnets"][0]["ips"][0]["type"] == "fixed"
    # The host side: the network set up once, the instance's DHCP entry added.
    assert driver.call_names() == ["ensure_network", "add_dhcp_host"]
    assert driver.dhcp_hosts["br-a"][vif.address].hostname == "web-1"
    assert flatdhcp.nw_info.get_instance_nw_info(USER, inst.uuid) == info

    flatdhcp.deallocate_for_instance(USER, inst)
    assert driver.call_names()[-2:] == ["remove_dhcp_host", "release_dhcp"]
    assert driver.dhcp_hosts["br-a"] == {}
    # Never leased, so free at once; the VIFs are gone; a second deallocate is harmless.
    assert db.fixed_ip_get_by_address("10.0.0.2").instance_uuid is None
    assert len(flatdhcp.nw_info.get_instance_nw_info(USER, inst.uuid)) == 0
    flatdhcp.deallocate_for_instance(USER, inst)


def test_a_leased_address_waits_for_its_release(flatdhcp: FlatDHCPManager) -> None:
    inst = instance()
    (vif,) = flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
    flatdhcp.lease_fixed_ip(ADMIN, "10.0.0.2", vif.address)
    flatdhcp.deallocate_for_instance(USER, inst)
    assert db.fixed_ip_get_by_address("10.0.0.2").instance_uuid == inst.uuid
    other = instance()
    assert flatdhcp.allocate_for_instance(USER, other, None, False, None, None).fixed_ips()[0].address == "10.0.0.3"
    flatdhcp.release_fixed_ip(ADMIN, "10.0.0.2", "fa:16:3e:ff:ff:ff")  # someone else's MAC: ignored
    assert db.fixed_ip_get_by_address("10.0.0.2").instance_uuid == inst.uuid
    flatdhcp.release_fixed_ip(ADMIN, "10.0.0.2", vif.address)
    assert db.fixed_ip_get_by_address("10.0.0.2").instance_uuid is None


def test_requested_addresses_and_undo_on_failure(sqlite_store: str) -> None:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    (net_a,) = manager.networks.create_networks(ADMIN, label="a", cidr="10.0.0.0/28", bridge="br-a")
    (net_b,) = manager.networks.create_networks(ADMIN, label="b", cidr="10.0.1.0/28", bridge="br-b")
    first = instance()
    manager.allocate_for_instance(USER, first, None, False, [RequestedNetwork(net_b.uuid, "10.0.1.9")], None)
    second = instance()
    requested = [RequestedNetwork(net_a.uuid, "10.0.0.7"), RequestedNetwork(net_b.uuid, "10.0.1.9")]
    with pytest.raises(exception.FixedIpAlreadyInUse):
        manager.allocate_for_instance(USER, second, None, False, requested, None)
    # Nothing of the failed call is left: its first address and its VIFs are gone.
    assert db.fixed_ip_get_by_address("10.0.0.7").instance_uuid is None
    assert db.virtual_interface_get_by_instance(second.uuid) == []
    with pytest.raises(exception.FixedIpInvalid):
        manager.allocate_for_instance(USER, instance(), None, False, [RequestedNetwork(net_a.uuid, "10.0.0")], None)
    with pytest.raises(exception.NetworkNotFoundForProject):
        manager.allocate_for_instance(USER, instance(), None, False, [RequestedNetwork(str(uuid.uuid4()))], None)
    # Requested order is kept.
    info = manager.allocate_for_instance(USER, instance(), None, False,
                                         [RequestedNetwork(net_b.uuid), RequestedNetwork(net_a.uuid)], None)
    assert [v.network.bridge for v in info if v.network] == ["br-b", "br-a"]


def test_macs_supplied_exhausted_and_collisions(flatdhcp: FlatDHCPManager, monkeypatch: pytest.MonkeyPatch) -> None:
    (vif,) = flatdhcp.allocate_for_instance(USER, instance(), None, False, None, ["FA:16:3E:00:00:0A"])
    assert vif.address == "fa:16:3e:00:00:0a"
    with pytest.raises(exception.VirtualInterfaceCreateException):
        flatdhcp.allocate_for_instance(USER, instance(), None, False, None, [])
    macs = iter(["fa:16:3e:00:00:0a", "fa:16:3e:00:00:0a", "fa:16:3e:00:00:0b"])
    monkeypatch.setattr(flatdhcp, "generate_mac", lambda: next(macs))
    (vif,) = flatdhcp.allocate_for_instance(USER, instance(), None, False, None, None)
    assert vif.address == "fa:16:3e:00:00:0b"
    monkeypatch.setattr(flatdhcp, "generate_mac", lambda: "fa:16:3e:00:00:0a")
    with pytest.raises(exception.VirtualInterfaceMacAddressException):
        flatdhcp.allocate_for_instance(USER, instance(), None, False, None, None)


def test_retried_allocation_is_idempotent(flatdhcp: FlatDHCPManager) -> None:
    inst = instance()
    first = flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
    again = flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
    assert again == first and len(db.fixed_ip_get_by_instance(inst.uuid)) == 1


def test_multinic_add_and_remove(sqlite_store: str) -> None:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    (net_a,) = manager.networks.create_networks(ADMIN, label="a", cidr="10.0.0.0/28", bridge="br-a")
    (net_b,) = manager.networks.create_networks(ADMIN, label="b", cidr="10.0.1.0/28", bridge="br-b")
    inst = instance()
    manager.allocate_for_instance(USER, inst, None, False, [RequestedNetwork(net_a.uuid)], None)
    info = manager.add_fixed_ip_to_instance(USER, inst.uuid, "host-a", net_b.uuid)
    assert [v.network.bridge for v in info if v.network] == ["br-a", "br-b"]
    info = manager.add_fixed_ip_to_instance(USER, inst.uuid, "host-a", net_a.id)
    assert [ip.address for ip in info[0].fixed_ips()] == ["10.0.0.2", "10.0.0.3"]
    info = manager.remove_fixed_ip_from_instance(USER, inst.uuid, "host-a", "10.0.1.2")
    assert [v.network.bridge for v in info if v.network] == ["br-a"]
    with pytest.raises(exception.FixedIpNotFoundForSpecificInstance):
        manager.remove_fixed_ip_from_instance(USER, inst.uuid, "host-a", "10.0.1.2")


def test_floating_ip_life_and_ownership(flatdhcp: FlatDHCPManager) -> None:
    driver = flatdhcp.plumbing.driver
    assert isinstance(driver, RecordingDriver)
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", "eth0")
    inst = instance()
    flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
    address = flatdhcp.allocate_floating_ip(USER, "p1")
    with pytest.raises(exception.Forbidden):
        flatdhcp.allocate_floating_ip(USER, "p2")
    other = RequestContext(project_id="p2")
    with pytest.raises(exception.FloatingIpNotOwned):
        flatdhcp.associate_floating_ip(other, address, "10.0.0.2")
    assert flatdhcp.associate_floating_ip(USER, address, "10.0.0.2") is None
    assert driver.floating[address].fixed == "10.0.0.2"
    assert flatdhcp.nw_info.get_instance_nw_info(USER, inst.uuid).floating_ips() == [address]
    assert flatdhcp.queries.get_floating_ips_by_fixed_address(USER, "10.0.0.2") == [address]
    assert flatdhcp.queries.get_instance_id_by_floating_address(USER, address) == inst.uuid
    with pytest.raises(exception.FloatingIpAssociated):
        flatdhcp.deallocate_floating_ip(USER, address)
    flatdhcp.disassociate_floating_ip(USER, address)
    assert address not in driver.floating
    with pytest.raises(exception.FloatingIpNotAssociated):
        flatdhcp.disassociate_floating_ip(USER, address)
    flatdhcp.deallocate_floating_ip(USER, address)
    assert db.quota_usage("p1") == 0
    with pytest.raises(exception.FloatingIpNotFoundForAddress):
        flatdhcp.queries.get_floating_ip_by_address(USER, "172.99.9.9")


def test_floating_quota_and_plumbing_failure(flatdhcp: FlatDHCPManager, monkeypatch: pytest.MonkeyPatch) -> None:
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", None)
    CONF.set_override("quota_floating_ips", 1)
    try:
        address = flatdhcp.allocate_floating_ip(USER, "p1")
        with pytest.raises(exception.FloatingIpLimitExceeded):
            flatdhcp.allocate_floating_ip(USER, "p1")
    finally:
        CONF.clear_override("quota_floating_ips")
    flatdhcp.allocate_for_instance(USER, instance(), None, False, None, None)

    def broken(forward: Any) -> None:
        raise exception.NoFloatingIpInterface(interface="eth9")

    monkeypatch.setattr(flatdhcp.plumbing.driver, "add_floating_ip", broken)
    with pytest.raises(exception.NoFloatingIpInterface):
        flatdhcp.associate_floating_ip(USER, address, "10.0.0.2")
    assert db.floating_ip_get_by_address(address).fixed_ip_id is None


def test_auto_assigned_floating_ip(flatdhcp: FlatDHCPManager) -> None:
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", None)
    CONF.set_override("auto_assign_floating_ip", True)
    try:
        inst = instance()
        info = flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
        (floating,) = info.floating_ips()
        assert db.quota_usage("p1") == 0
        with pytest.raises(exception.CannotDisassociateAutoAssignedFloatingIP):
            flatdhcp.disassociate_floating_ip(USER, floating)
        flatdhcp.deallocate_for_instance(USER, inst)
        assert db.floating_ip_get_by_address(floating).project_id is None
    finally:
        CONF.clear_override("auto_assign_floating_ip")


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


def test_multi_host_routes_work_to_the_instance_host(sqlite_store: str) -> None:
    peers = LocalPeers()
    a = peers.add(FlatDHCPManager("host-a", driver=RecordingDriver()))
    b = peers.add(FlatDHCPManager("host-b", driver=RecordingDriver()))
    (network,) = a.networks.create_networks(ADMIN, label="mh", cidr="10.0.0.0/28", bridge="br-mh", multi_host="T")
    inst = instance(host="host-b")
    info = a.allocate_for_instance(USER, inst, None, False, None, None)
    assert ("rpc_allocate_fixed_ip", "host-b") in peers.calls
    # host-b took its own DHCP address first, then gave the instance the next one.
    per_host = db.fixed_ip_get_by_network_host(network.id, "host-b")
    assert per_host is not None and per_host.address == "10.0.0.2"
    assert info.fixed_ips()[0].address == "10.0.0.3"
    assert info[0].network.subnets[0].dhcp_server == "10.0.0.2"  # type: ignore[union-attr]
    assert b.plumbing.driver.networks["br-mh"].dhcp_server == "10.0.0.2"  # type: ignore[attr-defined]
    assert "br-mh" not in a.plumbing.driver.networks  # type: ignore[attr-defined]
    # host-b is up (it has a heartbeat): the deallocation goes there.
    db.service_heartbeat("host-b", "novanet-network", "network")
    a.deallocate_for_instance(USER, inst)
    assert ("deallocate_fixed_ip", "host-b") in peers.calls
    assert db.fixed_ip_get_by_address("10.0.0.3").instance_uuid is None
    assert b.plumbing.driver.released == [("br-mh", "10.0.0.3", info[0].address)]  # type: ignore[attr-defined]


def test_multi_host_deallocation_with_the_host_down_is_store_only(sqlite_store: str) -> None:
    peers = LocalPeers()
    a = peers.add(FlatDHCPManager("host-a", driver=RecordingDriver()))
    b = peers.add(FlatDHCPManager("host-b", driver=RecordingDriver()))
    a.networks.create_networks(ADMIN, label="mh", cidr="10.0.0.0/28", bridge="br-mh", multi_host="T")
    inst = instance(host="host-b")
    a.allocate_for_instance(USER, inst, None, False, None, None)
    b.plumbing.driver.calls.clear()  # type: ignore[attr-defined]
    a.deallocate_for_instance(USER, inst)  # host-b never sent a heartbeat: it is down
    assert ("deallocate_fixed_ip", "host-b") not in peers.calls
    assert db.fixed_ip_get_by_address("10.0.0.3").instance_uuid is None
    assert b.plumbing.driver.calls == []  # type: ignore[attr-defined]


def test_single_host_network_is_served_by_its_host(sqlite_store: str) -> None:
    peers = LocalPeers()
    a = peers.add(FlatDHCPManager("host-a", driver=RecordingDriver()))
    b = peers.add(FlatDHCPManager("host-b", driver=RecordingDriver()))
    (served_by_b,) = a.networks.create_networks(ADMIN, label="one", cidr="10.0.0.0/28", bridge="br-one")
    (unclaimed,) = a.networks.create_networks(ADMIN, label="two", cidr="10.0.1.0/28", bridge="br-two")
    assert b.networks.set_network_host(ADMIN, served_by_b.id) == "host-b"
    assert a.networks.set_network_host(ADMIN, served_by_b.id) == "host-b"  # the real winner, not the caller
    inst = instance(host="host-a")
    a.allocate_for_instance(USER, inst, None, False,
                            [RequestedNetwork(served_by_b.uuid), RequestedNetwork(unclaimed.uuid)], None)
    assert ("rpc_allocate_fixed_ip", "host-b") in peers.calls
    assert "br-one" in b.plumbing.driver.networks and "br-one" not in a.plumbing.driver.networks  # type: ignore[attr-defined]
    # An unclaimed network is claimed by the host that handles the request.
    assert db.network_get(unclaimed.id).host == "host-a"
    # A retried request gets the same addresses, even through the peer.
    again = a.allocate_for_instance(USER, inst, None, False,
                                    [RequestedNetwork(served_by_b.uuid), RequestedNetwork(unclaimed.uuid)], None)
    assert [ip.address for ip in again.fixed_ips()] == ["10.0.0.2", "10.0.1.2"]


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


def test_periodic_task_frees_stale_addresses(flatdhcp: FlatDHCPManager) -> None:
    db.network_set_host(db.network_get_all()[0].id, "host-a")
    inst = instance()
    (vif,) = flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
    flatdhcp.lease_fixed_ip(ADMIN, "10.0.0.2", vif.address)
    flatdhcp.deallocate_for_instance(USER, inst)
    flatdhcp.run_periodic_tasks(ADMIN)
    assert db.fixed_ip_get_by_address("10.0.0.2").instance_uuid == inst.uuid  # lease may still be alive
    past = models.utcnow() - datetime.timedelta(days=2)
    with session.writer() as s:
        s.execute(sa.update(models.FixedIp).where(models.FixedIp.address == "10.0.0.2").values(updated_at=past))
    flatdhcp.run_periodic_tasks(ADMIN)
    assert db.fixed_ip_get_by_address("10.0.0.2").instance_uuid is None


def test_flat_manager_has_no_dhcp_and_no_floating(sqlite_store: str) -> None:
    manager = FlatManager("host-a", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN, label="f", cidr="10.0.0.0/28", bridge="br-op")
    inst = instance()
    info = manager.allocate_for_instance(USER, inst, None, False, None, None)
    assert info[0].network.subnets[0].dhcp_server is None  # type: ignore[union-attr]
    assert manager.allocate_floating_ip(USER, "p1") is None
    manager.deallocate_for_instance(USER, inst)
    assert db.fixed_ip_get_by_address("10.0.0.2").instance_uuid is None
    assert manager.plumbing.driver.call_names() == []  # type: ignore[attr-defined]


def test_validate_networks(flatdhcp: FlatDHCPManager) -> None:
    net = db.network_get_all()[0]
    flatdhcp.queries.validate_networks(USER, None)
    flatdhcp.queries.validate_networks(USER, [RequestedNetwork(net.uuid, None), RequestedNetwork(net.uuid, "10.0.0.5")])
    with pytest.raises(exception.FixedIpInvalid):
        flatdhcp.queries.validate_networks(USER, [RequestedNetwork(net.uuid, "")])
    with pytest.raises(exception.FixedIpNotFoundForAddress):
        flatdhcp.queries.validate_networks(USER, [RequestedNetwork(net.uuid, "10.9.9.9")])
    with pytest.raises(exception.FixedIpNotFoundForNetwork):
        flatdhcp.queries.validate_networks(USER, [RequestedNetwork(str(uuid.uuid4()), "10.0.0.5")])
    flatdhcp.allocate_for_instance(USER, instance(), None, False, [RequestedNetwork(net.uuid, "10.0.0.5")], None)
    with pytest.raises(exception.FixedIpAlreadyInUse):
        flatdhcp.queries.validate_networks(USER, [RequestedNetwork(net.uuid, "10.0.0.5")])


def test_unknown_instance(flatdhcp: FlatDHCPManager) -> None:
    with pytest.raises(exception.InstanceNotFound):
        flatdhcp.nw_info.get_instance_nw_info(USER, str(uuid.uuid4()))
    with pytest.raises(exception.InvalidRequest):
        flatdhcp.nw_info.get_instance_nw_info(USER, "not-a-uuid")


def test_dhcp_leases_for_dnsmasq_start(flatdhcp: FlatDHCPManager) -> None:
    (vif,) = flatdhcp.allocate_for_instance(USER, instance(hostname="db"), None, False, None, None)
    network = db.network_get_all()[0]
    assert flatdhcp.queries.get_dhcp_leases(network.id) == []
    flatdhcp.lease_fixed_ip(ADMIN, "10.0.0.2", vif.address)
    (lease,) = flatdhcp.queries.get_dhcp_leases(network.id)
    assert (lease.mac, lease.address, lease.hostname) == (vif.address, "10.0.0.2", "db")


@pytest.fixture(autouse=True)
def _fresh_overrides() -> Iterator[None]:
    yield
    for name in ("quota_floating_ips", "auto_assign_floating_ip", "vlan_interface"):
        CONF.clear_override(name)
