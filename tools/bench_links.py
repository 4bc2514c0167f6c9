#!/usr/bin/env python3
"""Benchmark the link layer: ensure N networks, then ensure them again.

Each network is what the VXLAN segment driver and the gateway set-up make: a
``vxlan<VNI>`` device with one flood entry, a bridge enslaving it (MAC
pinned, up) and the network's gateway address first on the bridge (with the
forwarding check). Everything runs on the one long-lived netlink socket of a
throwaway namespace (``nnb-<hex>``) that this script creates and deletes; the
host's own networking is not touched.

    sudo .venv/bin/python tools/bench_links.py [--networks 100] [--reps 3] [--teardown]

Reference (peers-perf-style.md §2.2.3, same machine class): pyroute2 on one
socket, bridge add + lookup + address + up, ~1.7 ms per bridge; ``ip``
subprocesses ~4.1 ms per bridge; deleting a bridge ~35 ms (kernel-bound).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from novanet.drivers.linux_net import GatewaySpec, LinkConfig, Links, VxlanSpec, privileged  # noqa: E402


def ensure_all(links: Links, count: int) -> tuple[float, int]:
    """Ensure ``count`` networks; return seconds and actions applied."""
    actions = 0
    start = time.perf_counter()
    for i in range(count):
        vni = 1000 + i
        bridge = f"brb{i}"
        actions += len(links.ensure_vxlan(VxlanSpec(vni=vni, local="10.255.0.1", peers=("10.255.0.2",))))
        actions += len(links.ensure_bridge(bridge, f"vxlan{vni}"))
        spec = GatewaySpec(f"10.{100 + i // 256}.{i % 256}.1", 24, f"10.{100 + i // 256}.{i % 256}.255")
        actions += len(links.ensure_gateway(bridge, spec))
    return time.perf_counter() - start, actions


def teardown_all(links: Links, count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        links.remove_bridge(f"brb{i}")
        links.remove_device(f"vxlan{1000 + i}")
    return time.perf_counter() - start


def one_rep(count: int, teardown: bool) -> dict[str, float]:
    name = f"nnb-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        start = time.perf_counter()
        links = Links(LinkConfig(namespace=name))
        links.get_link("lo")
        opened = time.perf_counter() - start
        first, first_actions = ensure_all(links, count)
        second, second_actions = ensure_all(links, count)
        if second_actions:
            raise SystemExit(f"second pass applied {second_actions} actions: not idempotent")
        result = {"open": opened, "first": first, "second": second, "actions": float(first_actions)}
        if teardown:
            result["teardown"] = teardown_all(links, count)
        return result
    finally:
        privileged.close(name)
        subprocess.run(["ip", "netns", "del", name], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--networks", type=int, default=100)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--teardown", action="store_true", help="also time removing them (~35 ms per device)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_links: needs root (it creates its own network namespace)", file=sys.stderr)
        return 1
    runs = [one_rep(args.networks, args.teardown) for _ in range(args.reps)]
    n = args.networks
    print(f"link layer, {n} networks (vxlan + flood entry + bridge + gateway address + up), {args.reps} reps")
    print(f"  actions per network on the first pass: {runs[0]['actions'] / n:.0f}")

    def row(label: str, key: str) -> None:
        values = [run[key] for run in runs]
        per = statistics.median(values) / n * 1000
        shown = ", ".join(f"{v:.3f}" for v in values)
        print(f"  {label:<34} {shown} s   median {per:.2f} ms/network")

    print(f"  {'open the namespace socket':<34} " + ", ".join(f"{run['open'] * 1000:.1f}" for run in runs) + " ms")
    row("first pass (create)", "first")
    row("second pass (idempotent, no-op)", "second")
    if args.teardown:
        row("teardown (bridge + vxlan removal)", "teardown")
    return 0


if __name__ == "__main__":
    sys.exit(main())
