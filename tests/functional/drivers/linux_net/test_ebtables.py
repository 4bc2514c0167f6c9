"""DHCP isolation of a shared DHCP address (ebtables), with traffic.

A network host's bridge holds the shared address 10.40.0.1 and has an uplink
to another host. With the isolation rules the other host can no longer
resolve the address across the uplink, while an instance on the bridge still
reaches it.
"""

from __future__ import annotations

from typing import Any

import pytest

from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net import GatewaySpec
from tests.fixtures.netns import veth_between
from tests.fixtures.services import require_tool
from tests.fixtures.wait import wait_until
from tests.functional.drivers.linux_net.conftest import plug_instance
from tests.fixtures.traffic import ping

pytestmark = pytest.mark.root

NETWORK = NetworkSpec(
    id=1,
    uuid="net-shared",
    label="shared",
    bridge="br300",
    bridge_interface="up0",
    cidr="10.40.0.0/24",
    gateway="10.40.0.1",
    dhcp_server="10.40.0.1",
    multi_host=True,
    share_address=True,
)


def test_shared_dhcp_address_is_hidden_from_the_uplink(netns_factory: Any, links_factory: Any) -> None:
    require_tool("ebtables")
    host, other, inst = netns_factory(), netns_factory(), netns_factory()
    veth_between(host, "up0", other, "eth0")
    other.run(["ip", "addr", "add", "10.40.0.2/24", "dev", "eth0"])
    links = links_factory(host)

    links.plug(NETWORK)
    links.ensure_gateway(NETWORK.bridge, GatewaySpec.from_network(NETWORK))
    plug_instance(host, "br300", inst, "10.40.0.10/24", "tap0")

    wait_until(lambda: ping(inst.name, "10.40.0.1"), timeout=5, message="instance cannot reach its gateway")
    assert not ping(other.name, "10.40.0.1"), "the shared address answered ARP across the uplink"
    rules = host.run(["ebtables", "-t", "filter", "-L", "INPUT"]).stdout
    links.plug(NETWORK)
    assert host.run(["ebtables", "-t", "filter", "-L", "INPUT"]).stdout == rules, "re-plug duplicated rules"

    links.remove_dhcp_isolation("up0", "10.40.0.1")
    other.run(["ip", "neigh", "flush", "dev", "eth0"])
    wait_until(lambda: ping(other.name, "10.40.0.1"), timeout=5, message="isolation rules were not removed")
