"""ensure_bridge / remove_bridge with real traffic in fresh namespaces."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.netns import veth_between
from tests.fixtures.wait import wait_until
from tests.functional.drivers.linux_net.conftest import host_state, ip_json, ipv4_addresses
from tests.fixtures.traffic import ping

pytestmark = pytest.mark.root


def test_bridge_takes_over_uplink_address_and_default_route(netns_factory: Any, links_factory: Any) -> None:
    host, router = netns_factory(), netns_factory()
    veth_between(host, "up0", router, "rt0")
    host.run(["ip", "addr", "add", "10.20.0.2/24", "dev", "up0"])
    host.run(["ip", "route", "add", "default", "via", "10.20.0.1"])
    host.run(["ip", "route", "add", "198.51.100.0/24", "via", "10.20.0.1", "metric", "7"])
    router.run(["ip", "addr", "add", "10.20.0.1/24", "dev", "rt0"])
    # Reachable only through the default route.
    router.run(["ip", "addr", "add", "192.0.2.1/32", "dev", "lo"])
    wait_until(lambda: ping(host.name, "192.0.2.1"), timeout=5, message="no path before the bridge")
    links = links_factory(host)

    applied = links.ensure_bridge("br100", "up0")

    assert applied, "the first ensure must change something"
    assert ipv4_addresses(host, "br100") == ["10.20.0.2/24"]
    assert ipv4_addresses(host, "up0") == []
    routes = {(r["dst"], r.get("gateway"), r["dev"]) for r in ip_json(host, "-4", "route", "show")}
    assert ("default", "10.20.0.1", "br100") in routes
    assert ("198.51.100.0/24", "10.20.0.1", "br100") in routes
    (port,) = ip_json(host, "link", "show", "up0")
    (bridge,) = ip_json(host, "-d", "link", "show", "br100")
    assert port["master"] == "br100"
    assert bridge["address"] == port["address"], "bridge MAC is pinned to the uplink's"
    assert bridge["linkinfo"]["info_data"]["stp_state"] == 0
    assert bridge["linkinfo"]["info_data"]["forward_delay"] == 0
    # The host still reaches the router's network through the moved default route.
    wait_until(lambda: ping(host.name, "192.0.2.1"), timeout=5, message="default route lost in the move")

    before = host_state(host)
    assert links.ensure_bridge("br100", "up0") == ()
    assert host_state(host) == before


def test_remove_bridge_removes_only_ours(netns: Any, links_factory: Any) -> None:
    netns.run(["ip", "link", "add", "brforeign", "type", "bridge"])
    links = links_factory(netns)

    links.ensure_bridge("brours")
    # Using an operator's bridge does not make it ours.
    links.ensure_bridge("brforeign")

    assert links.remove_bridge("brforeign") is False
    assert links.remove_bridge("brours") is True
    assert links.remove_bridge("brours") is False  # absent: fine
    names = {link["ifname"] for link in ip_json(netns, "link", "show")}
    assert "brforeign" in names
    assert "brours" not in names


def test_ensure_bridge_refuses_a_non_bridge_and_a_foreign_port(netns: Any, links_factory: Any) -> None:
    from novanet import exception

    netns.run(["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"])
    netns.run(["ip", "link", "add", "brother", "type", "bridge"])
    netns.run(["ip", "link", "set", "v1", "master", "brother"])
    links = links_factory(netns)

    with pytest.raises(exception.DriverError, match="not a bridge"):
        links.ensure_bridge("v0")
    with pytest.raises(exception.DriverError, match="another bridge"):
        links.ensure_bridge("brmine", "v1")
    with pytest.raises(exception.DriverError, match="does not exist"):
        links.ensure_bridge("brmine", "nosuchdev")
