"""Many compute hosts at once against two daemons sharing one PostgreSQL store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import netaddr
import pytest

from novanet.db import api as db
from novanet.rpc.client import NetworkAPI
from novanet.context import get_admin_context
from tests.fixtures.daemons import DaemonFactory
from tests.fixtures.rabbit import RpcIsolation
from tests.integration.rpc.alloc_client import allocate_many

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).parents[3]


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_200_concurrent_allocations_each_address_once(daemons: DaemonFactory, network_api: NetworkAPI,
                                                      rpc_isolation: RpcIsolation) -> None:
    hosts = daemons.spawn_many(["host-a", "host-b"])
    (network,) = network_api.create_networks(get_admin_context(), label="busy", cidr="10.90.0.0/23",
                                             num_networks=1, bridge="br700")
    # two other compute hosts (processes) with 4 threads each, and 4 threads here: 200 in all
    workers = [subprocess.Popen([sys.executable, "-m", "tests.integration.rpc.alloc_client", rpc_isolation.url,
                                 rpc_isolation.exchange, rpc_isolation.topic, "70", "4"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    local: list[list[str | None]] = []
    here = threading.Thread(target=lambda: local.extend(allocate_many(network_api, 60, 4)))
    here.start()
    results: list[list[str | None]] = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        results += json.loads(out)
    here.join(300)
    results += local

    assert len(results) == 200
    failures = [r for r in results if r[2] is not None]
    assert failures == []
    addresses = [r[1] for r in results]
    assert len(set(addresses)) == 200, Counter(addresses).most_common(3)
    assert all(netaddr.IPAddress(a) in netaddr.IPNetwork("10.90.0.0/23") for a in addresses)
    # the store agrees: each instance holds exactly the address it was told
    for instance, address, _ in results:
        rows = [r for r in db.fixed_ip_get_by_instance(str(instance)) if r.allocated]
        assert [r.address for r in rows] == [address]
    in_use = [r for r in db.fixed_ip_list(network_id=network["id"]) if r.instance_uuid]
    assert len(in_use) == 200
    # both daemons took requests from the shared queue
    for daemon in hosts:
        served = len(re.findall(r"\] allocate_for_instance instance ", daemon.log()))
        assert served > 0, daemon.host
