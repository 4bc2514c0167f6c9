"""A separate allocating process for the concurrency tests.

Usage: python -m tests.integration.db.alloc_worker URL KIND TARGET COUNT [PROJECT QUOTA]
KIND is ``fixed`` (TARGET: network id) or ``floating`` (TARGET: pool). It
waits for the start file named by NOVANET_START_FILE so that every worker
starts at once, then prints one JSON list: each attempt's address, or the
name of the typed error it got.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid

from novanet import exception
from novanet.conf import CONF


def main() -> None:
    url, kind, target, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    project = sys.argv[5] if len(sys.argv) > 5 else "p1"
    quota = int(sys.argv[6]) if len(sys.argv) > 6 else -1
    CONF([], project="novanet", default_config_files=[])
    CONF.set_override("connection", url, group="database")
    from novanet.db import api as db

    start = os.environ["NOVANET_START_FILE"]
    while not os.path.exists(start):
        time.sleep(0.005)
    results: list[str] = []
    for _ in range(count):
        try:
            if kind == "fixed":
                instance = str(uuid.uuid4())
                results.append(db.fixed_ip_associate_pool(int(target), instance).address)
            else:
                results.append(db.floating_ip_allocate_address(project, target, quota_limit=quota).address)
        except exception.NovanetError as error:
            results.append(type(error).__name__)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
