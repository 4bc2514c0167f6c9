#!/usr/bin/env python3
"""How fast a new instance gets its DHCP offer: hostsdir vs hostsfile + SIGHUP.

Run by hand as root from the repository root::

    .venv/bin/python tools/bench_dhcp.py [--sizes 1000,10000,50000] [--repeat 3]

For every size n it builds its own namespaces (a "host" with bridge and
dnsmasq, a "client" whose veth is on the bridge; all removed at the end) and
measures, with a raw DHCPDISCOVER prober:

* hostsdir (novanet's path, through DnsmasqSupervisor with n-1 hosts in the
  base hosts file): the time from ``add_host`` (one file in the hosts
  directory) to the first OFFER of the new address; from ``remove_host`` to
  the first DISCOVER that is ignored (bounded below by the 3 ms probe
  timeout); the stall of one SIGHUP (``tidy``) until a host is offered again,
  with dnsmasq's CPU time; reusing a removed address for a new MAC (needs
  that SIGHUP);
* hostsfile + SIGHUP (nova-network's path, same dnsmasq flags otherwise):
  rewrite the n-line file atomically, SIGHUP, time until the new address is
  offered.

It prints a table and the ratios. Figures vary ±30% with machine load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from novanet.drivers.base import DhcpHost, NetworkSpec
from novanet.drivers.dnsmasq import DnsmasqSettings, DnsmasqSupervisor, paths, render
from novanet.drivers.dnsmasq.privileged import write_file
from tests.fixtures.netns import Namespace
from tests.functional.drivers.dnsmasq import dhcpprobe

BRIDGE = "brbench"
CLIENT_IF = "vcli"


def mac_of(i: int) -> str:
    return f"fa:16:3e:{(i >> 16) & 0xFF:02x}:{(i >> 8) & 0xFF:02x}:{i & 0xFF:02x}"


def address_of(i: int) -> str:
    # 198.18.0.0/16 (RFC 2544 benchmark range); .0.0/.0.1 are network and server.
    i += 2
    return f"198.18.{i >> 8}.{i & 0xFF}"


def host_of(i: int) -> DhcpHost:
    return DhcpHost(mac=mac_of(i), address=address_of(i), hostname=f"instance-{i:08x}", vif_uuid=f"vif-{i}")


def wait_for(probe: Callable[[], bool], limit: float = 120.0) -> float:
    start = time.perf_counter()
    while not probe():
        if time.perf_counter() - start > limit:
            raise TimeoutError(f"no answer within {limit:.0f}s")
    return time.perf_counter() - start


class Prober:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def offer(self, mac: str, timeout: float = 0.003) -> str | None:
        reply = dhcpprobe.discover(self.namespace, CLIENT_IF, mac, timeout=timeout)
        return reply.yiaddr if reply is not None and reply.message_type == dhcpprobe.OFFER else None

    def offered(self, mac: str, address: str, timeout: float = 0.003) -> Callable[[], bool]:
        return lambda: self.offer(mac, timeout) == address

    def refused(self, mac: str) -> Callable[[], bool]:
        return lambda: self.offer(mac, timeout=0.003) is None


def cpu_ns(pid: int) -> int:
    with open(f"/proc/{pid}/schedstat", encoding="ascii") as handle:
        return int(handle.read().split()[0])


def setup() -> tuple[Namespace, Namespace]:
    host, client = Namespace("nnb"), Namespace("nnb")
    host.run(["ip", "link", "add", BRIDGE, "type", "bridge"])
    host.run(["ip", "addr", "add", "198.18.0.1/16", "dev", BRIDGE])
    host.run(["ip", "link", "set", BRIDGE, "up"])
    host.run(["ip", "link", "add", "vsrv", "type", "veth", "peer", "name", CLIENT_IF, "netns", client.name])
    host.run(["ip", "link", "set", "vsrv", "master", BRIDGE, "up"])
    client.run(["ip", "link", "set", CLIENT_IF, "address", "02:00:00:aa:bb:cc", "up"])
    return host, client


def bench_hostsdir(n: int, repeat: int, host: Namespace, prober: Prober, workdir: str) -> dict[str, float]:
    settings = DnsmasqSettings(networks_path=os.path.join(workdir, "networks"), dhcpbridge="/bin/true",
                               namespace=host.name)
    network = NetworkSpec(id=1, uuid="bench", label="bench", bridge=BRIDGE, cidr="198.18.0.0/16",
                          gateway="198.18.0.1", dhcp_server="198.18.0.1", dhcp_start="198.18.0.2",
                          netmask="255.255.0.0")
    supervisor = DnsmasqSupervisor(settings)
    base = [host_of(i) for i in range(n - 1)]
    figures: dict[str, float] = {}
    try:
        start = time.perf_counter()
        supervisor.ensure_network(network, base)
        figures["ensure_s"] = time.perf_counter() - start
        figures["start_to_offer_s"] = figures["ensure_s"] + wait_for(prober.offered(base[0].mac, base[0].address))
        pid = supervisor.status(network).pid
        assert pid is not None
        adds, removes = [], []
        for k in range(repeat):
            new = host_of(n - 1 + k)
            start = time.perf_counter()
            supervisor.add_host(network, new)
            adds.append(time.perf_counter() - start + wait_for(prober.offered(new.mac, new.address), 30))
            start = time.perf_counter()
            supervisor.remove_host(network, new, release=False)
            removes.append(time.perf_counter() - start + wait_for(prober.refused(new.mac), 30))
        assert supervisor.status(network).pid == pid, "dnsmasq was restarted"
        figures["add_to_offer_ms"] = statistics.median(adds) * 1000
        figures["remove_to_refused_ms"] = statistics.median(removes) * 1000
        before = cpu_ns(pid)
        start = time.perf_counter()
        assert supervisor.tidy(network, force=True)
        figures["tidy_hup_stall_s"] = time.perf_counter() - start + wait_for(
            prober.offered(base[1].mac, base[1].address, timeout=0.02))
        figures["hup_cpu_s"] = (cpu_ns(pid) - before) / 1e9
        # An address a removed host had, given to a new MAC: one forced SIGHUP.
        supervisor.remove_host(network, base[2], release=False)
        reuse = DhcpHost(mac=mac_of(n + repeat + 5), address=base[2].address, hostname="reuse", vif_uuid="r")
        start = time.perf_counter()
        supervisor.add_host(network, reuse)
        figures["reuse_to_offer_s"] = time.perf_counter() - start + wait_for(
            prober.offered(reuse.mac, reuse.address, timeout=0.02))
    finally:
        supervisor.remove_network(network)
    return figures


def bench_hostsfile(n: int, repeat: int, host: Namespace, prober: Prober, workdir: str) -> dict[str, float]:
    settings = DnsmasqSettings(networks_path=os.path.join(workdir, "hf"), dhcpbridge="/bin/true")
    network = NetworkSpec(id=1, uuid="bench", label="bench", bridge=BRIDGE, cidr="198.18.0.0/16",
                          gateway="198.18.0.1", dhcp_server="198.18.0.1", dhcp_start="198.18.0.2",
                          netmask="255.255.0.0")
    os.makedirs(settings.networks_path, mode=0o755)
    files = paths.network_files(settings, BRIDGE)
    hostsfile = os.path.join(settings.networks_path, "hosts")
    lines = [render.render_host_entry(network, host_of(i), settings).text for i in range(n - 1)]
    # nova-network's way: one hosts file, no hosts directory.
    argv = [f"--dhcp-hostsfile={hostsfile}" if arg.startswith("--dhcp-hostsfile=") else arg
            for arg in render.render_argv(network, settings) if not arg.startswith("--dhcp-hostsdir=")]
    write_file(files.opts, render.render_opts(network, settings))
    figures: dict[str, float] = {}
    pid = 0
    try:
        first = host_of(n - 1)
        write_file(hostsfile, "".join(lines) + render.render_host_entry(network, first, settings).text)
        start = time.perf_counter()
        host.run(argv)
        figures["start_to_offer_s"] = time.perf_counter() - start + wait_for(
            prober.offered(first.mac, first.address, timeout=0.02))
        with open(files.pid, encoding="ascii") as handle:
            pid = int(handle.read())
        hups, writes = [], []
        for k in range(repeat):
            new = host_of(n + k)
            start = time.perf_counter()
            write_file(hostsfile, "".join(lines) + render.render_host_entry(network, new, settings).text)
            writes.append(time.perf_counter() - start)
            os.kill(pid, signal.SIGHUP)
            hups.append(time.perf_counter() - start + wait_for(prober.offered(new.mac, new.address, timeout=0.02)))
        figures["write_file_ms"] = statistics.median(writes) * 1000
        figures["write_hup_to_offer_ms"] = statistics.median(hups) * 1000
    finally:
        if pid:
            os.kill(pid, signal.SIGTERM)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (network namespaces)", file=sys.stderr)
        return 2
    results = []
    for n in (int(size) for size in args.sizes.split(",")):
        host, client = setup()
        workdir = tempfile.mkdtemp(prefix="novanet-bench-dhcp-", dir="/tmp")
        os.chmod(workdir, 0o755)
        try:
            prober = Prober(client.name)
            hd = bench_hostsdir(n, args.repeat, host, prober, workdir)
            hf = bench_hostsfile(n, args.repeat, host, prober, workdir)
        finally:
            host.cleanup()
            client.cleanup()
            shutil.rmtree(workdir, ignore_errors=True)
        results.append((n, hd, hf))
        print(f"n={n}: hostsdir {hd}\n        hostsfile {hf}", flush=True)

    print()
    print("| hosts | hostsdir add→OFFER | hostsfile write+HUP→OFFER | ratio | remove→refused "
          "| SIGHUP stall (tidy) | dnsmasq CPU per HUP | reuse address (HUP) | start→OFFER (dir / file) "
          "| ensure_network (base file + start) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, hd, hf in results:
        ratio = hf["write_hup_to_offer_ms"] / hd["add_to_offer_ms"]
        print(f"| {n:,} | {hd['add_to_offer_ms']:.2f} ms | {hf['write_hup_to_offer_ms']:.1f} ms "
              f"(file write {hf['write_file_ms']:.1f} ms) | {ratio:,.0f}x | {hd['remove_to_refused_ms']:.2f} ms "
              f"| {hd['tidy_hup_stall_s'] * 1000:.0f} ms | {hd['hup_cpu_s'] * 1000:.0f} ms "
              f"| {hd['reuse_to_offer_s'] * 1000:.0f} ms "
              f"| {hd['start_to_offer_s']:.2f} s / {hf['start_to_offer_s']:.2f} s | {hd['ensure_s']:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
