#!/usr/bin/env python3
"""How long moving a baremetal node from provisioning to its tenant network takes.

Run by hand as root from the repository root::

    .venv/bin/python tools/bench_baremetal.py [--repeat 5]

It builds the functional tests' lab (tests/functional/baremetal/lab.py: a
network host namespace with novanet's real driver, bridges, firewall and one
dnsmasq per network; nodes as namespaces whose NICs are veths to switch
ports; ISC dhclient as the node's DHCP client; the isolated provider) and
measures, all in the same run:

* **plain lease**: a node already on its (unchanged) tenant network powers
  on and gets its lease: dhclient start to bound. The reference.
* **one node**: from a node on the provisioning network with its PXE lease,
  power off, ``remove-provisioning``, ``configure-tenant``, power on, until
  the tenant lease (the deploy's "switch to tenant network" step, as a
  conductor does it), with the two switching calls timed on their own; a
  new node each time (a first deploy);
* **redeployed**: the same switch for a node deployed before, whose
  tenant entry dnsmasq still remembers (it must be made to forget it: one
  reload of the tenant network's dnsmasq);
* **ten nodes**: the same for ten new nodes at once (one thread each),
  until the last one has its tenant lease.

Every namespace it made is removed at the end. Figures vary with load; the
ratios to the plain lease are what carries over.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from novanet.conf import CONF  # noqa: E402
from novanet.db import session  # noqa: E402
from tests.fixtures.netns import Namespace  # noqa: E402
from tests.functional.baremetal.lab import BaremetalLab, Node  # noqa: E402


def busy() -> float:
    """CPU seconds every process of the machine spent so far (from /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def provision(lab: BaremetalLab, node: Node) -> None:
    """Bring ``node`` to the provisioning network, powered on with its PXE lease."""
    lab.networks.switch(node.name, "add_provisioning_network")
    lease = node.power_on()
    assert lease is not None and lease.filename, f"{node.name}: no PXE lease"


def switch_to_tenant(lab: BaremetalLab, node: Node) -> tuple[float, float, float]:
    """(total, remove-provisioning, configure-tenant) seconds, until the tenant lease."""
    start = time.perf_counter()
    node.power_off()
    t0 = time.perf_counter()
    lab.networks.switch(node.name, "remove_provisioning_network")
    t1 = time.perf_counter()
    lab.networks.switch(node.name, "configure_tenant_networks")
    t2 = time.perf_counter()
    lease = node.power_on()
    end = time.perf_counter()
    assert lease is not None and not lease.filename, f"{node.name}: no tenant lease"
    return end - start, t1 - t0, t2 - t1


def back_to_provisioning(lab: BaremetalLab, node: Node) -> None:
    node.power_off()
    lab.networks.switch(node.name, "unconfigure_tenant_networks")
    provision(lab, node)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_baremetal.py needs root (network namespaces)")
    CONF([], project="novanet", default_config_files=[])
    logging.basicConfig(level=logging.ERROR)
    made: list[Namespace] = []

    def make(prefix: str) -> Namespace:
        made.append(Namespace(prefix))
        return made[-1]

    lab = None
    try:
        lab = BaremetalLab(make)
        reference = lab.add_node("ref")
        lab.networks.vif_attach("ref", "tenant-b")
        lab.networks.switch("ref", "configure_tenant_networks")
        count = [0]

        def fresh(n: int) -> list[Node]:
            """``n`` new nodes on the provisioning network, each with a new tenant VIF."""
            nodes = []
            for _ in range(n):
                count[0] += 1
                node = lab.add_node(f"n{count[0]}")
                lab.networks.vif_attach(node.name, "tenant-a")
                provision(lab, node)
                nodes.append(node)
            return nodes

        plain = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            assert reference.power_on() is not None
            plain.append(time.perf_counter() - start)
            reference.power_off()

        single = [switch_to_tenant(lab, node) for node in fresh(args.repeat)]
        again = fresh(1)[0]
        redeploy = []
        for _ in range(args.repeat):
            switch_to_tenant(lab, again)
            back_to_provisioning(lab, again)
            redeploy.append(switch_to_tenant(lab, again)[0])
            back_to_provisioning(lab, again)

        burst = []
        cores = []
        for _ in range(max(1, args.repeat // 2)):
            ten = fresh(10)
            start, cpu = time.perf_counter(), busy()
            with ThreadPoolExecutor(len(ten)) as pool:
                list(pool.map(lambda n: switch_to_tenant(lab, n), ten))
            burst.append(time.perf_counter() - start)
            cores.append((busy() - cpu) / burst[-1])

        ref = statistics.median(plain)
        total = statistics.median(s[0] for s in single)
        print(f"baremetal switching on this host (median of {args.repeat}; ten nodes: median of {len(burst)})")
        print(f"  plain DHCP lease, unchanged network           {ref * 1000:8.1f} ms   1.0x")
        print(f"  one node provisioning -> tenant, to the lease {total * 1000:8.1f} ms   {total / ref:4.1f}x")
        print(f"    remove-provisioning call                    {statistics.median(s[1] for s in single) * 1000:8.1f} ms")
        print(f"    configure-tenant call                       {statistics.median(s[2] for s in single) * 1000:8.1f} ms")
        again_total = statistics.median(redeploy)
        print(f"  the same node redeployed (same addresses)     {again_total * 1000:8.1f} ms   {again_total / ref:4.1f}x")
        many = statistics.median(burst)
        print(f"  ten nodes at once, to the last tenant lease   {many * 1000:8.1f} ms   {many / ref:4.1f}x "
              f"({many / total:.1f}x one node)")
        print(f"    CPU busy meanwhile (this machine, all processes) {statistics.median(cores):4.1f} of "
              f"{os.cpu_count()} cores")
        return 0
    finally:
        if lab is not None:
            for node in lab.nodes.values():
                node.power_off()
            lab.close()
        session.dispose_engines()
        for ns in reversed(made):
            ns.cleanup()


if __name__ == "__main__":
    sys.exit(main())
