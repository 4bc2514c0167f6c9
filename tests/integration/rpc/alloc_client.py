"""A compute host in a separate process: allocate instances concurrently, print the outcome.

Run as ``python -m tests.integration.rpc.alloc_client URL EXCHANGE TOPIC COUNT THREADS``;
prints one JSON list of ``[instance_uuid, address or null, error or null]``.
"""

from __future__ import annotations

import json
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

from novanet.conf import CONF
from novanet.rpc import transport as rpc_transport
from novanet.rpc.client import NetworkAPI
from novanet.context import RequestContext


def allocate_many(api: NetworkAPI, count: int, threads: int, project: str = "p1") -> list[list[str | None]]:
    context = RequestContext(user_id="u1", project_id=project, roles=["member"])

    def one(_: int) -> list[str | None]:
        instance = str(uuid.uuid4())
        try:
            nw_info = api.allocate_for_instance(context, instance, project_id=project, host="compute-1")
            return [instance, nw_info.fixed_ips()[0].address, None]
        except Exception as error:  # reported to the test, which asserts on it
            return [instance, None, f"{type(error).__name__}: {error}"]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


def main() -> None:
    url, exchange, topic, count, threads = sys.argv[1:6]
    CONF([], project="novanet", default_config_files=[])
    CONF.set_override("control_exchange", exchange)
    transport = rpc_transport.get_transport(CONF, url=url)
    try:
        api = NetworkAPI(transport_=transport, topic=topic, timeout=60, version_cap="")
        print(json.dumps(allocate_many(api, int(count), int(threads))))
    finally:
        transport.cleanup()


if __name__ == "__main__":
    main()
