"""A separate process that asks for projects' networks, for the auto-allocation races.

Usage: python -m tests.integration.db.auto_worker URL MODE THREADS PROJECT [PROJECT ...]

MODE ``build``: after the start file named by NOVANET_START_FILE appears,
THREADS threads per project ask for the project's network at once; prints one
JSON object: project -> the network uuids its threads got (or error reasons),
and the bridges this process realised. MODE ``hang``: claims and carves the
first project's network, prints ``entered`` when its host step starts, then
blocks there until killed (a daemon dying mid-build).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import sys
import threading
import time

from novanet import exception
from novanet.conf import CONF


def main() -> None:
    url, mode, threads, projects = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    CONF([], project="novanet", default_config_files=[])
    CONF.set_override("connection", url, group="database")
    from tests.integration.db.auto_helpers import FakeHost, allocator

    host = FakeHost()
    if mode == "hang":
        host.pause = threading.Event()  # never set
        auto = allocator(host, host="net-1", claim_lease=2)
        thread = threading.Thread(target=auto.network_for_instance, args=(projects[0],), daemon=True)
        thread.start()
        host.entered.wait(60)
        print("entered", flush=True)
        thread.join()
        return
    auto = allocator(host, host=f"net-{os.getpid()}")
    start = os.environ["NOVANET_START_FILE"]
    while not os.path.exists(start):
        time.sleep(0.005)

    def ask(project: str) -> str:
        try:
            return auto.network_for_instance(project).uuid
        except exception.AutoAllocationFailure as error:
            return error.reason

    results: dict[str, list[str]] = {p: [] for p in projects}
    with concurrent.futures.ThreadPoolExecutor(threads * len(projects)) as pool:
        futures = [(p, pool.submit(ask, p)) for p in projects for _ in range(threads)]
        for project, future in futures:
            results[project].append(future.result())
    print(json.dumps({"results": results, "realised": [b for c, b in host.calls if c == "realise"]}))


if __name__ == "__main__":
    main()
