#!/usr/bin/env python3
"""Benchmark the iptables driver: apply cost per floating IP change, and coalescing.

Run by hand as root (not in CI); every measurement runs in a network
namespace this script creates (``nnipt-<hex>``) and deletes, so the host's own
firewall is never touched::

    .venv/bin/python tools/bench_iptables.py [--sizes 1000,10000,100000]
        [--backends restore-nft,restore-legacy,python-iptables-legacy]
        [--reps 5] [--threads 1000] [--quick]

For each backend and table size N (NAT rules present, made of N/4 floating
IPs in the default bucketed layout) it prints:

* the initial full converge (``init_host``) and a restart with the same model;
* one floating IP association (``ensure`` + ``apply``), median of ``--reps``,
  next to the bare ``iptables-<variant>-restore --noflush`` of the very text
  the firewall produced (run the same way, from the namespace thread), and
  their ratio: the firewall's own overhead;
* nova-network's way of applying the same change (``iptables-save`` plus a
  full ``iptables-restore`` of every table) and the ratio to novanet's;
* for the ``iptables-restore`` backends, the same association in nova's
  chain layout (``floating_ip_buckets = 0``), where each change rewrites
  chains holding every floating IP;

and then, with 10k rules present, ``--threads`` associations fired at once
from as many threads: total time, how many applies they cost, and the
time the same number of sequential associations would take.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from novanet.drivers.base import FloatingForward  # noqa: E402
from novanet.drivers.iptables import IptablesFirewall, builders  # noqa: E402
from novanet.drivers.iptables.backend import FirewallBackend, create_backend  # noqa: E402
from novanet.drivers.iptables.privileged import NamespaceExecutor  # noqa: E402

BACKENDS = {"restore-nft": ("iptables-restore", "nft"), "restore-legacy": ("iptables-restore", "legacy"),
            "python-iptables-legacy": ("python-iptables", "legacy")}


class Recording:
    """A backend wrapper that remembers every restore text."""

    def __init__(self, backend: FirewallBackend) -> None:
        self.backend = backend
        self.variant = backend.variant
        self.texts: list[str] = []

    def save(self, family: int) -> str:
        return self.backend.save(family)

    def restore(self, family: int, text: str) -> None:
        self.texts.append(text)
        self.backend.restore(family, text)

    def close(self) -> None:
        self.backend.close()


@contextmanager
def namespace() -> Iterator[str]:
    name = f"nnipt-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def make_backend(kind: str, ns: str) -> FirewallBackend:
    """The backend by its entry point, as the daemon loads it."""
    name, variant = BACKENDS[kind]
    return create_backend(name, namespace=ns, variant=variant)


def forward(index: int) -> FloatingForward:
    """The index-th floating IP: 100.64.0.0/10 to 10.0.0.0/8, distinct for 4M indexes."""
    return FloatingForward(f"100.{64 + index // 65536}.{index // 256 % 256}.{index % 256}",
                           f"10.{index // 65536}.{index // 256 % 256}.{index % 256}", "eth0")


def associate(firewall: IptablesFirewall, cfg: builders.RuleConfig, index: int) -> None:
    fwd = forward(index)
    firewall.ensure(builders.floating_tag(fwd.floating), builders.floating_forward_rules(fwd, cfg))


def change(firewall: IptablesFirewall, cfg: builders.RuleConfig, index: int) -> None:
    """One floating IP association, committed."""
    associate(firewall, cfg, index)
    firewall.apply()


def populate(firewall: IptablesFirewall, cfg: builders.RuleConfig, count: int) -> None:
    with firewall.defer_apply():
        for index in range(count):
            associate(firewall, cfg, index)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def nat_rules(executor: NamespaceExecutor, variant: str) -> int:
    out = executor.run([f"iptables-{variant}-save", "-t", "nat"]).stdout
    return sum(1 for line in out.splitlines() if line.startswith("-A "))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def bench_size(kind: str, size: int, reps: int, nova_layout: bool) -> None:
    variant = BACKENDS[kind][1]
    layouts = [256] + ([0] if nova_layout and kind != "python-iptables-legacy" else [])
    for buckets in layouts:
        cfg = builders.RuleConfig(public_interface="eth0", floating_ip_buckets=buckets)
        count = size // (4 if buckets else 5)
        with namespace() as ns:
            executor = NamespaceExecutor(ns)
            # python-iptables builds one Python object per rule: load the big
            # table with the restore tool, then let the libiptc firewall start
            # on it (a restart: it must find nothing to write).
            loader_kind = "restore-legacy" if kind == "python-iptables-legacy" else kind
            loader = IptablesFirewall(make_backend(loader_kind, ns))
            populate(loader, cfg, count)
            full_sync = loader.stats.last_apply_seconds
            loader.close()
            recording = Recording(make_backend(kind, ns))
            firewall = IptablesFirewall(recording)
            populate(firewall, cfg, count)
            restart = firewall.stats.last_apply_seconds
            assert firewall.stats.restores == 0, "a restart with the same model must not write"
            present = nat_rules(executor, variant)

            changes, bare = [], []
            for rep in range(reps):
                changes.append(timed(lambda: change(firewall, cfg, count + rep)))
                text = recording.texts[-1]
                tool = [f"iptables-{variant}-restore", "--noflush", "-w", "10"]
                bare.append(timed(lambda: executor.run(tool, text)))
            nova = []
            for _ in range(2):
                def nova_apply() -> None:
                    dump = executor.run([f"iptables-{variant}-save"]).stdout
                    result = executor.run([f"iptables-{variant}-restore", "-w", "10"], dump)
                    assert result.returncode == 0, result.stderr
                nova.append(timed(nova_apply))
            change_med = statistics.median(changes)
            bare_med, nova_med = statistics.median(bare), statistics.median(nova)
            layout = "buckets" if buckets else "nova"
            print(f"{kind:24} {layout:7} {present:7d} rules {count:6d} fip | full sync {ms(full_sync)} "
                  f"restart {ms(restart)} | change {ms(change_med)} bare restore {ms(bare_med)} "
                  f"x{change_med / bare_med:5.2f} | nova save+restore {ms(nova_med)} x{nova_med / change_med:6.1f} "
                  f"| restore text {len(text.splitlines())} lines", flush=True)
            firewall.close()
            executor.close()


def bench_threads(kind: str, threads: int, base: int) -> None:
    cfg = builders.RuleConfig(public_interface="eth0")
    with namespace() as ns:
        loader_kind = "restore-legacy" if kind == "python-iptables-legacy" else kind
        loader = IptablesFirewall(make_backend(loader_kind, ns))
        populate(loader, cfg, base // 4)
        loader.close()
        firewall = IptablesFirewall(make_backend(kind, ns))
        populate(firewall, cfg, base // 4)
        before = firewall.stats.applies
        barrier = threading.Barrier(threads + 1)
        done: list[float] = []

        def worker(index: int) -> None:
            barrier.wait()
            associate(firewall, cfg, base + index)
            firewall.apply()
            done.append(time.perf_counter())

        pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in pool:
            thread.join()
        total = max(done) - started
        applies = firewall.stats.applies - before
        sequential = [timed(lambda: change(firewall, cfg, base + threads + i)) for i in range(min(threads, 50))]
        per_apply = statistics.median(sequential)
        print(f"{kind:24} {threads} concurrent associations ({base} rules present): {total:6.2f} s, "
              f"{applies} applies ({threads / max(applies, 1):.0f} associations per apply); sequential: "
              f"{ms(per_apply)} each, x{threads} = {per_apply * threads:6.2f} s (x{per_apply * threads / total:.1f})",
              flush=True)
        firewall.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--no-nova-layout", action="store_true", help="skip the floating_ip_buckets=0 rows")
    parser.add_argument("--quick", action="store_true", help="sizes 1000,10000; 3 reps; 200 threads")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_iptables.py needs root (it creates network namespaces)")
    sizes = [1000, 10000] if args.quick else [int(size) for size in args.sizes.split(",")]
    reps, threads = (3, 200) if args.quick else (args.reps, args.threads)
    kinds = args.backends.split(",")
    if "python-iptables-legacy" in kinds and importlib.util.find_spec("iptc") is None:
        print("# python-iptables-legacy skipped: the optional plugin needs pip install 'novanet[iptc]'")
        kinds.remove("python-iptables-legacy")
    print(f"# iptables {subprocess.run(['iptables', '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"{os.cpu_count()} CPUs; times are wall clock; 'x' columns are ratios")
    for kind in kinds:
        for size in sizes:
            bench_size(kind, size, reps, not args.no_nova_layout)
    for kind in kinds:
        bench_threads(kind, threads, 10000)


if __name__ == "__main__":
    main()
