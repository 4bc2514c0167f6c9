#!/usr/bin/env python3
"""Get me a network, timed: a new project's first 'auto' boot next to a boot on an existing network.

Runs a real ``novanet-network`` (VLAN manager on the VXLAN segment driver,
real dnsmasq) against the local RabbitMQ (its own control exchange and topic)
and a fresh store, in network namespaces it creates, and measures from this
process, in the same run:

* **first auto boot**: ``allocate_for_instance(requested_networks='auto')``
  for a project that has no network (claim, carve, bridge, SNAT, dnsmasq,
  publish, allocate), then a real dhclient in a new instance namespace until
  it holds its lease;
* **plain boot**: the same for an allocation on a network that exists and is
  already served (the reference);
* **20 concurrent first boots** of one new project (one build, 19 waiters),
  next to 20 concurrent plain allocations on the existing network.

It prints the median and the spread of each (RPC reply, and request to
lease) and the ratios to the reference.

    .venv/bin/python tools/bench_auto_allocate.py [--rounds 5] [--concurrency 20]
        [--stores sqlite,postgresql] [--url rabbit://guest:guest@127.0.0.1:5672/]

Needs root (namespaces). Everything it made is removed at the end: its
namespaces (and the dnsmasq and dhclient processes in them, by pid), the
daemon (by pid), its broker queues and exchanges, the PostgreSQL database
and the temporary directory.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def lease(lab: Any, info: Any) -> None:
    """Plug a new instance namespace into the VIF's bridge and run dhclient until bound."""
    from tests.fixtures.topology import Site

    (vif,) = info
    ns = lab.site.instance(vif.network.bridge, vif.address)
    lab.site.dhclient(ns)
    if Site.address_of(ns) != vif.fixed_ips()[0].address:
        raise RuntimeError("dnsmasq handed out another address than the one allocated")


def row(name: str, values: list[float], reference: list[float] | None = None) -> str:
    median = statistics.median(values)
    text = f"  {name:<44} median {median * 1000:8.1f} ms   min {min(values) * 1000:8.1f}   max " \
           f"{max(values) * 1000:8.1f}"
    if reference:
        text += f"   x{median / statistics.median(reference):6.1f}"
    return text


def run(store_kind: str, args: argparse.Namespace, workdir: Path) -> None:
    import bench_rpc

    from novanet.conf import CONF
    from novanet.db import session
    from novanet.context import get_admin_context
    from novanet.manager.autoalloc import admin
    from novanet.manager.networks import NetworkAdmin
    from novanet.manager.vlan import VlanManager
    from novanet.context import RequestContext
    from tests.fixtures.db import using_store
    from tests.fixtures.netns import Namespace
    from tests.fixtures.rabbit import RpcIsolation, remove_broker_objects
    from tests.fixtures.topology import Site
    from tests.functional.e2e.auto_lab import EGRESS_SOURCE, AutoLab
    from tests.functional.e2e.conftest import HostDaemons

    store_dir = workdir / store_kind
    store_dir.mkdir()
    store_dir.chmod(0o755)
    url, drop = bench_rpc.make_store(store_kind, store_dir, args.pg_url)
    if store_kind == "sqlite":
        (store_dir / "bench.sqlite").chmod(0o644)
    tag = uuid.uuid4().hex[:8]
    iso = RpcIsolation(url=args.url, exchange=f"novanet-bench-{tag}", topic=f"network-bench-{tag}")
    CONF.set_override("control_exchange", iso.exchange)
    CONF.set_override("network_topic", iso.topic)
    namespaces: list[Namespace] = []

    def make(prefix: str) -> Namespace:
        namespaces.append(Namespace(prefix))
        return namespaces[-1]

    daemons = None
    try:
        with using_store(url):
            CONF.set_override("vlan_interface", "und0")
            lab = AutoLab(Site(make, store_dir / "site"), store_dir / "lab")
            admin.create_pool("bench", ["10.160.0.0/16"], 26, is_default=True)
            admin.create_egress("out", "pub0", EGRESS_SOURCE, is_default=True)
            (existing,) = NetworkAdmin(VlanManager.create_rules(), "net-a").create_networks(
                get_admin_context(), label="existing", cidr="10.200.0.0/22", num_networks=1, network_size=1024,
                vlan_start=3000, project_id="ref")
            daemons = HostDaemons(store_dir, iso, url)
            daemons.start("net-a", lab.site, manager="vlan", **lab.daemon_groups())
            api = daemons.api
            ref_ctx = RequestContext(project_id="ref", user_id="u", roles=["member"])

            def plain() -> Any:
                return api.allocate_for_instance(ref_ctx, str(uuid.uuid4()), project_id="ref", host="net-a",
                                                 requested_networks=[(existing.uuid, None)])

            def auto(project: str) -> Any:
                ctx = RequestContext(project_id=project, user_id="u", roles=["member"])
                return api.allocate_for_instance(ctx, str(uuid.uuid4()), project_id=project, host="net-a",
                                                 requested_networks="auto")

            lease(lab, plain())  # the existing network is set up and served before measuring
            figures: dict[str, list[float]] = {k: [] for k in ("auto_rpc", "auto_lease", "plain_rpc",
                                                               "plain_lease", "auto_burst", "plain_burst")}
            for i in range(args.rounds):
                for kind in (("auto", "plain") if i % 2 == 0 else ("plain", "auto")):
                    call = (lambda: auto(f"bench-{i}")) if kind == "auto" else plain
                    rpc_s, info = timed(call)
                    lease_s, _ = timed(lambda: lease(lab, info))
                    figures[f"{kind}_rpc"].append(rpc_s)
                    figures[f"{kind}_lease"].append(rpc_s + lease_s)
            for i in range(max(1, args.rounds // 2)):
                n = args.concurrency
                with concurrent.futures.ThreadPoolExecutor(n) as pool:
                    project = f"burst-{i}"
                    seconds, infos = timed(lambda: list(pool.map(lambda _: auto(project), range(n))))
                    if len({info[0].network.id for info in infos}) != 1:
                        raise RuntimeError("concurrent first boots got different networks")
                    figures["auto_burst"].append(seconds)
                    seconds, _ = timed(lambda: list(pool.map(lambda _: plain(), range(n))))
                    figures["plain_burst"].append(seconds)
            print(f"\n{store_kind}: {args.rounds} rounds, VLAN manager on VXLAN, real dnsmasq and dhclient")
            print(row("plain boot: allocate_for_instance reply", figures["plain_rpc"]))
            print(row("first auto boot: allocate_for_instance reply", figures["auto_rpc"], figures["plain_rpc"]))
            print(row("plain boot: request to DHCP lease", figures["plain_lease"]))
            print(row("first auto boot: request to DHCP lease", figures["auto_lease"], figures["plain_lease"]))
            print(row(f"{args.concurrency} concurrent plain allocations", figures["plain_burst"]))
            print(row(f"{args.concurrency} concurrent first boots of one project", figures["auto_burst"],
                      figures["plain_burst"]))
            extra = [m - p for m, p in zip(figures["auto_rpc"], figures["plain_rpc"])]
            print(f"  building a project's network costs about {statistics.median(extra) * 1000:.0f} ms "
                  "on top of an allocation")
    finally:
        if daemons is not None:
            daemons.cleanup()
        for ns in reversed(namespaces):
            ns.cleanup()
        CONF.clear_override("vlan_interface")
        CONF.clear_override("control_exchange")
        CONF.clear_override("network_topic")
        remove_broker_objects(iso.url, iso.exchange, iso.topic, {"net-a"})
        session.dispose_engines()
        drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--url", default="rabbit://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    from novanet.conf import CONF

    CONF([], project="novanet", default_config_files=[])
    workdir = Path(tempfile.mkdtemp(prefix="novanet-bench-auto-"))
    workdir.chmod(0o755)
    CONF.set_default("state_path", str(workdir / "state"))
    try:
        for store_kind in args.stores.split(","):
            run(store_kind.strip(), args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
