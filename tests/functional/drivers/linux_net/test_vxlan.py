"""VXLAN segments between two "hosts": isolation by VNI and multi-host reach.

Topology (every box is a fresh namespace)::

    a100   a101                    b100   b101       instances, all in 10.100.0.0/24
      |      |                       |      |
    br100  br101 ── hostA ══ u0 ══ hostB ── br100  br101
      vxlan100 vxlan101  (underlay veth)    vxlan100 vxlan101

Same VNI on the two hosts must reach each other; different VNIs must not,
although every instance shares one IP subnet (isolation is at L2).
"""

from __future__ import annotations

from typing import Any

import pytest

from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net import VxlanSpec
from tests.fixtures.netns import veth_between
from tests.fixtures.wait import wait_until
from tests.functional.drivers.linux_net.conftest import flood_entries, host_state, ip_json, plug_instance
from tests.fixtures.traffic import ping, ping_any

pytestmark = pytest.mark.root

UNDERLAY = {"a": "10.0.0.1", "b": "10.0.0.2"}
INSTANCE_IP = {("a", 100): "10.100.0.11", ("b", 100): "10.100.0.12", ("a", 101): "10.100.0.13", ("b", 101): "10.100.0.14"}


def network(vni: int) -> NetworkSpec:
    return NetworkSpec(id=vni, uuid=f"net-{vni}", label=f"project-{vni}", bridge=f"br{vni}", vlan=vni)


def build(netns_factory: Any, links_factory: Any, **vxlan: Any) -> tuple[dict[str, Any], dict[tuple[str, int], Any]]:
    hosts = {"a": netns_factory(), "b": netns_factory()}
    veth_between(hosts["a"], "u0", hosts["b"], "u0")
    links_of = {}
    for name, ns in hosts.items():
        ns.run(["ip", "addr", "add", f"{UNDERLAY[name]}/24", "dev", "u0"])
        links_of[name] = links_factory(ns, segment_driver="vxlan", vxlan_local_ip=UNDERLAY[name], **vxlan)
        for vni in (100, 101):
            plugged = links_of[name].plug(network(vni))
            assert (plugged.bridge, plugged.uplink) == (f"br{vni}", f"vxlan{vni}")
    instances = {}
    for (name, vni), ip in INSTANCE_IP.items():
        inst = instances[(name, vni)] = netns_factory()
        plug_instance(hosts[name], f"br{vni}", inst, f"{ip}/24", f"tap{vni}")
    return {"hosts": hosts, "links_of": links_of}, instances


def assert_isolated_by_vni(instances: dict[tuple[str, int], Any]) -> None:
    for vni in (100, 101):
        src, dst = instances[("a", vni)], INSTANCE_IP[("b", vni)]
        wait_until(lambda: ping(src.name, dst), timeout=8, message=f"VNI {vni} does not cross hosts")
    # Reachable peers answered above; different VNIs get no answer.
    crossing = [
        (instances[("a", 100)].name, INSTANCE_IP[("b", 101)]),
        (instances[("a", 100)].name, INSTANCE_IP[("a", 101)]),
        (instances[("b", 100)].name, INSTANCE_IP[("a", 101)]),
        (instances[("b", 101)].name, INSTANCE_IP[("b", 100)]),
    ]
    assert ping_any(crossing) == [False] * len(crossing)


def test_vxlan_unicast_peers_isolate_vnis_across_hosts(netns_factory: Any, links_factory: Any) -> None:
    setup, instances = build(netns_factory, links_factory, vxlan_peers=tuple(UNDERLAY.values()))
    host_a, links_a = setup["hosts"]["a"], setup["links_of"]["a"]

    assert_isolated_by_vni(instances)

    (vx,) = ip_json(host_a, "-d", "link", "show", "vxlan100")
    assert vx["linkinfo"]["info_data"]["id"] == 100
    assert vx["master"] == "br100"
    assert flood_entries(host_a, "vxlan100") == [UNDERLAY["b"]], "one flood entry, to the other host only"
    # A second pass changes nothing.
    before = host_state(host_a)
    spec = links_a.segment_driver(network(100)).spec(network(100))
    assert links_a.ensure_vxlan(spec) == ()
    assert links_a.ensure_bridge("br100", "vxlan100") == ()
    links_a.plug(network(100))
    assert host_state(host_a) == before


def test_vxlan_multicast_group(netns_factory: Any, links_factory: Any) -> None:
    _, instances = build(netns_factory, links_factory, vxlan_group="239.1.1.100", vxlan_interface="u0")

    assert_isolated_by_vni(instances)


def test_vxlan_peer_change_recreate_and_unplug(netns_factory: Any, links_factory: Any) -> None:
    host = netns_factory()
    links = links_factory(host, segment_driver="vxlan", vxlan_peers=("10.0.0.2", "10.0.0.3"))
    links.plug(network(7))

    applied = links.ensure_vxlan(VxlanSpec(vni=7, peers=("10.0.0.3", "10.0.0.4")))

    assert {type(a).__name__ for a in applied} == {"AddFdb", "DeleteFdb"}
    assert flood_entries(host, "vxlan7") == ["10.0.0.3", "10.0.0.4"]
    # A changed local address recreates our device (the VNI/local/port are fixed at creation).
    applied = links.ensure_vxlan(VxlanSpec(vni=7, local="10.0.0.1", peers=("10.0.0.3",)))
    assert [type(a).__name__ for a in applied][:2] == ["DeleteLink", "CreateLink"]
    (vx,) = ip_json(host, "-d", "link", "show", "vxlan7")
    assert vx["linkinfo"]["info_data"]["local"] == "10.0.0.1"

    host.run(["ip", "link", "add", "vxlan8", "type", "vxlan", "id", "8", "dstport", "4789"])
    links.unplug(network(7))
    links.unplug(network(8))  # not ours: left alone

    names = {link["ifname"] for link in ip_json(host, "link", "show")}
    assert {"br7", "vxlan7"}.isdisjoint(names)
    assert "vxlan8" in names
