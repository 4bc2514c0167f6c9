"""RPCAllocateFixedIP (manager/rpc_allocate.py): fixed-IP work on the serving host, through peers."""

from __future__ import annotations

from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.types import RequestedNetwork
from tests.fixtures.peers import LocalPeers
from tests.unit.manager.helpers import ADMIN, USER, instance


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
