"""Fixtures for the link layer's functional tests (root, own namespaces)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from novanet.drivers.linux_net import LinkConfig, Links, privileged
from tests.fixtures.netns import Namespace


@pytest.fixture
def links_factory(netns_factory: Any) -> Iterator[Callable[..., Links]]:
    """``make(ns, **config)``: :class:`Links` on the real kernel in ``ns``.

    Its netlink sockets are closed before the namespaces are deleted (an open
    socket keeps a namespace, and the veth peers in it, alive).
    """
    made: list[Links] = []

    def make(ns: Namespace, **config: Any) -> Links:
        links = Links(LinkConfig(namespace=ns.name, **config))
        made.append(links)
        return links

    try:
        yield make
    finally:
        for links in made:
            links.close()
        privileged.close_all()


def ip_json(ns: Namespace, *args: str) -> Any:
    """``ip -j <args>`` inside ``ns``, parsed."""
    out = ns.run(["ip", "-j", *args]).stdout
    return json.loads(out) if out.strip() else []


def ipv4_addresses(ns: Namespace, dev: str) -> list[str]:
    """``a.b.c.d/len`` of the IPv4 addresses of ``dev``, in kernel order."""
    data = ip_json(ns, "-4", "addr", "show", "dev", dev)
    return [f"{a['local']}/{a['prefixlen']}" for entry in data for a in entry.get("addr_info", [])]


def plug_instance(host: Namespace, bridge: str, inst: Namespace, cidr: str, tap: str) -> None:
    """An "instance": a veth from ``inst`` (``eth0``, ``cidr``) into ``bridge`` on ``host``."""
    host.run(["ip", "link", "add", tap, "type", "veth", "peer", "name", "eth0", "netns", inst.name])
    host.run(["ip", "link", "set", tap, "master", bridge, "up"])
    inst.run(["ip", "addr", "add", cidr, "dev", "eth0"])
    inst.run(["ip", "link", "set", "eth0", "up"])


def sysctl(ns: Namespace | None, key: str) -> str:
    argv = ["sysctl", "-n", key]
    if ns is None:
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
    return ns.run(argv).stdout.strip()


def host_state(ns: Namespace) -> tuple[Any, ...]:
    """The parts of a namespace's links, addresses and routes novanet may change
    (leaving out counters and timers that move on their own)."""
    links = sorted(
        (
            link["ifname"],
            link.get("master"),
            link.get("address"),
            link.get("mtu"),
            "UP" in link.get("flags", []),
            link.get("ifalias"),
        )
        for link in ip_json(ns, "link", "show")
    )
    addresses = sorted(
        (entry["ifname"], a["local"], a["prefixlen"], a.get("broadcast"))
        for entry in ip_json(ns, "addr", "show")
        for a in entry.get("addr_info", [])
        if a.get("scope") != "link"
    )
    routes = sorted(
        (r["dst"], r.get("gateway", ""), r.get("dev", ""), r.get("metric", 0))
        for r in ip_json(ns, "-4", "route", "show", "table", "all")
    )
    return links, addresses, routes


def flood_entries(ns: Namespace, dev: str) -> list[str]:
    """Remote VTEPs of the all-zero (flood) FDB entries of VXLAN device ``dev``."""
    out = ns.run(["bridge", "-j", "fdb", "show", "dev", dev]).stdout
    entries = json.loads(out) if out.strip() else []
    return sorted(e["dst"] for e in entries if e.get("mac") == "00:00:00:00:00:00" and "dst" in e)
