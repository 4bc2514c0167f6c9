"""A network host killed with SIGKILL in the middle of a burst, then restarted.

Two daemons share PostgreSQL; ``host-a`` serves the network (``host-b``
forwards its allocations there with ``_rpc_allocate_fixed_ip``). ``host-a``
dies mid-burst and comes back. Whatever the crash cut short, the store must
stay consistent (no address held twice, every answered allocation exactly as
answered), the callers that got an error clean up as nova-compute does
(``deallocate_for_instance``), and the periodic task then returns their
addresses to the pool.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from typing import Any

import pytest

from novanet.db import api as db
from novanet.db.models import FixedIp
from novanet.db.session import reader
from novanet.types import InstanceInfo
from novanet.rpc.client import NetworkAPI
from novanet.context import RequestContext, get_admin_context
from tests.fixtures.daemons import DaemonFactory, make_api
from tests.fixtures.rabbit import RpcIsolation
from tests.fixtures.wait import wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow]

USER = RequestContext(user_id="u1", project_id="p1", roles=["member"])
BURST = 120


def associated(network_id: int) -> dict[str, list[FixedIp]]:
    """Fixed IP rows of the network by instance (only rows with an instance)."""
    with reader() as session:
        rows = session.query(FixedIp).filter(FixedIp.network_id == network_id, FixedIp.deleted == 0,
                                             FixedIp.instance_uuid.is_not(None)).all()
    out: dict[str, list[FixedIp]] = {}
    for row in rows:
        out.setdefault(str(row.instance_uuid), []).append(row)
    return out


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_sigkill_mid_burst_then_restart(daemons: DaemonFactory, network_api: NetworkAPI,
                                        rpc_isolation: RpcIsolation, capsys: pytest.CaptureFixture[str]) -> None:
    options: dict[str, Any] = {"fixed_ip_disassociate_timeout": 1, "periodic_interval": 1,
                               "rpc_response_timeout": 10}
    host_a, host_b = daemons.spawn_many(["host-a", "host-b"], **options)
    (network,) = network_api.create_networks(get_admin_context(), label="crash", cidr="10.100.0.0/23",
                                             num_networks=1, bridge="br800")
    assert db.network_set_host(network["id"], "host-a") == "host-a"
    total_free = db.fixed_ip_count(network["id"], free_only=True)

    api, transport = make_api(rpc_isolation.url, rpc_isolation.topic, timeout=15)
    outcomes: dict[str, Any] = {}
    lock = threading.Lock()
    pending = list(range(BURST))

    def compute_host() -> None:
        while True:
            with lock:
                if not pending:
                    return
                pending.pop()
            instance = str(uuid.uuid4())
            try:
                result: Any = api.allocate_for_instance(USER, instance, project_id="p1", host="compute-1")
            except Exception as error:  # the caller's view; asserted below
                result = error
            with lock:
                outcomes[instance] = result

    try:
        threads = [threading.Thread(target=compute_host) for _ in range(8)]
        for thread in threads:
            thread.start()
        wait_until(lambda: len(outcomes) >= 30, timeout=60)
        host_a.kill()
        killed_at = len(outcomes)
        host_a.start()
        host_a.wait_ready(network_api)
        for thread in threads:
            thread.join(120)
        assert len(outcomes) == BURST

        answered = {i: r.fixed_ips()[0].address for i, r in outcomes.items() if not isinstance(r, Exception)}
        failed = {i: r for i, r in outcomes.items() if isinstance(r, Exception)}
        state = associated(network["id"])

        # 1. nothing is held twice, and every answer is exactly what the store says
        assert len(set(answered.values())) == len(answered)
        for instance, address in answered.items():
            assert [(r.address, r.allocated) for r in state[instance]] == [(address, True)]
        assert all(len(rows) == 1 for rows in state.values()), {i: len(r) for i, r in state.items()}
        assert set(state) <= set(outcomes)

        # what the crash left behind, for the record (shown with -s)
        left = {i: [(r.address, r.allocated) for r in state.get(i, [])] for i in failed}
        vifs = {i: len(db.virtual_interface_get_by_instance(i)) for i in failed}
        with capsys.disabled():
            print(f"\n[crash] killed host-a after {killed_at} answers; {len(answered)} answered, "
                  f"{len(failed)} failed: {Counter(type(e).__name__ for e in failed.values())}")
            print(f"[crash] failed instances holding an address: "
                  f"{sum(1 for v in left.values() if v)} ({Counter(str(v) for v in left.values() if v)})")
            print(f"[crash] failed instances with a VIF: {sum(1 for v in vifs.values() if v)}")

        # 2. the callers that got an error clean up, as nova-compute does after a failed build
        for instance in failed:
            api.deallocate_for_instance(USER, InstanceInfo(uuid=instance, project_id="p1", host="compute-1"))
        assert not any(db.virtual_interface_get_by_instance(i) for i in failed)

        # 3. the periodic task frees what was deallocated; the pool is whole again
        wait_until(lambda: not (set(associated(network["id"])) - set(answered)), timeout=30, interval=0.5,
                   message="the periodic task did not free the failed instances' addresses")
        assert db.fixed_ip_count(network["id"], free_only=True) == total_free - len(answered)
        # 4. both hosts serve again
        for host in ("host-a", "host-b"):
            assert api.ping(get_admin_context(), "after", host=host) == {"service": "network", "arg": "after"}
        assert host_b.running()
    finally:
        transport.cleanup()
