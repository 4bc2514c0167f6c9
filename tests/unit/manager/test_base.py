"""NetworkManager (manager/base.py): allocate, deallocate, leases, host requests; SQLite store, recording driver."""

from __future__ import annotations

import datetime
import uuid

import pytest
import sqlalchemy as sa

from novanet import exception
from novanet.db import api as db
from novanet.db import models, session
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.types import InstanceInfo, RequestedNetwork
from tests.fixtures.peers import LocalPeers
from tests.unit.manager.helpers import ADMIN, USER, instance


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


def test_setup_networks_on_host_goes_where_the_network_is_served(sqlite_store: str) -> None:
    peers = LocalPeers()
    a = peers.add(FlatDHCPManager("host-a", driver=RecordingDriver()))
    b = peers.add(FlatDHCPManager("host-b", driver=RecordingDriver()))
    a.networks.create_networks(ADMIN, label="mh", cidr="10.0.0.0/28", bridge="br-mh", multi_host="T")
    inst = InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host="host-a", hostname="vm")
    a.allocate_for_instance(USER, inst, None, False, None, None)
    a.setup_networks_on_host(ADMIN, inst, None, "host-b", teardown=False)
    assert ("rpc_setup_network_on_host", "host-b") in peers.calls
    assert "br-mh" in b.plumbing.driver.networks  # type: ignore[attr-defined]
    with pytest.raises(exception.InvalidRequest):
        a.setup_networks_on_host(ADMIN, None, None, "host-b", teardown=False)
