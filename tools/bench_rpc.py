#!/usr/bin/env python3
"""allocate_for_instance round trips through RabbitMQ, next to a bare oslo.messaging echo.

Runs, on the local broker (its own control exchange and topic, nothing else
touched):

* a bare oslo.messaging RPC server in its own process whose endpoint echoes
  its arguments (threading executor, no novanet code on the server side);
* a real ``novanet-network`` daemon (FlatDHCP manager, fake host driver) on
  a fresh store, once per store (SQLite file, PostgreSQL database);

and measures, from this process, sequential and concurrent calls: the bare
echo, the daemon's ``baseapi`` ping (novanet's RPC stack, no manager) and
``allocate_for_instance`` (a new instance each call, one fixed IP each). It
prints calls/s, p50 and p99 for each, the allocate/echo ratio, and how long
the same allocation takes in-process without RPC (where the time goes).

    .venv/bin/python tools/bench_rpc.py [--calls 500] [--concurrency 8]
        [--stores sqlite,postgresql] [--url rabbit://guest:guest@127.0.0.1:5672/]

The daemon and the echo server are stopped by pid at the end; the PostgreSQL
database, the temporary directory and the benchmark's queues and exchanges
on the broker are removed.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = os.environ.get("NOVANET_TEST_RABBIT_URL", "rabbit://guest:guest@127.0.0.1:5672/")
DEFAULT_PG = os.environ.get("NOVANET_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Figure:
    name: str
    mode: str
    calls: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(math.ceil(p / 100 * len(ordered))) - 1)] * 1000

    def row(self) -> str:
        return (f"{self.name:<34} {self.mode:<14} {self.calls:>6} {self.rate:>9.1f} {self.pct(50):>8.2f} "
                f"{self.pct(99):>8.2f} {self.errors:>6}")


HEADER = f"{'what':<34} {'mode':<14} {'calls':>6} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"


def measure(name: str, call: Callable[[], Any], calls: int, concurrency: int) -> Figure:
    latencies: list[float] = []
    errors = 0

    def timed(_: int) -> None:
        nonlocal errors
        start = time.perf_counter()
        try:
            call()
        except Exception as error:
            errors += 1
            if errors <= 3:
                print(f"  error in {name}: {type(error).__name__}: {error}", file=sys.stderr)
        latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    if concurrency == 1:
        for i in range(calls):
            timed(i)
    else:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(timed, range(calls)))
    mode = "sequential" if concurrency == 1 else f"{concurrency} threads"
    return Figure(name, mode, calls, time.perf_counter() - start, latencies, errors)


# -- the bare echo server (a separate process) ---------------------------------------


def serve_echo(url: str, exchange: str, topic: str) -> None:
    from novanet.conf import CONF
    from novanet.rpc import transport as rpc_transport  # registers transport_url, control_exchange
    from novanet.rpc.messaging import oslo_messaging

    assert rpc_transport.DEFAULT_EXCHANGE
    CONF([], project="novanet", default_config_files=[])
    CONF.set_override("control_exchange", exchange)

    class Echo:
        def echo(self, ctxt: Any, **kwargs: Any) -> dict[str, Any]:
            return kwargs

    transport = oslo_messaging.get_rpc_transport(CONF, url=url)
    server = oslo_messaging.get_rpc_server(transport, oslo_messaging.Target(topic=topic, server="echo"), [Echo()])
    server.start()
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(True))
    while not stopped:
        time.sleep(0.2)
    server.stop()
    server.wait()
    transport.cleanup()


# -- stores and the daemon ---------------------------------------------------------------


def make_store(kind: str, workdir: Path, pg_url: str) -> tuple[str, Callable[[], None]]:
    """A migrated, empty store; returns its URL and how to remove it."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from novanet.db import migration, session

    if kind == "sqlite":
        url = f"sqlite:///{workdir}/bench.sqlite"
        migration.sync(url)
        return url, lambda: None
    name = f"novanet_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(session.normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    migration.sync(url)

    def drop() -> None:
        session.dispose_engines()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()

    return url, drop


def start_daemon(workdir: Path, url: str, exchange: str, topic: str, store_url: str) -> subprocess.Popen[bytes]:
    config = workdir / "novanet-network.conf"
    state = workdir / "state"
    state.mkdir(exist_ok=True)
    config.write_text("\n".join([
        "[DEFAULT]", "host = bench-host", f"transport_url = {url}", f"control_exchange = {exchange}",
        f"network_topic = {topic}", "network_manager = flatdhcp", "network_driver = fake", f"state_path = {state}",
        "periodic_fuzzy_delay = 0", "[database]", f"connection = {store_url}", ""]))
    log = open(workdir / "novanet-network.log", "ab")
    daemon = Path(sys.executable).parent / "novanet-network"
    return subprocess.Popen([str(daemon), "--config-file", str(config)], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def wait_for(call: Callable[[], Any], proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    from novanet.rpc.messaging import oslo_messaging

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        try:
            call()
            return
        except oslo_messaging.MessagingTimeout:
            if time.monotonic() > deadline:
                raise SystemExit(f"{what} did not answer within {timeout}s")


def direct_allocations(store_url: str, count: int) -> float:
    """Seconds per allocation with the manager in this process (no RPC), on a new network."""
    from novanet.conf import CONF
    from novanet.db import session
    from novanet.drivers.loader import load_driver
    from novanet.manager.flat import FlatDHCPManager
    from novanet.context import RequestContext, get_admin_context
    from novanet.types import InstanceInfo

    session.dispose_engines()
    CONF.set_override("connection", store_url, group="database")
    CONF.set_override("network_driver", "fake")  # records host changes, as the benchmark's daemon does
    manager = FlatDHCPManager(host="bench-direct", driver=load_driver(CONF), peers=None)
    CONF.clear_override("network_driver")
    context = RequestContext(user_id="u", project_id="p", roles=["member"])
    manager.networks.create_networks(get_admin_context(), label="direct", cidr="10.201.0.0/20", num_networks=1,
                                     network_size=4096, bridge="brdirect")

    def one() -> None:
        manager.allocate_for_instance(context, InstanceInfo(uuid=str(uuid.uuid4()), project_id="p", host="c"),
                                      None, False, None, None)

    for _ in range(10):
        one()
    start = time.perf_counter()
    for _ in range(count):
        one()
    seconds = (time.perf_counter() - start) / count
    CONF.clear_override("connection", group="database")
    session.dispose_engines()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="RabbitMQ URL")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="PostgreSQL server URL (a database is created)")
    parser.add_argument("--calls", type=int, default=500, help="calls per measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="threads of the concurrent measurement")
    parser.add_argument("--stores", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--serve-echo", nargs=3, metavar=("URL", "EXCHANGE", "TOPIC"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo:
        serve_echo(*args.serve_echo)
        return 0

    from novanet.conf import CONF
    from novanet.rpc import transport as rpc_transport
    from novanet.rpc.client import NetworkAPI
    from novanet.context import RequestContext, get_admin_context
    from novanet.rpc.messaging import oslo_messaging

    CONF([], project="novanet", default_config_files=[])
    tag = uuid.uuid4().hex[:8]
    exchange, topic = f"novanet-bench-{tag}", f"network-bench-{tag}"
    CONF.set_override("control_exchange", exchange)
    workdir = Path(tempfile.mkdtemp(prefix="novanet-bench-rpc-"))
    echo_proc: subprocess.Popen[bytes] | None = None
    transport = rpc_transport.get_transport(CONF, url=args.url)
    figures: list[Figure] = []
    notes: list[str] = []
    try:
        echo_proc = subprocess.Popen([sys.executable, __file__, "--serve-echo", args.url, exchange, topic + "-echo"],
                                     stdin=subprocess.DEVNULL)
        bare = oslo_messaging.get_rpc_client(transport, oslo_messaging.Target(topic=topic + "-echo"), timeout=30)
        payload = {"instance_id": str(uuid.uuid4()), "project_id": "p", "host": "compute-1", "rxtx_factor": 1.0}

        def echo() -> Any:
            return bare.call({}, "echo", **payload)

        wait_for(lambda: bare.prepare(timeout=2).call({}, "echo"), echo_proc, "echo server")
        measure("warm-up", echo, 50, 1)
        echo_seq = measure("bare oslo.messaging echo", echo, args.calls, 1)
        echo_conc = measure("bare oslo.messaging echo", echo, args.calls, args.concurrency)
        figures += [echo_seq, echo_conc]
        print(HEADER)
        print(echo_seq.row())
        print(echo_conc.row())

        user = RequestContext(user_id="u1", project_id="p1", roles=["member"])
        admin = get_admin_context()
        size = 2 ** max(8, math.ceil(math.log2(4 * args.calls + 200)))
        for kind in [s.strip() for s in args.stores.split(",") if s.strip()]:
            store_dir = workdir / kind
            store_dir.mkdir()
            store_url, drop = make_store(kind, store_dir, args.pg_url)
            daemon = start_daemon(store_dir, args.url, exchange, topic, store_url)
            try:
                api = NetworkAPI(transport_=transport, topic=topic, timeout=60, version_cap="")
                wait_for(lambda: api.ping(admin, "ready", host="bench-host", timeout=2), daemon, "novanet-network")
                api.create_networks(admin, label="bench", cidr=f"10.{200 if kind == 'sqlite' else 210}.0.0/"
                                    f"{32 - int(math.log2(size))}", num_networks=1, network_size=size,
                                    bridge="brbench")

                def ping() -> Any:
                    return api.ping(admin, "x")

                def allocate() -> Any:
                    return api.allocate_for_instance(user, str(uuid.uuid4()), project_id="p1", host="compute-1")

                measure("warm-up", allocate, 20, 1)
                measure("warm-up", ping, 50, 1)
                rows = [measure(f"novanet ping ({kind})", ping, args.calls, 1),
                        measure(f"allocate_for_instance ({kind})", allocate, args.calls, 1),
                        measure(f"novanet ping ({kind})", ping, args.calls, args.concurrency),
                        measure(f"allocate_for_instance ({kind})", allocate, args.calls, args.concurrency)]
                for figure in rows:
                    print(figure.row())
                figures += rows
                stop(daemon)
                direct = direct_allocations(store_url, min(200, args.calls))
                notes.append(f"{kind}: allocate_for_instance in-process, no RPC: {direct * 1000:.2f} ms "
                             f"({1 / direct:.0f}/s sequential)")
            finally:
                stop(daemon)
                drop()

        print()
        for figure in figures:
            if figure.name.startswith("allocate"):
                echo_ref = echo_seq if figure.mode == "sequential" else echo_conc
                print(f"ratio {figure.name}, {figure.mode}: {figure.rate:.1f}/s vs echo {echo_ref.rate:.1f}/s "
                      f"= {figure.rate / echo_ref.rate:.2f} (target >= 0.50)")
        for note in notes:
            print(note)
        seq_allocs = [f for f in figures if f.name.startswith("allocate") and f.mode == "sequential"]
        for figure in seq_allocs:
            rpc_ms = statistics.median(echo_seq.latencies) * 1000
            print(f"{figure.name}: p50 {figure.pct(50):.2f} ms = echo p50 {rpc_ms:.2f} ms "
                  f"+ {figure.pct(50) - rpc_ms:.2f} ms in the daemon")
        return 0 if all(f.errors == 0 for f in figures) else 1
    finally:
        stop(echo_proc)
        transport.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
        from tests.fixtures.rabbit import remove_broker_objects

        remove_broker_objects(args.url, exchange, topic, {"bench-host"})
        remove_broker_objects(args.url, exchange, topic + "-echo", {"echo"})


if __name__ == "__main__":
    sys.exit(main())
