"""IptablesFirewall against the in-memory kernel: layout, apply, coalescing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from oslo_config import cfg

from novanet import conf as novanet_conf
from novanet import exception
from novanet.drivers.base import FloatingForward
from novanet.drivers.iptables import IptablesFirewall, builders
from novanet.drivers.iptables.fake import FakeBackend
from novanet.drivers.iptables.model import ChainSpec, RuleSpec
from tests.fixtures.wait import wait_until

P = "novanet-network-"
CFG = builders.RuleConfig(public_interface="eth0")

FOREIGN = """*filter
:DOCKER - [0:0]
-A FORWARD -j DOCKER
-A FORWARD -s 10.9.9.0/24 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A DOCKER -d 172.17.0.2/32 -j ACCEPT
COMMIT
*nat
:DOCKER - [0:0]
-A PREROUTING -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -d 1.2.3.4/32 -j DNAT --to-destination 172.17.0.2
COMMIT
"""


@pytest.fixture
def kernel() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def firewall(kernel: FakeBackend) -> Iterator[IptablesFirewall]:
    fw = IptablesFirewall(kernel)
    yield fw
    fw.close()


def floating(addr: str, fixed: str) -> tuple[ChainSpec | RuleSpec, ...]:
    return builders.floating_forward_rules(FloatingForward(addr, fixed, "eth0"), CFG)


def foreign_lines(kernel: FakeBackend, tables: tuple[str, ...] = ("filter", "nat")) -> list[str]:
    """Every line of ``tables`` that is not novanet's, in order."""
    lines: list[str] = []
    for block in kernel.save(4).split("COMMIT\n"):
        if block.split("\n", 1)[0][1:] in tables:
            lines += [line for line in block.splitlines() if "novanet" not in line]
    return lines


def test_first_apply_builds_nova_layout(firewall: IptablesFirewall, kernel: FakeBackend) -> None:
    firewall.apply()
    assert kernel.rules(4, "filter", "FORWARD") == ["-j novanet-filter-top", f"-j {P}FORWARD"]
    assert kernel.rules(4, "filter", "OUTPUT") == ["-j novanet-filter-top", f"-j {P}OUTPUT"]
    assert kernel.rules(4, "filter", "INPUT") == [f"-j {P}INPUT"]
    assert kernel.rules(4, "filter", "novanet-filter-top") == [f"-j {P}local"]
    assert kernel.rules(4, "nat", "POSTROUTING") == [f"-j {P}POSTROUTING", "-j novanet-postrouting-bottom"]
    assert kernel.rules(4, "nat", "novanet-postrouting-bottom") == [f"-j {P}snat"]
    assert kernel.rules(4, "nat", f"{P}snat") == [f"-j {P}float-snat"]
    assert kernel.rules(4, "mangle", "POSTROUTING") == [f"-j {P}POSTROUTING"]
    assert kernel.rules(4, "mangle", "PREROUTING") == [f"-j {P}PREROUTING"]
    assert (6, "filter") not in kernel.tables  # IPv6 only with use_ipv6
    assert firewall.stats.full_syncs == 1 and firewall.stats.restores == 1


def test_apply_writes_only_changed_chains_without_reading(firewall: IptablesFirewall,
                                                          kernel: FakeBackend) -> None:
    firewall.apply()
    saves = firewall.stats.saves
    firewall.ensure("fip", floating("172.24.4.7", "10.0.0.3"))
    firewall.apply()
    text = kernel.restores()[-1]
    declared = [line for line in text.splitlines() if line.startswith(":")]
    assert declared == [f":{P}OUTPUT - [0:0]", f":{P}POSTROUTING - [0:0]", f":{P}PREROUTING - [0:0]",
                        f":{P}fip-dnat-07 - [0:0]", f":{P}fip-post-03 - [0:0]", f":{P}fip-snat-03 - [0:0]",
                        f":{P}float-snat - [0:0]"]
    assert "*filter" not in text and "*mangle" not in text
    assert firewall.stats.saves == saves  # no iptables-save on the hot path
    # a second floating IP in the same buckets rewrites only the bucket chains
    firewall.ensure("fip2", floating("172.24.5.7", "10.0.1.3"))
    firewall.apply()
    declared = [line for line in kernel.restores()[-1].splitlines() if line.startswith(":")]
    assert declared == [f":{P}fip-dnat-07 - [0:0]", f":{P}fip-post-03 - [0:0]", f":{P}fip-snat-03 - [0:0]"]


def test_apply_without_changes_does_nothing(firewall: IptablesFirewall, kernel: FakeBackend) -> None:
    firewall.apply()
    before = len(kernel.history)
    firewall.apply()
    firewall.ensure("x", ())
    firewall.apply()
    assert len(kernel.history) == before


def test_defer_apply_batches_and_nests(firewall: IptablesFirewall, kernel: FakeBackend) -> None:
    firewall.apply()
    restores = firewall.stats.restores
    with firewall.defer_apply():
        firewall.ensure("a", floating("172.24.4.1", "10.0.0.1"))
        firewall.apply()
        with firewall.defer_apply():
            firewall.ensure("b", floating("172.24.4.2", "10.0.0.2"))
        assert firewall.stats.restores == restores  # inner exit does not apply
    assert firewall.stats.restores == restores + 1
    assert "-d 172.24.4.2/32 -j DNAT --to-destination 10.0.0.2" in kernel.rules(4, "nat", f"{P}fip-dnat-02")


def test_reassociation_replaces_rules(firewall: IptablesFirewall, kernel: FakeBackend) -> None:
    firewall.ensure("fip", floating("172.24.4.7", "10.0.0.3"))
    firewall.apply()
    firewall.ensure("fip", floating("172.24.4.7", "10.0.0.4"))
    firewall.apply()
    nat = kernel.save(4).split("*nat")[1]
    assert "10.0.0.3" not in nat
    assert nat.count("-d 172.24.4.7/32 -j DNAT --to-destination 10.0.0.4") == 1
    assert f"{P}fip-snat-03" not in kernel.chains(4, "nat")  # empty bucket gone
    firewall.remove("fip")
    firewall.apply()
    assert "172.24.4.7" not in kernel.save(4)
    assert not [chain for chain in kernel.chains(4, "nat") if "fip-" in chain]


def test_ensure_rejects_unknown_chain_atomically(firewall: IptablesFirewall) -> None:
    with pytest.raises(ValueError, match="unknown chain"):
        firewall.ensure("t", (RuleSpec("nat", "PREROUTING", "-j ACCEPT"), RuleSpec("nat", "nope", "-j ACCEPT")))
    assert firewall.table(4, "nat").rules("PREROUTING") == ()
    assert firewall.tagged("t") == ()
    with pytest.raises(ValueError):
        firewall.table(4, "raw")


def test_group_commit_covers_concurrent_callers(firewall: IptablesFirewall, kernel: FakeBackend) -> None:
    firewall.apply()
    base = firewall.stats.applies
    count = 300
    changed = threading.Semaphore(0)
    gate = threading.Event()

    def hold_first_restore(family: int, text: str) -> None:
        if not gate.is_set():
            for _ in range(count):  # every thread has changed the model
                changed.acquire()
            gate.set()

    kernel.on_restore = hold_first_restore
    errors: list[str] = []

    def associate(index: int) -> None:
        addr, fixed = f"172.24.{index // 250}.{index % 250 + 1}", f"10.0.{index // 250}.{index % 250 + 1}"
        firewall.ensure(f"fip-{index}", floating(addr, fixed))
        changed.release()
        firewall.apply()
        bucket = f"{P}fip-dnat-{index % 250 + 1:02x}"
        if f"-d {addr}/32 -j DNAT --to-destination {fixed}" not in kernel.rules(4, "nat", bucket):
            errors.append(addr)

    threads = [threading.Thread(target=associate, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # The first apply was held until every thread had changed the model:
    # the next single apply covered all the others.
    assert firewall.stats.applies - base == 2


def test_failed_apply_retries_as_full_converge(firewall: IptablesFirewall, kernel: FakeBackend) -> None:
    firewall.apply()
    kernel.fail_next = exception.ProcessExecutionError(cmd="x", exit_code=1, stderr="boom")
    firewall.ensure("fip", floating("172.24.4.7", "10.0.0.3"))
    firewall.apply()
    assert firewall.stats.failures == 1 and firewall.stats.full_syncs == 2
    assert kernel.rules(4, "nat", f"{P}fip-dnat-07") == ["-d 172.24.4.7/32 -j DNAT --to-destination 10.0.0.3"]


def test_persistent_failure_reaches_caller_and_heals_later(firewall: IptablesFirewall,
                                                          kernel: FakeBackend) -> None:
    firewall.apply()

    def refuse(family: int, text: str) -> None:
        raise exception.ProcessExecutionError(cmd="restore", exit_code=2, stderr="refused")

    kernel.on_restore = refuse
    firewall.ensure("fip", floating("172.24.4.7", "10.0.0.3"))
    with pytest.raises(exception.ProcessExecutionError, match="refused"):
        firewall.apply()
    kernel.on_restore = None
    firewall.apply()
    assert kernel.rules(4, "nat", f"{P}fip-dnat-07")


def test_follower_gets_a_typed_copy_of_the_leader_error(firewall: IptablesFirewall, kernel: FakeBackend) -> None:
    firewall.apply()
    entered, release = threading.Event(), threading.Event()

    def slow_refusal(family: int, text: str) -> None:
        entered.set()
        release.wait(10)
        raise exception.ProcessExecutionError(cmd="restore", exit_code=2, stderr="refused")

    kernel.on_restore = slow_refusal
    firewall.ensure("a", floating("172.24.4.1", "10.0.0.1"))
    outcome: dict[str, BaseException] = {}

    def leader() -> None:
        try:
            firewall.apply()
        except exception.NovanetError as exc:
            outcome["leader"] = exc

    thread = threading.Thread(target=leader)
    thread.start()
    entered.wait(10)
    follower_error: list[BaseException] = []

    def follower() -> None:
        try:
            firewall.apply()  # its change ("a") is covered by the failing round in flight
        except exception.NovanetError as exc:
            follower_error.append(exc)

    other = threading.Thread(target=follower)
    other.start()
    # the follower is parked on the firewall's condition, waiting for the round
    wait_until(lambda: len(firewall._cond._waiters) == 1)  # type: ignore[attr-defined]
    release.set()
    thread.join()
    other.join()
    assert isinstance(outcome["leader"], exception.ProcessExecutionError)
    assert len(follower_error) == 1 and isinstance(follower_error[0], exception.ProcessExecutionError)
    assert follower_error[0] is not outcome["leader"]
    # one round (an incremental attempt and its full-converge retry), not two
    assert firewall.stats.failures == 2  # a round led by the follower would make it 4


def test_restart_with_same_model_writes_nothing(kernel: FakeBackend) -> None:
    first = IptablesFirewall(kernel)
    first.ensure("fip", floating("172.24.4.7", "10.0.0.3"))
    first.apply()
    second = IptablesFirewall(kernel)
    second.ensure("fip", floating("172.24.4.7", "10.0.0.3"))
    second.apply()
    assert second.stats.restores == 0 and second.stats.saves == 1


def test_restart_removes_stale_wrapped_chains(kernel: FakeBackend) -> None:
    first = IptablesFirewall(kernel)
    first.ensure("old", (ChainSpec("filter", "old"), RuleSpec("filter", "INPUT", "-j $old")))
    first.apply()
    assert f"{P}old" in kernel.chains(4, "filter")
    second = IptablesFirewall(kernel)
    second.apply()
    assert f"{P}old" not in kernel.chains(4, "filter")
    assert kernel.rules(4, "filter", f"{P}INPUT") == []


def test_foreign_rules_survive_applies_and_restarts(kernel: FakeBackend) -> None:
    kernel.foreign(4, FOREIGN)
    before = foreign_lines(kernel)
    first = IptablesFirewall(kernel)
    for index in range(100):
        first.ensure(f"fip-{index}", floating(f"172.24.4.{index + 1}", f"10.0.0.{index + 1}"))
        first.apply()
    first.remove("fip-3")
    first.apply()
    second = IptablesFirewall(kernel)
    second.apply()
    assert foreign_lines(kernel) == before
    # foreign rules kept their relative order, ours sit on top, once
    assert kernel.rules(4, "filter", "FORWARD") == [
        "-j novanet-filter-top", f"-j {P}FORWARD", "-j DOCKER", "-s 10.9.9.0/24 -j ACCEPT"]


def test_top_regex_keeps_foreign_rule_above(kernel: FakeBackend) -> None:
    kernel.foreign(4, "*filter\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\nCOMMIT\n")
    firewall = IptablesFirewall(kernel, top_regex="DOCKER-USER")
    firewall.apply()
    assert kernel.rules(4, "filter", "FORWARD") == ["-j DOCKER-USER", "-j novanet-filter-top", f"-j {P}FORWARD"]


def test_ipv6_tables_applied_when_enabled(kernel: FakeBackend) -> None:
    firewall = IptablesFirewall(kernel, use_ipv6=True)
    firewall.ensure("md", builders.metadata_accept_rules(builders.RuleConfig(metadata_host="::1")))
    firewall.apply()
    assert kernel.rules(6, "filter", f"{P}INPUT") == ["-p tcp -m tcp --dport 8775 -m addrtype --dst-type LOCAL -j ACCEPT"]
    assert kernel.rules(6, "filter", "FORWARD") == ["-j novanet-filter-top", f"-j {P}FORWARD"]


def test_sync_rereads_and_is_idempotent(firewall: IptablesFirewall, kernel: FakeBackend) -> None:
    firewall.apply()
    firewall.sync()
    firewall.sync()
    assert firewall.stats.full_syncs == 3 and firewall.stats.restores == 1


def test_debug_mode_detects_tampering(kernel: FakeBackend) -> None:
    firewall = IptablesFirewall(kernel, debug=True)
    firewall.apply()
    kernel.foreign(4, f"*filter\n-A {P}INPUT -j DROP\nCOMMIT\n")
    firewall.ensure("fip", floating("172.24.4.7", "10.0.0.3"))
    with pytest.raises(exception.DriverError, match="did not converge"):
        firewall.apply()
    firewall.apply()  # the next apply converges
    assert kernel.rules(4, "filter", f"{P}INPUT") == []


def test_from_config_loads_backend_by_entry_point(tmp_path: object) -> None:
    conf = cfg.ConfigOpts()
    for module in novanet_conf.MODULES:
        module.register_opts(conf)
    conf([], project="novanet-test")
    conf.set_override("backend", "fake", group="iptables")
    conf.set_override("use_ipv6", True)
    firewall = IptablesFirewall.from_config(conf)
    assert isinstance(firewall.backend, FakeBackend) and firewall.use_ipv6
    conf.set_override("backend", "nope", group="iptables")
    with pytest.raises(exception.InvalidConfig, match="nope"):
        IptablesFirewall.from_config(conf)
