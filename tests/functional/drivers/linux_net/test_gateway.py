"""Gateway addresses, floating addresses and the metadata address, with traffic."""

from __future__ import annotations

from typing import Any

import pytest

from novanet import exception
from novanet.drivers.linux_net import GatewaySpec
from tests.fixtures.netns import veth_between
from tests.fixtures.services import require_tool
from tests.fixtures.wait import wait_until
from tests.functional.drivers.linux_net.conftest import ip_json, ipv4_addresses, plug_instance, sysctl
from tests.fixtures.traffic import ping

pytestmark = pytest.mark.root


def test_gateway_address_comes_first_and_others_stay(netns_factory: Any, links_factory: Any) -> None:
    host, inst = netns_factory(), netns_factory()
    links = links_factory(host)
    links.ensure_bridge("br200")
    host.run(["ip", "addr", "add", "10.30.0.50/24", "dev", "br200"])
    host.run(["ip", "route", "add", "203.0.113.0/24", "via", "10.30.0.254"])
    plug_instance(host, "br200", inst, "10.30.0.10/24", "tap0")
    root_forwarding = sysctl(None, "net.ipv4.ip_forward")
    spec = GatewaySpec("10.30.0.1", 24, "10.30.0.255", address_v6="fd00:30::1", prefixlen_v6=64)

    links.ensure_gateway("br200", spec)

    assert ipv4_addresses(host, "br200") == ["10.30.0.1/24", "10.30.0.50/24"]
    (first,) = [a for e in ip_json(host, "-4", "addr", "show", "dev", "br200") for a in e["addr_info"]][:1]
    assert first["broadcast"] == "10.30.0.255"
    v6 = [a["local"] for e in ip_json(host, "-6", "addr", "show", "dev", "br200") for a in e["addr_info"]]
    assert "fd00:30::1" in v6
    routes = {(r["dst"], r.get("gateway")) for r in ip_json(host, "-4", "route", "show")}
    assert ("203.0.113.0/24", "10.30.0.254") in routes
    assert sysctl(host, "net.ipv4.ip_forward") == "1"
    assert sysctl(None, "net.ipv4.ip_forward") == root_forwarding, "only the target namespace forwards"
    # The instance reaches the gateway and the kept address over the bridge.
    wait_until(lambda: ping(inst.name, "10.30.0.1"), timeout=5)
    assert ping(inst.name, "10.30.0.50")

    assert links.ensure_gateway("br200", spec) == ()


def test_floating_ip_bind_announces_and_unbind_removes(netns_factory: Any, links_factory: Any) -> None:
    host, peer = netns_factory(), netns_factory()
    veth_between(host, "pub0", peer, "peer0")
    host.run(["ip", "addr", "add", "203.0.113.2/24", "dev", "pub0"])
    peer.run(["ip", "addr", "add", "203.0.113.9/24", "dev", "peer0"])
    # The peer believes the floating address is somewhere else.
    peer.run(["ip", "neigh", "add", "203.0.113.50", "lladdr", "02:11:22:33:44:55", "dev", "peer0", "nud", "stale"])
    links = links_factory(host, public_interface="pub0", send_arp_for_ha=True, send_arp_for_ha_count=1)
    (pub,) = ip_json(host, "link", "show", "pub0")

    links.bind_floating_ip("203.0.113.50", links.public_device(None))

    def peer_mac() -> str:
        entries = ip_json(peer, "neigh", "show", "203.0.113.50", "dev", "peer0")
        return str(entries[0].get("lladdr", "")) if entries else ""

    wait_until(lambda: peer_mac() == pub["address"], timeout=5, message="no gratuitous ARP reached the peer")
    assert ping(peer.name, "203.0.113.50")
    assert links.bind_floating_ip("203.0.113.50", "pub0") == ()

    links.unbind_floating_ip("203.0.113.50", "pub0")
    assert "203.0.113.50/32" not in ipv4_addresses(host, "pub0")
    assert not ping(peer.name, "203.0.113.50", timeout=0.5)
    assert links.unbind_floating_ip("203.0.113.50", "pub0") == ()
    with pytest.raises(exception.NoFloatingIpInterface):
        links.bind_floating_ip("203.0.113.51", "nosuch0")


def test_metadata_address_on_loopback(netns: Any, links_factory: Any) -> None:
    links = links_factory(netns)

    assert links.ensure_metadata_ip()
    assert links.ensure_metadata_ip() == ()

    assert "169.254.169.254/32" in ipv4_addresses(netns, "lo")
    assert ping(netns.name, "169.254.169.254")


def _conntrack_entry(ns: Any, fixed: str, sport: int) -> None:
    # A DNATed floating-IP flow: 203.0.113.9 -> 203.0.113.50, answered by the fixed IP.
    ns.run(["conntrack", "-I", "-p", "tcp", "-s", "203.0.113.9", "-d", "203.0.113.50", "-r", fixed, "-q", "203.0.113.9",
            "--sport", str(sport), "--dport", "80", "--reply-port-src", "80", "--reply-port-dst", str(sport),
            "--state", "ESTABLISHED", "-t", "120"])


def test_clean_conntrack_forgets_only_that_fixed_ip(netns: Any, links_factory: Any) -> None:
    require_tool("conntrack")
    _conntrack_entry(netns, "10.0.0.5", 40000)
    _conntrack_entry(netns, "10.0.0.6", 40001)
    links = links_factory(netns)

    links.clean_conntrack("10.0.0.5")
    links.clean_conntrack("10.0.0.5")  # nothing left to delete: fine

    flows = netns.run(["conntrack", "-L"]).stdout
    assert "src=10.0.0.5" not in flows
    assert "src=10.0.0.6" in flows
