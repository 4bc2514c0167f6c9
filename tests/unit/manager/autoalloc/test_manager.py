"""The managers with 'auto' and 'none' (SQLite store, recording driver)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db import auto_allocation as auto_store
from novanet.drivers.base import DhcpHost, NetworkSpec
from novanet.drivers.fake import RecordingDriver
from novanet.manager.autoalloc import admin
from novanet.manager.flat import FlatDHCPManager
from novanet.types import InstanceInfo, NetworkChoice
from novanet.manager.vlan import VlanManager
from novanet.context import RequestContext

USER = RequestContext(project_id="p1", user_id="u1")


def instance(project: str = "p1") -> InstanceInfo:
    return InstanceInfo(uuid=str(uuid.uuid4()), project_id=project, host="host-a", hostname="vm")


class ProbingDriver(RecordingDriver):
    """A recording driver that can tell which devices exist, and fail on request."""

    devices = {"pub0"}
    fail: Exception | None = None

    def has_device(self, name: str) -> bool:
        return name in self.devices

    def ensure_network(self, network: NetworkSpec, hosts: tuple[DhcpHost, ...]) -> None:  # type: ignore[override]
        super().ensure_network(network, hosts)
        if self.fail is not None:
            raise self.fail


@pytest.fixture
def vlan(sqlite_store: str) -> Iterator[VlanManager]:
    CONF.set_override("vlan_interface", "eth1")
    try:
        yield VlanManager("host-a", driver=ProbingDriver())
    finally:
        CONF.clear_override("vlan_interface")


def configure() -> None:
    admin.create_pool("auto", ["10.128.0.0/24"], 26, is_default=True)
    admin.create_egress("out", "pub0", "203.0.113.5", is_default=True)


def test_none_touches_nothing(vlan: VlanManager) -> None:
    inst = instance()
    info = vlan.allocate_for_instance(USER, inst, None, False, NetworkChoice.NONE, None)
    assert len(info) == 0
    with pytest.raises(exception.InstanceNotFound):
        db.instance_get_by_uuid(inst.uuid)
    vlan.validate_networks(USER, NetworkChoice.NONE)
    vlan.deallocate_for_instance(USER, inst, NetworkChoice.NONE)
    assert vlan.plumbing.driver.calls == [] and db.network_get_all() == []  # type: ignore[attr-defined]


def test_auto_builds_the_project_network_with_its_egress_and_allocates(vlan: VlanManager) -> None:
    driver: ProbingDriver = vlan.plumbing.driver  # type: ignore[assignment]
    with pytest.raises(exception.AutoAllocationFailure, match="NO_DEFAULT_POOL"):
        vlan.validate_networks(USER, NetworkChoice.AUTO)
    configure()
    vlan.validate_networks(USER, NetworkChoice.AUTO)
    assert db.network_get_all() == []
    first, second = instance(), instance()
    info = vlan.allocate_for_instance(USER, first, None, False, NetworkChoice.AUTO, None)
    (vif,) = info
    assert vif.network is not None and vif.network.bridge == "br100"
    assert vif.fixed_ips()[0].address == "10.128.0.3"  # network, gateway and VPN address reserved
    (spec, _hosts) = driver.calls[0].args
    assert (spec.snat_source, spec.snat_interface, spec.vlan, spec.project_id) == ("203.0.113.5", "pub0", 100, "p1")
    info2 = vlan.allocate_for_instance(USER, second, None, False, NetworkChoice.AUTO, None)
    assert info2[0].network.id == vif.network.id  # type: ignore[union-attr]
    host_calls = [name for name in driver.call_names() if name != "ensure_vpn_forward"]  # no VPN port: no rules
    assert host_calls == ["ensure_network", "add_dhcp_host", "add_dhcp_host"]
    assert vlan.get_auto_allocated_network(USER, "p1") == {"id": vif.network.id, "project_id": "p1"}
    assert vlan.get_auto_allocated_network(USER, "p1", dry_run=True) == {"id": "dry-run=pass", "project_id": "p1"}

    # Deleting waits for the instances to go; 'auto' deallocation releases everything.
    with pytest.raises(exception.NetworkInUse):
        vlan.delete_auto_allocated_network(USER, "p1")
    for inst in (first, second):
        vlan.deallocate_for_instance(USER, inst, NetworkChoice.AUTO)
    assert vlan.delete_auto_allocated_network(USER, "p1") == vif.network.id
    assert driver.call_names()[-1] == "remove_network"
    assert vlan.delete_auto_allocated_network(USER, "p1") is None
    assert db.network_get_all() == []


def test_a_missing_egress_interface_fails_the_dry_run(vlan: VlanManager) -> None:
    configure()
    vlan.plumbing.driver.devices = {"eth0"}  # type: ignore[attr-defined]
    with pytest.raises(exception.AutoAllocationFailure, match="EGRESS_INTERFACE_MISSING"):
        vlan.validate_networks(USER, NetworkChoice.AUTO)


def test_a_host_failure_is_a_typed_error_and_leaves_nothing(vlan: VlanManager) -> None:
    configure()
    driver: ProbingDriver = vlan.plumbing.driver  # type: ignore[assignment]
    driver.fail = exception.DriverError("bridge br100 refused")
    inst = instance()
    with pytest.raises(exception.AutoAllocationFailure) as caught:
        vlan.allocate_for_instance(USER, inst, None, False, NetworkChoice.AUTO, None)
    assert caught.value.reason == "HOST_FAILURE" and "br100 refused" in str(caught.value)
    assert driver.call_names() == ["ensure_network", "remove_network"]
    assert db.network_get_all() == [] and db.virtual_interface_get_by_instance(inst.uuid) == []
    row = auto_store.topology_get("p1")
    assert row is not None and row.reason == "HOST_FAILURE"


def test_flat_auto_uses_the_shared_network(sqlite_store: str) -> None:
    flat = FlatDHCPManager("host-a", driver=RecordingDriver())
    with pytest.raises(exception.AutoAllocationFailure, match="MANAGER_UNSUPPORTED"):
        flat.validate_networks(USER, NetworkChoice.AUTO)
    (shared,) = flat.networks.create_networks(USER.elevated(), label="net", cidr="10.0.0.0/28", bridge="br-a")
    flat.validate_networks(USER, NetworkChoice.AUTO)
    info = flat.allocate_for_instance(USER, instance(), None, False, NetworkChoice.AUTO, None)
    assert info[0].network.id == shared.uuid  # type: ignore[union-attr]


def test_two_hosts_share_one_project_network(vlan: VlanManager) -> None:
    """The host that built the network serves it; another host allocates and deletes through it."""
    from tests.fixtures.peers import LocalPeers

    configure()
    peers = LocalPeers()
    a = peers.add(vlan)
    b = peers.add(VlanManager("host-b", driver=ProbingDriver()))
    first = a.allocate_for_instance(USER, instance(), None, False, NetworkChoice.AUTO, None)
    second = b.allocate_for_instance(USER, instance(), None, False, NetworkChoice.AUTO, None)
    assert first[0].network.id == second[0].network.id  # type: ignore[union-attr]
    assert ("rpc_allocate_fixed_ip", "host-a") in peers.calls
    assert "ensure_network" not in b.plumbing.driver.call_names()  # type: ignore[attr-defined]
    for info in (first, second):
        address = info.fixed_ips()[0].address
        a.deallocate_fixed_ip(USER, address, "host-a")
    assert b.delete_auto_allocated_network(USER, "p1") == first[0].network.id  # type: ignore[union-attr]
    assert ("delete_auto_allocated_network", "host-a") in peers.calls
    assert a.plumbing.driver.call_names()[-1] == "remove_network"  # type: ignore[attr-defined]
