"""Get me a network end to end: real daemons, dnsmasq, DHCP clients, SNAT and isolation in namespaces.

VLAN mode runs on the VXLAN segment driver (this kernel has no 802.1Q; the
VLAN number is the VNI). Boots go through RabbitMQ with ``requested_networks
= 'auto'`` in nova's wire form. The concurrency scenarios run on SQLite and
on PostgreSQL, with two daemons sharing the store where it matters.
"""

from __future__ import annotations

import concurrent.futures
import io
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from novanet import exception
from novanet.cli import manage as cli
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db import auto_allocation as auto_store
from novanet.db import migration, models, session
from novanet.db.auto_models import TopologyStatus
from novanet.types import NetworkChoice
from novanet.context import RequestContext, get_admin_context
from novanet.rpc.messaging import oslo_messaging
from tests.fixtures.daemons import make_api
from tests.fixtures.db import _empty_tables, _ServerDatabase, using_store
from tests.fixtures.rabbit import RpcIsolation
from tests.fixtures.topology import Site, TcpServer, tcp_connect
from tests.fixtures.traffic import ping_any
from tests.fixtures.wait import wait_until
from tests.functional.e2e.auto_lab import EGRESS_SOURCE, AutoLab, boot
from tests.functional.e2e.conftest import HostDaemons, manage, running_daemons

pytestmark = [pytest.mark.root, pytest.mark.services, pytest.mark.slow]

ADMIN = get_admin_context()
P1 = RequestContext(project_id="p1", user_id="u1", roles=["member"])


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, world_dir: Path,
              _server_databases: dict[str, _ServerDatabase]) -> Iterator[str]:
    """The e2e store on SQLite (a world-readable file) or on the machine's PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{world_dir}/novanet.sqlite"
        migration.sync(url)
        (world_dir / "novanet.sqlite").chmod(0o644)
    else:
        url = _server_databases["postgresql"].get()
        _empty_tables(url, "postgresql")
    with using_store(url):
        yield url


@pytest.fixture
def daemons(world_dir: Path, rpc_isolation: RpcIsolation, any_store: str) -> Iterator[HostDaemons]:
    with running_daemons(world_dir, rpc_isolation, any_store) as factory:
        yield factory


@pytest.fixture
def lab_factory(site_factory: Callable[..., Site], world_dir: Path) -> Callable[..., AutoLab]:
    count = [0]

    def make(**site_kwargs: Any) -> AutoLab:
        count[0] += 1
        return AutoLab(site_factory(**site_kwargs), world_dir / f"lab{count[0]}")

    return make


def start(daemons: HostDaemons, lab: AutoLab, host: str = "net-a", **auto: Any) -> Any:
    return daemons.start(host, lab.site, manager="vlan", **lab.daemon_groups(**auto))


def configure(pool: tuple[str, ...] = ("10.128.0.0/24",), prefixlen: int = 26) -> None:
    prefixes = [a for p in pool for a in ("--prefix", p)]
    manage("subnet-pool", "create", "auto", *prefixes, "--default-prefixlen", str(prefixlen), "--default")
    manage("egress", "create", "out", "--public-interface", "pub0", "--snat-source", EGRESS_SOURCE, "--default")


def store_dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every table but the daemons' heartbeats."""
    with session.reader() as s:
        return {t.name: sorted(tuple(map(str, r)) for r in s.execute(sa.select(t)))
                for t in models.Base.metadata.sorted_tables if t.name != "services"}


def expect_failure(reason: str, call: Callable[[], Any]) -> exception.AutoAllocationFailure:
    with pytest.raises(exception.AutoAllocationFailure) as caught:
        call()
    assert caught.value.reason == reason, caught.value
    return caught.value


def starts(daemon: Any, bridge: str) -> int:
    return daemon.log().count(f"Started dnsmasq for {bridge},")


class BridgeWatch:
    """Samples the bridges of some hosts while a race runs (a transient second bridge would show)."""

    def __init__(self, labs: list[AutoLab]) -> None:
        self.labs = labs
        self.seen: dict[int, set[str]] = {i: set() for i in range(len(labs))}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BridgeWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            for i, lab in enumerate(self.labs):
                self.seen[i] |= lab.bridges()
            time.sleep(0.02)


# -- scenarios -----------------------------------------------------------------------------


@pytest.mark.parametrize("any_store", ["sqlite"], indirect=True)
def test_dry_run_ladder_changes_nothing_on_host_or_store(daemons: HostDaemons, lab_factory: Any,
                                                         vlan_mode: None) -> None:
    lab = lab_factory()
    daemon = start(daemons, lab)
    api = daemons.api
    networks_path = daemon.config.parent / "net-a" / "networks"
    host_before = lab.snapshot(networks_path)
    CONF.set_override("namespace", lab.site.host.name, group="linux_net")
    CONF.set_override("network_driver", "linux_net")

    def check(reason: str | None) -> None:
        """The dry-run over RPC (get_auto_allocated_network and validate_networks) and on the CLI."""
        before = store_dump()
        if reason is None:
            assert api.get_auto_allocated_network(P1, "p1", dry_run=True) == {"id": "dry-run=pass",
                                                                               "project_id": "p1"}
            api.validate_networks(P1, "auto")
            shown = manage("auto-allocate", "show", "--project", "p1", "--check-resources").split()
            assert shown[:2] == ["dry-run", "pass"]
        else:
            expect_failure(reason, lambda: api.get_auto_allocated_network(P1, "p1", dry_run=True))
            expect_failure(reason, lambda: api.validate_networks(P1, NetworkChoice.AUTO))
            out, err = io.StringIO(), io.StringIO()
            assert cli.run(["auto-allocate", "show", "--project", "p1", "--check-resources"], out, err,
                           configure=False) == 1
            assert f"({reason})" in err.getvalue()
        assert store_dump() == before
        assert lab.snapshot(networks_path) == host_before

    try:
        check("NO_DEFAULT_POOL")
        manage("subnet-pool", "create", "auto", "--prefix", "10.128.0.0/24", "--default-prefixlen", "26")
        check("NO_DEFAULT_POOL")
        manage("subnet-pool", "set", "auto", "--default")
        check("NO_DEFAULT_EGRESS")
        manage("egress", "create", "elsewhere", "--public-interface", "pub9", "--snat-source", EGRESS_SOURCE,
               "--default")
        check("EGRESS_INTERFACE_MISSING")
        manage("egress", "set", "elsewhere", "--no-default")
        manage("egress", "create", "out", "--public-interface", "pub0", "--snat-source", EGRESS_SOURCE, "--default")
        check(None)
        # A user may dry-run only their own project; the answer names it.
        with pytest.raises(exception.PolicyNotAuthorized):
            api.get_auto_allocated_network(P1, "p2", dry_run=True)
        assert db.network_get_all() == [] and auto_store.topology_get("p1") is None
    finally:
        CONF.clear_override("namespace", group="linux_net")
        CONF.clear_override("network_driver")


@pytest.mark.parametrize("any_store", ["sqlite"], indirect=True)
def test_first_boot_gets_a_lease_and_leaves_through_the_egress(daemons: HostDaemons, lab_factory: Any,
                                                               vlan_mode: None) -> None:
    lab = lab_factory()
    configure()
    daemon = start(daemons, lab)
    api = daemons.api
    ns, info = boot(api, lab, "p1")
    assert ns is not None
    (vif,) = info
    address = vif.fixed_ips()[0].address
    network = db.network_get_by_uuid(vif.network.id)
    assert (network.cidr, network.vlan, network.bridge, address) == ("10.128.0.0/26", 100, "br100", "10.128.0.3")
    row = auto_store.topology_get("p1")
    assert row is not None and row.status is TopologyStatus.ACTIVE and row.network_id == network.id
    wait_until(lambda: db.fixed_ip_get_by_address(address).leased, timeout=20, message="lease never recorded")

    # The outside sees the egress's address, not the instance's nor the host's default SNAT.
    outside = TcpServer(lab.site.outside)
    try:
        assert wait_until(lambda: tcp_connect(ns, lab.site.outside_ip, outside.port), timeout=10) == \
            f"hello {EGRESS_SOURCE}"
    finally:
        outside.close()
    assert wait_until(lambda: ping_any([(ns.name, network.gateway)])[0], timeout=5)

    # Idempotent: ten more asks and a second boot change nothing but the second instance's entry.
    pid = lab.dnsmasq_pids()
    for _ in range(10):
        assert api.get_auto_allocated_network(P1, "p1")["id"] == network.uuid
    second, info2 = boot(api, lab, "p1")
    assert info2[0].network.id == network.uuid and lab.dnsmasq_pids() == pid and starts(daemon, "br100") == 1
    assert len(db.network_get_all()) == 1 and auto_store.count_topologies() == 1

    # A restart rebuilds the host from the store: nothing changes (dnsmasq adopted, the egress's
    # SNAT and the isolation rules rendered the same), and the instance still gets out.
    networks_path = daemon.config.parent / "net-a" / "networks"
    before = {k: v for k, v in lab.snapshot(networks_path).items() if k != "files"}
    daemons.restart(daemon)
    assert {k: v for k, v in lab.snapshot(networks_path).items() if k != "files"} == before
    outside = TcpServer(lab.site.outside)
    try:
        assert tcp_connect(second, lab.site.outside_ip, outside.port) == f"hello {EGRESS_SOURCE}"
    finally:
        outside.close()

    # Delete: refused while instances hold addresses; then it removes the host side; twice is a no-op.
    conf = daemon.config

    def cli_delete() -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(Path(sys.executable).with_name("novanet-manage")), "--config-file", str(conf),
                               "auto-allocate", "delete", "--project", "p1"], capture_output=True, text=True,
                              timeout=120)

    refused = cli_delete()
    assert refused.returncode == 1 and "still in use" in refused.stderr, refused.stderr
    for uuid_ in {row.instance_uuid for row in db.fixed_ip_list(network_id=network.id) if row.instance_uuid}:
        api.deallocate_for_instance(ADMIN, db_instance(uuid_), requested_networks="auto")
    deleted = cli_delete()
    assert deleted.returncode == 0 and network.uuid in deleted.stdout, deleted.stderr
    assert "br100" not in lab.bridges() and not lab.dnsmasq_pids()
    assert "no auto-allocated network" in cli_delete().stdout
    assert db.network_get_all() == [] and auto_store.topology_get("p1") is None


def db_instance(instance_uuid: str) -> Any:
    from novanet.types import InstanceInfo

    row = db.instance_get_by_uuid(instance_uuid)
    return InstanceInfo(uuid=row.uuid, project_id=row.project_id, host=row.host)


def test_concurrent_first_boots_of_one_project_build_one_network(daemons: HostDaemons, lab_factory: Any,
                                                                  vlan_mode: None) -> None:
    """3 (nova's min-count 3) then 20 concurrent first boots, spread over two daemons sharing the store."""
    a = lab_factory()
    b = lab_factory(public_ip="172.24.5.1", outside_ip="172.24.5.100")
    configure()
    daemon_a = start(daemons, a, "net-a")
    daemon_b = start(daemons, b, "net-b")
    api = daemons.api
    built: dict[str, set[str]] = {"net-a": set(), "net-b": set()}
    for project, count in (("q3", 3), ("q20", 20)):
        with BridgeWatch([a, b]) as watch, concurrent.futures.ThreadPoolExecutor(count) as pool:
            infos = list(pool.map(lambda _: boot(api, a, project, dhcp=False)[1], range(count)))
        networks = {info[0].network.id for info in infos}
        (network,) = db.network_get_all(project_id=project)
        assert networks == {network.uuid}
        addresses = [info.fixed_ips()[0].address for info in infos]
        assert len(set(addresses)) == count
        # One bridge for the project, ever (sampled during the race), on one host only,
        # and one dnsmasq started for it.
        built[str(network.host)].add(str(network.bridge))
        assert (watch.seen[0], watch.seen[1]) == (built["net-a"], built["net-b"])
        builder = daemon_a if network.host == "net-a" else daemon_b
        other = daemon_b if builder is daemon_a else daemon_a
        assert starts(builder, network.bridge) == 1 and starts(other, network.bridge) == 0
    # The project's instances get their leases from that one dnsmasq (a few of them, really).
    (q3,) = db.network_get_all(project_id="q3")
    lab = a if q3.host == "net-a" else b
    for row in [r for r in db.fixed_ip_list(network_id=q3.id) if r.instance_uuid][:2]:
        (vif,) = db.virtual_interface_get_by_instance(row.instance_uuid)
        ns = lab.site.instance(q3.bridge, vif.address)
        lab.site.dhclient(ns)
        assert Site.address_of(ns) == row.address
    assert sorted(a.bridges() | b.bridges()) == ["br100", "br101"]


def test_projects_racing_for_a_pool_of_ten_and_isolation(daemons: HostDaemons, lab_factory: Any,
                                                         vlan_mode: None) -> None:
    lab = lab_factory()
    configure(pool=("10.128.0.0/25", "10.128.1.0/27"), prefixlen=28)  # exactly 8 + 2 networks of /28
    start(daemons, lab)
    api = daemons.api
    projects = [f"r{i}" for i in range(10)]
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        infos = dict(zip(projects, pool.map(lambda p: boot(api, lab, p, dhcp=False)[1], projects)))
    networks = [db.network_get_by_uuid(infos[p][0].network.id) for p in projects]
    assert len({n.cidr for n in networks}) == 10 and len({n.vlan for n in networks}) == 10
    assert {n.project_id for n in networks} == set(projects)
    assert lab.bridges() == {n.bridge for n in networks} and len(lab.dnsmasq_pids()) == 10
    assert auto_store.subnet_pool_get("auto").generation == 10
    before = store_dump()
    expect_failure("POOL_EXHAUSTED", lambda: boot(api, lab, "r10", dhcp=False))
    assert store_dump() == before and len(lab.bridges()) == 10

    # Two auto projects cannot reach each other; both reach the outside through the egress.
    ns_p, info_p = boot(api, lab, "r0")
    ns_q, info_q = boot(api, lab, "r1")
    assert ns_p is not None and ns_q is not None
    ip_p, ip_q = info_p.fixed_ips()[0].address, info_q.fixed_ips()[0].address
    gw_q = db.network_get_by_uuid(info_q[0].network.id).gateway
    assert ping_any([(ns_p.name, ip_q), (ns_q.name, ip_p), (ns_p.name, gw_q)], timeout=1.5) == [False, False, False]
    server = TcpServer(ns_q)
    outside = TcpServer(lab.site.outside)
    try:
        assert tcp_connect(ns_p, ip_q, server.port, timeout=1.5) is None
        for ns in (ns_p, ns_q):
            assert wait_until(lambda ns=ns: tcp_connect(ns, lab.site.outside_ip, outside.port), timeout=10) == \
                f"hello {EGRESS_SOURCE}"
    finally:
        server.close()
        outside.close()


@pytest.mark.parametrize("any_store", ["sqlite"], indirect=True)
def test_a_host_failure_rolls_back_everything(daemons: HostDaemons, lab_factory: Any, vlan_mode: None) -> None:
    lab = lab_factory()
    configure()
    daemon = start(daemons, lab)
    api = daemons.api
    networks_path = daemon.config.parent / "net-a" / "networks"
    host_before = lab.snapshot(networks_path)
    rows_before = store_dump()
    lab.fail_dnsmasq()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(boot, api, lab, "p1", "net-a", False) for _ in range(3)]
        errors = [expect_failure("HOST_FAILURE", lambda f=f: f.result(60)) for f in futures]
    assert len({str(e) for e in errors}) == 1 and "injected failure" in str(errors[0])
    assert len(lab.invocations()) == 1  # one build, its failure shared
    # Host: no bridge, no VXLAN device, no rules, no dnsmasq files. Store: only the failure record.
    assert lab.snapshot(networks_path) == host_before
    after = store_dump()
    assert {k: v for k, v in after.items() if k not in ("auto_allocated_topologies", "subnet_pools")} == \
        {k: v for k, v in rows_before.items() if k not in ("auto_allocated_topologies", "subnet_pools")}
    row = auto_store.topology_get("p1")
    assert row is not None and row.status is TopologyStatus.ERROR and row.reason == "HOST_FAILURE"
    # Within failed_build_hold: the same failure, without another build.
    expect_failure("HOST_FAILURE", lambda: boot(api, lab, "p1", dhcp=False))
    assert len(lab.invocations()) == 1
    # Fixed and the hold passed: the first free prefix and VLAN again, and a lease.
    lab.fail_dnsmasq(False)
    wait_until(lambda: auto_store.topology_get("p1").expired(), timeout=10)  # type: ignore[union-attr]
    ns, info = boot(api, lab, "p1")
    network = db.network_get_by_uuid(info[0].network.id)
    assert (network.cidr, network.vlan, network.bridge) == ("10.128.0.0/26", 100, "br100")


def test_a_daemon_killed_mid_build_is_taken_over(daemons: HostDaemons, lab_factory: Any, vlan_mode: None) -> None:
    lab = lab_factory()
    configure()
    daemon = start(daemons, lab)
    api = daemons.api
    lab.hold_dnsmasq()
    first = concurrent.futures.ThreadPoolExecutor(1)
    impatient, transport = make_api(daemons.iso.url, daemons.iso.topic, timeout=10)
    stalled = first.submit(boot, impatient, lab, "p1", "net-a", False)
    try:
        wait_until(lambda: lab.invocations(), timeout=30, message="the build never reached dnsmasq")
        row = auto_store.topology_get("p1")
        assert row is not None and row.status is TopologyStatus.BUILDING and row.network_id is not None
        leftover = auto_store.network_any_status(row.network_id)
        assert leftover is not None and leftover.status == "BUILDING" and "br100" in lab.bridges()
        daemon.kill()  # SIGKILL mid-build; its dnsmasq wrapper is left waiting
        for pid in lab.invocations():
            subprocess.run(["kill", "-9", str(pid)], capture_output=True)
        lab.hold_dnsmasq(False)
        with pytest.raises(oslo_messaging.MessagingTimeout):
            stalled.result(120)
    finally:
        first.shutdown(wait=False)
        transport.cleanup()
    daemon.proc = None
    daemon.start()  # init_host removes what no usable network backs: the half-built bridge
    daemon.wait_ready(api)
    wait_until(lambda: "br100" not in lab.bridges(), timeout=20, message="the restart left the bridge")
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        infos = list(pool.map(lambda _: boot(api, lab, "p1", dhcp=False)[1], range(3)))
    assert {info[0].network.id for info in infos} == {db.network_get_all()[0].uuid}
    assert time.monotonic() - started < 30
    (network,) = db.network_get_all()
    assert network.uuid != leftover.uuid and (network.cidr, network.vlan) == (leftover.cidr, leftover.vlan)
    assert "Taking over the build of project p1's network" in daemon.log()
    assert len(lab.dnsmasq_pids()) == 1
    ns, info = boot(api, lab, "p1")
    assert info[0].network.id == network.uuid


def test_none_means_no_network_and_nothing_touched(host_daemons: HostDaemons, site_factory: Any) -> None:
    site = site_factory()
    manage("network", "create", "--label", "web", "--fixed_range_v4", "10.10.0.0/24", "--bridge", "br-web")
    daemon = host_daemons.start("net-a", site)
    api = host_daemons.api
    lab_state = site.host.run(["ip", "-o", "link", "show"]).stdout
    before = store_dump()
    instance = str(uuid.uuid4())
    info = api.allocate_for_instance(P1, instance, project_id="p1", host="net-a", requested_networks="none")
    assert len(info) == 0
    api.deallocate_for_instance(P1, db_instance_info(instance), requested_networks="none")
    assert store_dump() == before and site.host.run(["ip", "-o", "link", "show"]).stdout == lab_state
    with pytest.raises(exception.InstanceNotFound):
        db.instance_get_by_uuid(instance)
    assert f"allocate_for_instance instance {instance}" in daemon.log()  # it did reach the daemon


def db_instance_info(instance_uuid: str) -> Any:
    from novanet.types import InstanceInfo

    return InstanceInfo(uuid=instance_uuid, project_id="p1", host="net-a")
