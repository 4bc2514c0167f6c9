#!/usr/bin/env python3
"""Benchmark the metadata layer; prints figures, asserts nothing.

  bench_metadata.py [--requests N] [--clients C]

* network_data.json generation for a 4-NIC dual-stack instance;
* config drive build (ISO 9660 via pycdlib);
* the HTTP service on loopback: C client threads, each with its own
  keep-alive connection from its own 127.0.0.x source address (its own
  instance), N requests in all, alternating meta_data.json and
  network_data.json; requests per second and latency percentiles, with the
  lookup cache on (the default 15 s) and off.

Traffic goes only to 127.0.0.1; the run is bounded by N.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from novanet.metadata import configdrive, network_data  # noqa: E402
from novanet.metadata.options import MetadataOptions  # noqa: E402
from novanet.metadata.server import build_server  # noqa: E402
from novanet.metadata.source import InMemoryInstanceSource, InstanceRecord  # noqa: E402
from novanet.model import VIF, FixedIP, Network, NetworkInfo, Subnet  # noqa: E402


def instance(n: int, nics: int = 4) -> InstanceRecord:
    vifs = []
    for i in range(nics):
        v4 = Subnet(
            cidr=f"127.{i}.0.0/16" if i else "127.0.0.0/8",
            gateway=f"127.{i}.0.254",
            dns=("127.0.0.53",),
            ips=(FixedIP(f"127.{i}.{n // 250}.{n % 250 + 2}"),),
        )
        v6 = Subnet(cidr=f"fd00:{i}::/64", gateway=f"fd00:{i}::1", ips=(FixedIP(f"fd00:{i}::{n + 2:x}"),))
        net = Network(id=f"net-{i}", bridge=f"br{i}", label=f"n{i}", subnets=(v4, v6), meta={"injected": True})
        vifs.append(VIF(id=f"vif-{n}-{i}", address=f"fa:16:3e:{i:02x}:{n // 256:02x}:{n % 256:02x}", network=net))
    return InstanceRecord(
        uuid=f"{n:08x}-0000-0000-0000-000000000000",
        project_id="p",
        hostname=f"vm{n}",
        display_name=f"vm{n}",
        network_info=NetworkInfo(tuple(vifs)),
    )


def bench_document() -> None:
    rec = instance(0)
    count = 2000
    start = time.perf_counter()
    for _ in range(count):
        network_data.network_data(rec.network_info)
    per = (time.perf_counter() - start) / count
    print(f"network_data (4 NICs, dual stack): {per * 1e6:.0f} us per document")


def bench_drive() -> None:
    rec = instance(0)
    count = 20
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for i in range(count):
            configdrive.build_config_drive(rec, os.path.join(tmp, f"d{i}.iso"))
        per = (time.perf_counter() - start) / count
        size = os.path.getsize(os.path.join(tmp, "d0.iso"))
    print(f"config drive iso9660: {per * 1e3:.1f} ms per drive, {size // 1024} KiB")


def bench_http(requests: int, clients: int, ttl: float) -> None:
    records = [instance(n, nics=1) for n in range(clients)]
    server = build_server(InMemoryInstanceSource(records), MetadataOptions(cache_ttl=ttl), "127.0.0.1", 0, threads=8)
    server.start()
    host, port = server.address
    latencies: list[float] = []
    lock = threading.Lock()
    errors = [0]

    def client(n: int) -> None:
        source = records[n].fixed_addresses()[0]
        conn = http.client.HTTPConnection(host, port, timeout=10, source_address=(source, 0))
        mine = []
        for i in range(requests // clients):
            path = "/openstack/latest/meta_data.json" if i % 2 else "/openstack/latest/network_data.json"
            t0 = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    server.stop()
    latencies.sort()
    p50 = statistics.median(latencies) * 1e3
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1e3
    print(
        f"http (cache {'on' if ttl else 'off'}): {len(latencies)} requests from {clients} clients in {elapsed:.2f} s: "
        f"{len(latencies) / elapsed:.0f} req/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, errors {errors[0]}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    bench_document()
    bench_drive()
    bench_http(args.requests, args.clients, ttl=15)
    bench_http(args.requests, args.clients, ttl=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
