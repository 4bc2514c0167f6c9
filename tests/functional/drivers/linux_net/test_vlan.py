"""802.1Q VLAN segments (nova-network's VlanManager) between two "hosts".

This needs a kernel with 802.1Q support. Support is found by trying to create
a VLAN device in a test namespace; without it the traffic test skips with the
kernel's answer, and the error path is checked instead.
"""

from __future__ import annotations

from typing import Any

import pytest

from novanet import exception
from novanet.drivers.base import NetworkSpec
from tests.fixtures.netns import veth_between
from tests.fixtures.wait import wait_until
from tests.functional.drivers.linux_net.conftest import host_state, ip_json, plug_instance
from tests.fixtures.traffic import ping, ping_any

pytestmark = pytest.mark.root

NO_8021Q = "this kernel has no 802.1Q VLAN support: creating a 'vlan' link fails with EOPNOTSUPP"


def network(vlan: int) -> NetworkSpec:
    return NetworkSpec(id=vlan, uuid=f"net-{vlan}", label=f"project-{vlan}", bridge=f"br{vlan}", vlan=vlan, mtu=1400)


def test_vlan_segments_isolate_across_a_trunk(netns_factory: Any, links_factory: Any) -> None:
    hosts = {"a": netns_factory(), "b": netns_factory()}
    veth_between(hosts["a"], "trunk0", hosts["b"], "trunk0")
    links_of = {name: links_factory(ns, segment_driver="vlan", vlan_interface="trunk0") for name, ns in hosts.items()}
    if not links_of["a"].vlan_supported():
        pytest.skip(NO_8021Q)
    ips = {("a", 100): "10.100.0.11", ("b", 100): "10.100.0.12", ("a", 101): "10.100.0.13", ("b", 101): "10.100.0.14"}
    for name, links in links_of.items():
        for vlan in (100, 101):
            assert links.plug(network(vlan)).uplink == f"vlan{vlan}"
    instances = {}
    for (name, vlan), ip in ips.items():
        inst = instances[(name, vlan)] = netns_factory()
        plug_instance(hosts[name], f"br{vlan}", inst, f"{ip}/24", f"tap{vlan}")

    for vlan in (100, 101):
        src, dst = instances[("a", vlan)], ips[("b", vlan)]
        wait_until(lambda: ping(src.name, dst), timeout=8, message=f"VLAN {vlan} does not cross the trunk")
    crossing = [(instances[("a", 100)].name, ips[("b", 101)]), (instances[("a", 100)].name, ips[("a", 101)])]
    assert ping_any(crossing) == [False, False]

    (vl,) = ip_json(hosts["a"], "-d", "link", "show", "vlan100")
    assert vl["linkinfo"]["info_data"]["id"] == 100
    assert vl["mtu"] == 1400
    before = host_state(hosts["a"])
    links_of["a"].plug(network(100))
    assert host_state(hosts["a"]) == before

    links_of["a"].unplug(network(100))
    names = {link["ifname"] for link in ip_json(hosts["a"], "link", "show")}
    assert {"br100", "vlan100"}.isdisjoint(names)


def test_vlan_unsupported_kernel_fails_with_the_reason(netns_factory: Any, links_factory: Any) -> None:
    host = netns_factory()
    host.run(["ip", "link", "add", "trunk0", "type", "veth", "peer", "name", "trunk1"])
    links = links_factory(host, segment_driver="vlan", vlan_interface="trunk0")
    if links.vlan_supported():
        pytest.skip("this kernel supports 802.1Q; the unsupported path cannot be shown")

    with pytest.raises(exception.DriverError, match="does not support vlan devices"):
        links.plug(network(100))

    names = {link["ifname"] for link in ip_json(host, "link", "show")}
    assert "br100" not in names, "nothing is half-built"
