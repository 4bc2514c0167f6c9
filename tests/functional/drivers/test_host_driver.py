"""LinuxNetDriver.init_host: idempotent, and it removes what no fact backs any more.

The real driver (links, iptables, dnsmasq) in a namespace of the test's own:
running init_host twice (the second time from a new driver, as after a
daemon restart) changes nothing in the kernel or in the dnsmasq processes;
running it with a network and a floating IP gone removes exactly their
bridge, rules, dnsmasq and bound address, and leaves the rest (and a
foreign bridge) alone.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from novanet.conf import CONF
from novanet.drivers.base import DhcpHost, FloatingForward, HostState, NetworkSpec
from novanet.drivers.host import LinuxNetDriver
from tests.fixtures.netns import Namespace
from tests.fixtures.services import require_tool

pytestmark = pytest.mark.root

NET_A = NetworkSpec(id=1, uuid="aaaaaaaa-0000-0000-0000-000000000001", label="a", bridge="br-a", cidr="10.81.0.0/24",
                    gateway="10.81.0.1", dhcp_server="10.81.0.1", dhcp_start="10.81.0.2", netmask="255.255.255.0",
                    broadcast="10.81.0.255", dns1="10.81.0.53")
NET_B = NetworkSpec(id=2, uuid="bbbbbbbb-0000-0000-0000-000000000002", label="b", bridge="br-b", cidr="10.82.0.0/24",
                    gateway="10.82.0.1", dhcp_server="10.82.0.1", dhcp_start="10.82.0.2", netmask="255.255.255.0",
                    broadcast="10.82.0.255")
HOST_A = DhcpHost(mac="fa:16:3e:00:00:0a", address="10.81.0.2", hostname="vm-a", vif_uuid="vif-a")
HOST_B = DhcpHost(mac="fa:16:3e:00:00:0b", address="10.82.0.2", hostname="vm-b", vif_uuid="vif-b")
FLOAT = FloatingForward(floating="172.24.4.70", fixed="10.81.0.2", interface="pub0", network=NET_A)
FULL = HostState(networks=((NET_A, (HOST_A,)), (NET_B, (HOST_B,))), floating=(FLOAT,))
SMALLER = HostState(networks=((NET_A, (HOST_A,)),), floating=())


@pytest.fixture
def host(netns: Namespace) -> Iterator[Namespace]:
    for tool in ("dnsmasq", "iptables-restore"):
        require_tool(tool)
    state = Path(tempfile.mkdtemp(prefix="novanet-hostdrv-"))
    state.chmod(0o755)
    netns.run(["ip", "link", "add", "pub0", "type", "veth", "peer", "name", "pub1"])
    netns.run(["ip", "link", "set", "pub0", "up"])
    netns.run(["ip", "addr", "add", "172.24.4.1/24", "dev", "pub0"])
    netns.run(["ip", "link", "add", "br-foreign", "type", "bridge"])
    overrides: dict[str, Any] = {
        "state_path": str(state), "public_interface": "pub0", "routing_source_ip": "172.24.4.1",
        "metadata_host": "172.24.4.1", "dhcpbridge": shutil.which("true"), "networks_path": str(state / "networks"),
    }
    for key, value in overrides.items():
        CONF.set_override(key, value)
    CONF.set_override("namespace", netns.name, group="linux_net")
    CONF.set_override("bridge_socket", "", group="dnsmasq")
    try:
        yield netns
    finally:
        for key in overrides:
            CONF.clear_override(key)
        CONF.clear_override("namespace", group="linux_net")
        CONF.clear_override("bridge_socket", group="dnsmasq")
        shutil.rmtree(state, ignore_errors=True)


def snapshot(ns: Namespace) -> dict[str, Any]:
    """What the kernel and the process table say, without counters and timers."""
    rules = "\n".join(re.sub(r"\[\d+:\d+\]", "", ns.run(["iptables-save", "-t", t]).stdout)
                      for t in ("filter", "nat", "mangle"))
    rules = "\n".join(line for line in rules.splitlines() if not line.startswith("#"))
    links = sorted(line.split(":")[1].strip().split("@")[0] for line in ns.run(["ip", "-o", "link"]).stdout.splitlines())
    addresses = sorted(" ".join(line.split()[1:4]) for line in ns.run(["ip", "-o", "addr"]).stdout.splitlines())
    pids = sorted(p.read_text().strip() for p in Path(CONF.networks_path).glob("*.pid"))
    return {"rules": rules, "links": links, "addresses": addresses, "pids": pids}


def test_init_host_is_idempotent_and_removes_what_no_fact_backs(host: Namespace) -> None:
    first = LinuxNetDriver(CONF)
    try:
        first.init_host(FULL)
        before = snapshot(host)
    finally:
        first.close()
    assert "br-a" in before["links"] and "br-b" in before["links"]
    assert any("172.24.4.70/32" in a for a in before["addresses"])
    assert "172.24.4.70" in before["rules"]
    assert len(before["pids"]) == 2  # one dnsmasq per network

    again = LinuxNetDriver(CONF)  # a restarted daemon
    try:
        again.init_host(FULL)
        assert snapshot(host) == before
        again.init_host(SMALLER)
        after = snapshot(host)
    finally:
        again.close()
    assert "br-b" not in after["links"] and "br-a" in after["links"] and "br-foreign" in after["links"]
    assert "br-b" not in after["rules"] and "10.82.0.0" not in after["rules"]
    assert "172.24.4.70" not in after["rules"]
    assert not any("172.24.4.70" in a for a in after["addresses"])
    assert len(after["pids"]) == 1 and after["pids"][0] in before["pids"]  # network A's dnsmasq kept running
