"""Auto-allocation against every backend: pools, claims, races, rollback, takeover.

The host side is a recording fake here (tests/functional/e2e/test_auto_allocate.py
drives real bridges, dnsmasq and dhclient); what is proven here is the store's
part: one build per project whatever the concurrency, distinct space and VLANs
between projects, and nothing left behind by a failure.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import netaddr
import pytest
import sqlalchemy as sa

from novanet import exception
from novanet.db import api as db
from novanet.db import auto_allocation as auto_store
from novanet.db import session
from novanet.db.auto_models import AutoAllocatedTopology, TopologyStatus
from novanet.db.models import Network, utcnow
from novanet.manager.autoalloc import admin
from tests.integration.db.auto_helpers import FakeHost, allocator, dump_store, raises_reason, ready_pool
from tests.integration.db.helpers import make_instance, make_network, make_vif

ROOT = Path(__file__).resolve().parents[3]


def test_pools_and_egress_keep_one_default_and_no_overlap(store: str) -> None:
    pool = admin.create_pool("a", ["10.128.0.0/16"], 26, is_default=True)
    assert pool.is_default and pool.prefixes == ("10.128.0.0/16",) and admin.pool_free_count(pool) == 1024
    with pytest.raises(exception.Conflict, match="is the default already"):
        admin.create_pool("b", ["10.129.0.0/16"], 26, is_default=True)
    with pytest.raises(exception.CidrConflict, match="subnet pool a"):
        admin.create_pool("b", ["10.128.64.0/18"], 26)
    with pytest.raises(exception.Conflict, match="exists already"):
        admin.create_pool("a", ["10.130.0.0/16"], 26)
    other = admin.create_pool("b", ["10.129.0.0/16", "10.200.0.0/24"], 28)
    assert not other.is_default
    with pytest.raises(exception.Conflict):
        auto_store.subnet_pool_set_default("b", True)
    auto_store.subnet_pool_set_default("a", False)
    assert auto_store.subnet_pool_set_default(other.uuid, True).is_default
    assert auto_store.default_pool() is not None and auto_store.default_pool().name == "b"  # type: ignore[union-attr]
    auto_store.subnet_pool_delete("b")
    assert auto_store.default_pool() is None
    with pytest.raises(exception.SubnetPoolNotFound):
        auto_store.subnet_pool_get("b")
    # A deleted pool's name and space are free again.
    assert admin.create_pool("b", ["10.129.0.0/16"], 26, is_default=True).is_default

    egress = admin.create_egress("out", "pub0", "172.24.4.1", is_default=True)
    assert auto_store.default_egress() == egress
    with pytest.raises(exception.Conflict):
        admin.create_egress("out2", "pub1", "172.24.5.1", is_default=True)
    admin.create_egress("out2", "pub1", "172.24.5.1")
    assert [e.name for e in auto_store.egress_list()] == ["out", "out2"]
    auto_store.egress_delete("out")
    assert auto_store.default_egress() is None


@pytest.mark.parametrize("call", [
    lambda: admin.create_pool("x", [], 26),
    lambda: admin.create_pool("x", ["10.0.0.0"], 26),
    lambda: admin.create_pool("x", ["10.0.0.1/24"], 26),
    lambda: admin.create_pool("x", ["fd00::/48"], 64),
    lambda: admin.create_pool("x", ["10.0.0.0/24", "10.0.0.128/25"], 26),
    lambda: admin.create_pool("x", ["10.0.0.0/24"], 23),
    lambda: admin.create_pool("x", ["10.0.0.0/24"], 30),
    lambda: admin.create_pool("", ["10.0.0.0/24"], 26),
    lambda: admin.create_egress("e", "a-name-that-is-too-long", "1.2.3.4"),
    lambda: admin.create_egress("e", "eth 0", "1.2.3.4"),
    lambda: admin.create_egress("e", "eth0", "1.2.3"),
    lambda: admin.create_egress("e", "eth0", "2001:db8::1"),
])
def test_bad_pool_and_egress_input_changes_nothing(store: str, call: object) -> None:
    before = dump_store()
    with pytest.raises(exception.Invalid):
        call()  # type: ignore[operator]
    assert dump_store() == before


def test_dry_run_ladder_writes_nothing(store: str) -> None:
    auto = allocator()
    before = dump_store()
    raises_reason(lambda: auto.dry_run("p1"), "NO_DEFAULT_POOL")
    admin.create_pool("auto", ["10.128.0.0/24"], 26)
    raises_reason(lambda: auto.dry_run("p1"), "NO_DEFAULT_POOL")
    auto_store.subnet_pool_set_default("auto", True)
    raises_reason(lambda: auto.dry_run("p1"), "NO_DEFAULT_EGRESS")
    admin.create_egress("out", "pub9", "172.24.4.1", is_default=True)
    raises_reason(lambda: auto.dry_run("p1"), "EGRESS_INTERFACE_MISSING")
    auto_store.egress_delete("out")
    admin.create_egress("out2", "pub0", "172.24.4.1", is_default=True)
    with_setup = dump_store()
    assert auto.dry_run("p1") == {"id": "dry-run=pass", "project_id": "p1"}
    assert dump_store() == with_setup != before
    assert auto_store.topology_get("p1") is None and db.network_get_all() == []


def test_first_boot_builds_once_and_later_ones_reuse_it(store: str) -> None:
    ready_pool()
    host = FakeHost()
    auto = allocator(host)
    network = auto.network_for_instance("p1")
    assert (network.cidr, network.vlan, network.bridge, network.status) == ("10.128.0.0/26", 100, "br100", "ACTIVE")
    assert network.project_id == "p1" and network.host == "net-1" and network.egress_id is not None
    assert network.gateway == "10.128.0.1" and network.vpn_public_port is None
    row = auto_store.topology_get("p1")
    assert row is not None and row.status is TopologyStatus.ACTIVE and row.network_id == network.id
    assert [n.uuid for n in auto.usable_networks("p1")] == [network.uuid]
    for _ in range(10):
        assert auto.network_for_instance("p1").uuid == network.uuid
        assert auto.get_or_build("p1").uuid == network.uuid
    assert host.calls == [("realise", "br100")]
    # 64 rows: network, gateway, VPN and broadcast reserved.
    assert db.fixed_ip_count(network.id) == 64 and db.network_count_reserved_ips(network.id) == 4
    # The project's network is what VLAN mode hands out without requested networks, too.
    assert [n.uuid for n in db.project_get_networks("p1")] == [network.uuid]


def test_concurrent_first_boots_of_one_project_build_one_network(store: str) -> None:
    ready_pool()
    host = FakeHost()
    auto = allocator(host)
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        uuids = list(pool.map(lambda _: auto.network_for_instance("p1").uuid, range(20)))
    assert len(set(uuids)) == 1
    assert host.calls == [("realise", "br100")]
    assert len(db.network_get_all()) == 1 and auto_store.count_topologies() == 1


def test_projects_racing_for_a_pool_get_distinct_space_and_vlans(store: str) -> None:
    ready_pool("10.128.0.0/24", 28)  # room for exactly 16 /28s
    host = FakeHost()
    auto = allocator(host)
    projects = [f"p{i}" for i in range(16)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        networks = list(pool.map(auto.network_for_instance, projects))
    cidrs = [netaddr.IPNetwork(n.cidr) for n in networks]
    assert len({str(c) for c in cidrs}) == 16 and all(c in netaddr.IPNetwork("10.128.0.0/24") for c in cidrs)
    assert sorted(n.vlan for n in networks) == list(range(100, 116))
    assert {n.project_id for n in networks} == set(projects)
    assert auto_store.subnet_pool_get("auto").generation == 16
    before = dump_store()
    raises_reason(lambda: auto.network_for_instance("p16"), "POOL_EXHAUSTED")
    assert dump_store() == before and host.count("realise") == 16


def test_a_host_failure_rolls_back_and_waiters_get_the_same_failure(store: str) -> None:
    ready_pool()
    host = FakeHost()
    host.fail_with = exception.ProcessExecutionError(cmd="dnsmasq", exit_code=3, stderr="no such user")
    host.pause = threading.Event()
    auto = allocator(host, failed_build_hold=2)
    before = dump_store()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        builder = pool.submit(auto.network_for_instance, "p1")
        assert host.entered.wait(10)
        waiters = [pool.submit(auto.network_for_instance, "p1") for _ in range(3)]
        host.pause.set()
        errors = []
        for future in [builder, *waiters]:
            with pytest.raises(exception.AutoAllocationFailure) as caught:
                future.result(30)
            errors.append(caught.value)
    assert {e.reason for e in errors} == {"HOST_FAILURE"} and len({str(e) for e in errors}) == 1
    assert "no such user" in str(errors[0])
    assert host.calls == [("realise", "br100"), ("unrealise", "br100")]
    # Nothing left but the failure record; the pool moved on by one carving.
    assert db.network_get_all() == [] and _network_rows() == 0
    row = auto_store.topology_get("p1")
    assert row is not None and row.status is TopologyStatus.ERROR and row.reason == "HOST_FAILURE"
    # Within the hold time, the same failure without a second build.
    raises_reason(lambda: auto.network_for_instance("p1"), "HOST_FAILURE")
    assert host.count("realise") == 1
    # Afterwards a healthy host builds, on the first free prefix and VLAN.
    host.fail_with = None
    _age_claim("p1", seconds=5)
    network = auto.network_for_instance("p1")
    assert (network.cidr, network.vlan) == ("10.128.0.0/26", 100)
    after = {k: v for k, v in dump_store().items() if k not in ("networks", "fixed_ips", "auto_allocated_topologies",
                                                                   "subnet_pools")}
    assert after == {k: v for k, v in before.items() if k in after}


def test_keep_failed_topology_repeats_the_failure_until_deleted(store: str) -> None:
    ready_pool()
    host = FakeHost()
    host.fail_with = exception.DriverError("bridge refused")
    auto = allocator(host, keep_failed_topology=True)
    raises_reason(lambda: auto.network_for_instance("p1"), "HOST_FAILURE")
    _age_claim("p1", seconds=3600)
    host.fail_with = None
    raises_reason(lambda: auto.network_for_instance("p1"), "HOST_FAILURE")
    assert auto.delete("p1") is None
    assert auto.network_for_instance("p1").cidr == "10.128.0.0/26"


def test_processes_racing_for_projects_build_each_once(store: str, tmp_path: Path) -> None:
    ready_pool("10.128.0.0/24", 28)  # room for 16
    results = _run_workers(tmp_path, store, 3, ["build", "4", "p1", "p2", "p3"])
    realised = [bridge for result in results for bridge in result["realised"]]
    networks = {n.project_id: n for n in db.network_get_all()}
    assert sorted(networks) == ["p1", "p2", "p3"] and len(realised) == 3 == len(set(realised))
    for project, network in networks.items():
        got = [uuid for result in results for uuid in result["results"][project]]
        assert got == [network.uuid] * 12, got
    assert len({n.vlan for n in networks.values()}) == 3 and len({n.cidr for n in networks.values()}) == 3


def test_a_build_abandoned_by_a_killed_process_is_taken_over(store: str, tmp_path: Path) -> None:
    ready_pool()
    proc = subprocess.Popen([sys.executable, "-m", "tests.integration.db.auto_worker", store, "hang", "1", "p1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "entered", proc.stderr
        row = store_rows("p1")
        assert row.status is TopologyStatus.BUILDING and row.network_id is not None
        leftover = auto_store.network_any_status(row.network_id)
        assert leftover is not None and leftover.status == "BUILDING"
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    host = FakeHost()
    survivor = allocator(host, host="net-1", claim_lease=2)
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        uuids = {f.result(30).uuid for f in [pool.submit(survivor.network_for_instance, "p1") for _ in range(5)]}
    (network,) = db.network_get_all()
    assert uuids == {network.uuid} and network.uuid != leftover.uuid and network.vlan == 100
    assert _network_rows() == 1
    # The survivor (same host) removed the dead builder's host side, then built once.
    assert host.calls == [("unrealise", "br100"), ("realise", "br100")]


def test_a_stalled_builder_that_lost_its_claim_changes_nothing(store: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from novanet.manager.autoalloc import allocator as allocator_module

    ready_pool()
    stalled_host = FakeHost()
    stalled_host.pause = threading.Event()
    stalled = allocator(stalled_host, claim_lease=2)
    monkeypatch.setattr(allocator_module._LeaseKeeper, "_run", lambda self: None)  # a frozen process
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: outcome.append(_result(stalled.network_for_instance, "p1")))
    thread.start()
    assert stalled_host.entered.wait(10)
    monkeypatch.undo()
    _age_claim("p1", seconds=10)
    host = FakeHost()
    network = allocator(host, claim_lease=2).network_for_instance("p1")
    stalled_host.pause.set()
    thread.join(30)
    # It followed the new builder instead of publishing, failing or cleaning.
    assert outcome == [network.uuid]
    assert [n.uuid for n in db.network_get_all()] == [network.uuid]
    assert stalled_host.count("unrealise") == 0 and host.calls == [("unrealise", "br100"), ("realise", "br100")]


def test_a_network_deleted_behind_our_back_is_built_again(store: str) -> None:
    ready_pool()
    auto = allocator()
    first = auto.network_for_instance("p1")
    db.network_delete_safe(first.id)
    second = auto.network_for_instance("p1")
    assert second.uuid != first.uuid and second.status == "ACTIVE"


def test_delete_is_refused_while_an_instance_holds_an_address(store: str) -> None:
    ready_pool()
    host = FakeHost()
    auto = allocator(host)
    network = auto.network_for_instance("p1")
    instance = make_instance("p1")
    vif = make_vif(instance, network)
    db.fixed_ip_associate_pool(network.id, instance_uuid=instance, vif_id=vif.id)
    with pytest.raises(exception.NetworkInUse, match=instance):
        auto.delete("p1")
    assert db.network_get(network.id).status == "ACTIVE"
    for row in db.fixed_ip_get_by_instance(instance):
        db.fixed_ip_disassociate(row.address, network.id)
    assert auto.delete("p1") is not None
    assert auto.delete("p1") is None
    assert db.network_get_all() == [] and auto_store.topology_get("p1") is None
    assert host.calls == [("realise", "br100"), ("unrealise", "br100")]
    again = auto.network_for_instance("p1")  # the space and VLAN are free again
    assert (again.cidr, again.vlan) == ("10.128.0.0/26", 100) and again.uuid != network.uuid


def test_flat_managers_only_use_the_single_shared_network(store: str) -> None:
    from novanet.manager.autoalloc.allocator import AutoAllocator
    from novanet.manager.flat import FlatDHCPManager
    from novanet.manager.strategy import FlatNetworks
    from tests.integration.db.auto_helpers import options

    ready_pool()
    flat = AutoAllocator("net-1", FlatNetworks(), FlatDHCPManager.create_rules(), FakeHost(), options())
    raises_reason(lambda: flat.dry_run("p1"), "MANAGER_UNSUPPORTED")
    raises_reason(lambda: flat.network_for_instance("p1"), "MANAGER_UNSUPPORTED")
    shared = make_network("10.0.0.0/28")
    assert flat.dry_run("p1")["id"] == "dry-run=pass"
    assert flat.network_for_instance("p1").uuid == shared.uuid
    make_network("10.0.1.0/28", project_id="p1")
    with pytest.raises(exception.NetworkAmbiguous) as caught:
        flat.network_for_instance("p1")
    assert caught.value.code == 409 and caught.value.reason == "AMBIGUOUS"
    raises_reason(lambda: flat.dry_run("p1"), "AMBIGUOUS")
    assert flat.network_for_instance("p2").uuid == shared.uuid


def test_vlan_projects_with_their_own_network_use_it(store: str) -> None:
    auto = allocator()
    own = make_network("10.0.0.0/28", vlan=True, project_id="p1")
    assert auto.network_for_instance("p1").uuid == own.uuid
    assert auto.dry_run("p1")["id"] == "dry-run=pass"  # nothing configured, nothing needed
    make_network("10.0.1.0/28", vlan=True, vlan_start=200, project_id="p1")
    raises_reason(lambda: auto.network_for_instance("p1"), "AMBIGUOUS")
    raises_reason(lambda: auto.network_for_instance("p2"), "NO_DEFAULT_POOL")


def test_disabled_and_misconfigured(store: str) -> None:
    ready_pool()
    raises_reason(lambda: allocator(enabled=False).dry_run("p1"), "DISABLED")
    from novanet.manager.create import Defaults

    broken = allocator(create_defaults=Defaults(vlan_interface=None))
    raises_reason(lambda: broken.dry_run("p1"), "MISCONFIGURED")
    before = dump_store()
    raises_reason(lambda: broken.network_for_instance("p1"), "MISCONFIGURED")
    assert db.network_get_all() == [] and dump_store()["networks"] == before["networks"]


# -- helpers ----------------------------------------------------------------------------


def _network_rows() -> int:
    with session.reader() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(Network)) or 0)


def _age_claim(project_id: str, seconds: float) -> None:
    """Move the claim's expiry (lease or failure hold) ``seconds`` into the past."""
    with session.writer() as s:
        s.execute(sa.update(AutoAllocatedTopology).where(AutoAllocatedTopology.project_id == project_id)
                  .values(claim_expires_at=utcnow() - datetime.timedelta(seconds=seconds)))


def _result(call: object, *args: object) -> object:
    try:
        return call(*args).uuid  # type: ignore[operator]
    except exception.AutoAllocationFailure as error:
        return error.reason


def store_rows(project_id: str) -> auto_store.TopologyRecord:
    row = auto_store.topology_get(project_id)
    assert row is not None
    return row


def _run_workers(tmp_path: Path, url: str, count: int, args: list[str]) -> list[dict[str, Any]]:
    start = tmp_path / "start"
    env = dict(os.environ, NOVANET_START_FILE=str(start))
    procs = [subprocess.Popen([sys.executable, "-m", "tests.integration.db.auto_worker", url, *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
             for _ in range(count)]
    start.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    return results
