"""A DHCP lab: a "host" namespace with a bridge and the dnsmasq, and an
"instance" namespace whose veths are plugged into that bridge.

The dhcp-script is a small shell script that appends one line per call
(action, MAC, address, hostname, NETWORK_ID, CONFIG_FILE) to an events file
and, for ``init``, prints the lease file ``DhcpLab.leases`` if it exists.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator

import pytest

from novanet.drivers.base import DhcpHost, NetworkSpec
from novanet.drivers.dnsmasq import DnsmasqSupervisor, DnsmasqSettings
from tests.fixtures.netns import Namespace
from tests.fixtures.services import require_tool
from tests.fixtures.wait import wait_until

BRIDGE = "brdhcp"
CIDR = "10.77.0.0/24"
SERVER = "10.77.0.1"

RECORDER = """#!/bin/sh
printf '%s %s %s %s NETWORK_ID=%s CONFIG_FILE=%s\\n' "$1" "$2" "$3" "$4" "$NETWORK_ID" "$CONFIG_FILE" >> {events}
if [ "$1" = init ] && [ -f {leases} ]; then cat {leases}; fi
"""

DHCLIENT_SCRIPT = """#!/bin/sh
echo "$reason $new_ip_address $new_routers" >> {events}
prefix() {{ c=0; for o in $(echo "$1" | tr . ' '); do case $o in 255) c=$((c+8));; 254) c=$((c+7));;
  252) c=$((c+6));; 248) c=$((c+5));; 240) c=$((c+4));; 224) c=$((c+3));; 192) c=$((c+2));; 128) c=$((c+1));;
  esac; done; echo $c; }}
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/$(prefix "$new_subnet_mask")" dev "$interface" ;;
esac
exit 0
"""

# Renew after 1 s so a test sees a real unicast renewal quickly.
DHCLIENT_CONF = """timeout 10;
retry 1;
supersede dhcp-renewal-time 1;
supersede dhcp-rebinding-time 100;
"""


def make_network(**overrides: object) -> NetworkSpec:
    values: dict[str, object] = {
        "id": 7, "uuid": "0d3c5b1e-7a4f-4b8e-9d55-6c2f9b1a7e01", "label": "private", "bridge": BRIDGE,
        "cidr": CIDR, "gateway": SERVER, "dhcp_server": SERVER, "dhcp_start": "10.77.0.2",
        "netmask": "255.255.255.0", "broadcast": "10.77.0.255"}
    values.update(overrides)
    return NetworkSpec(**values)  # type: ignore[arg-type]


def host(n: int, address: str | None = None, **overrides: object) -> DhcpHost:
    values: dict[str, object] = {"mac": f"02:00:00:00:00:{n:02x}", "address": address or f"10.77.0.{10 + n}",
                                 "hostname": f"vm{n}", "vif_uuid": f"vif-{n}"}
    values.update(overrides)
    return DhcpHost(**values)  # type: ignore[arg-type]


@dataclasses.dataclass
class Dhclient:
    pid: int
    events: str

    def lines(self) -> list[str]:
        with open(self.events, encoding="utf-8") as handle:
            return handle.read().splitlines()


@dataclasses.dataclass
class DhcpLab:
    host: Namespace
    inst: Namespace
    workdir: str
    events: str
    leases: str
    settings: DnsmasqSettings
    supervisors: list[tuple[DnsmasqSupervisor, NetworkSpec]] = dataclasses.field(default_factory=list)
    _ports: int = 0

    def supervisor(self, network: NetworkSpec, **overrides: object) -> DnsmasqSupervisor:
        """A real supervisor for ``network``; its dnsmasq is stopped after the test."""
        supervisor = DnsmasqSupervisor(dataclasses.replace(self.settings, **overrides))  # type: ignore[arg-type]
        self.supervisors.append((supervisor, network))
        return supervisor

    def plug(self, mac: str, bridge: str = BRIDGE) -> str:
        """A new veth in the instance namespace with ``mac``, its peer on ``bridge``."""
        self._ports += 1
        inside, outside = f"vi{self._ports}", f"vh{self._ports}"
        self.host.run(["ip", "link", "add", outside, "type", "veth", "peer", "name", inside,
                       "netns", self.inst.name])
        self.host.run(["ip", "link", "set", outside, "master", bridge, "up"])
        # No IPv6 duplicate address detection: a router advertisement is
        # acted on at once instead of after a second of tentative addresses.
        self.inst.run(["sysctl", "-qw", f"net.ipv6.conf.{inside}.accept_dad=0"])
        self.inst.run(["ip", "link", "set", inside, "address", mac, "up"])
        return inside

    def script_events(self) -> list[str]:
        if not os.path.exists(self.events):
            return []
        with open(self.events, encoding="utf-8") as handle:
            return handle.read().splitlines()

    def has_event(self, action: str, mac: str, address: str) -> bool:
        return any(line.startswith(f"{action} {mac} {address}") for line in self.script_events())

    def dhclient(self, ifname: str) -> Dhclient:
        """Run ISC dhclient on ``ifname`` until it is bound (it then daemonises)."""
        base = os.path.join(self.workdir, f"dhclient-{ifname}")
        events = base + ".events"
        script = base + ".sh"
        _write(script, DHCLIENT_SCRIPT.format(events=events), 0o755)
        _write(base + ".conf", DHCLIENT_CONF, 0o644)
        self.inst.run(["dhclient", "-1", "-cf", base + ".conf", "-sf", script, "-pf", base + ".pid",
                       "-lf", base + ".leases", ifname], timeout=30)
        pid = int(wait_until(lambda: _read(base + ".pid"), timeout=5).strip())
        self.inst.track_pid(pid)
        return Dhclient(pid, events)


def _write(path: str, text: str, mode: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


def add_bridge(ns: Namespace, bridge: str, cidr_address: str) -> None:
    ns.run(["ip", "link", "add", bridge, "type", "bridge"])
    # Without duplicate address detection the link-local address, the source
    # of dnsmasq's router advertisements, is usable as soon as the bridge has
    # a port (while it is tentative the kernel sources RAs from the global
    # address, and clients drop them).
    ns.run(["sysctl", "-qw", f"net.ipv6.conf.{bridge}.accept_dad=0"])
    ns.run(["ip", "addr", "add", cidr_address, "dev", bridge])
    ns.run(["ip", "link", "set", bridge, "up"])


@pytest.fixture
def dhcp_lab(netns_factory: Callable[[str], Namespace]) -> Iterator[DhcpLab]:
    require_tool("dnsmasq")
    require_tool("dhcp_release")
    host_ns = netns_factory("nn")
    inst_ns = netns_factory("nn")
    add_bridge(host_ns, BRIDGE, f"{SERVER}/24")
    # dnsmasq drops root to 'nobody': every directory on the way must be searchable.
    workdir = tempfile.mkdtemp(prefix="novanet-dnsmasq-", dir="/tmp")
    os.chmod(workdir, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    events = os.path.join(workdir, "script.events")
    script = os.path.join(workdir, "dhcpbridge.sh")
    leases = os.path.join(workdir, "init.leases")
    _write(script, RECORDER.format(events=events, leases=leases), 0o755)
    settings = DnsmasqSettings(
        networks_path=os.path.join(workdir, "networks"), dhcpbridge=script,
        dhcpbridge_flagfile=("/etc/novanet/test.conf",), dhcp_lease_time=120, namespace=host_ns.name,
        log_dir=workdir, log_dhcp=True)
    lab = DhcpLab(host_ns, inst_ns, workdir, events, leases, settings)
    try:
        yield lab
    finally:
        for supervisor, network in lab.supervisors:
            try:
                supervisor.remove_network(network)
            except Exception as err:  # noqa: BLE001 - teardown must go on
                print(f"teardown: {err}")
        shutil.rmtree(workdir, ignore_errors=True)

