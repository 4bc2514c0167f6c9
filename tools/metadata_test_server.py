#!/usr/bin/env python3
"""Serve the novanet metadata service for tests, from a JSON file of instances.

  metadata_test_server.py --records FILE [--host H] [--port P]
                          [--proxy-secret S] [--trusted-proxy CIDR]...

FILE holds a JSON list of InstanceRecord.to_primitive() objects (the
network_info in nova's wire shape). The server answers from an in-memory
source, so a test needs neither the daemon nor the store. It prints
``READY <url>`` on stdout once it listens (port 0 picks a free port) and
stops on SIGTERM or SIGINT. Made for end-to-end tests that must run the
service inside a network namespace, e.g.:

  ip netns exec HOSTNS .venv/bin/python tools/metadata_test_server.py \\
      --records /tmp/records.json --host 10.0.0.1 --port 8775
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from novanet.metadata.options import MetadataOptions  # noqa: E402
from novanet.metadata.server import build_server  # noqa: E402
from novanet.metadata.source import InMemoryInstanceSource, InstanceRecord  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--proxy-secret", default="")
    parser.add_argument("--trusted-proxy", action="append", default=[])
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    with open(args.records, encoding="utf-8") as handle:
        records = [InstanceRecord.from_primitive(r) for r in json.load(handle)]
    options = MetadataOptions(
        proxy_mode=bool(args.proxy_secret),
        shared_secret=args.proxy_secret,
        trusted_proxies=tuple(args.trusted_proxy),
        cache_ttl=0,
    )
    server = build_server(InMemoryInstanceSource(records), options, args.host, args.port, args.threads)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    server.start()
    print(f"READY {server.url}", flush=True)
    stopping.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
