"""ebtables isolation rules and the lock-contention retry (nova scenarios 71, 78)."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.linux_net import records as r
from novanet.drivers.linux_net.ebtables import Ebtables, dhcp_isolation_rules
from novanet.drivers.linux_net.fake import FakeBackend

LOCKED = "Multiple ebtables programs were executing simultaneously"


def scripted(*results: tuple[int, str]) -> tuple[FakeBackend, list[float]]:
    fake = FakeBackend()
    answers = list(results)

    def answer(argv: tuple[str, ...]) -> r.ToolResult:
        code, stderr = answers.pop(0) if answers else (0, "")
        return r.ToolResult(argv, code, stderr=stderr)

    fake.tool_handler = answer
    return fake, []


def test_isolation_rules_text() -> None:
    rules = [" ".join(rule.argv("-I")) for rule in dhcp_isolation_rules("vlan100", "10.0.0.1")]
    assert rules == [
        "ebtables --concurrent -t filter -I INPUT -p ARP -i vlan100 --arp-ip-dst 10.0.0.1 -j DROP",
        "ebtables --concurrent -t filter -I OUTPUT -p ARP -o vlan100 --arp-ip-src 10.0.0.1 -j DROP",
        "ebtables --concurrent -t filter -I FORWARD -p IPv4 -i vlan100 --ip-protocol udp "
        "--ip-destination-port 67:68 -j DROP",
        "ebtables --concurrent -t filter -I FORWARD -p IPv4 -o vlan100 --ip-protocol udp "
        "--ip-destination-port 67:68 -j DROP",
    ]


def test_ensure_deletes_then_inserts_each_rule() -> None:
    fake, _ = scripted()
    Ebtables(fake, None).ensure_rules(dhcp_isolation_rules("eth1", "10.0.0.1"))
    assert [argv[4] for argv in fake.tool_calls] == ["-D", "-I"] * 4
    fake.tool_calls.clear()
    Ebtables(fake, None).remove_rules(dhcp_isolation_rules("eth1", "10.0.0.1"))
    assert [argv[4] for argv in fake.tool_calls] == ["-D"] * 4


def test_success_runs_once() -> None:
    fake, sleeps = scripted((0, ""))
    Ebtables(fake, None, 3, 1.0, sleeps.append).run(("ebtables", "-L"))
    assert len(fake.tool_calls) == 1 and sleeps == []


def test_lock_error_every_time_raises_after_all_attempts() -> None:
    fake, sleeps = scripted((4, LOCKED), (4, LOCKED), (4, LOCKED), (0, ""))
    with pytest.raises(exception.ProcessExecutionError, match="Multiple ebtables"):
        Ebtables(fake, None, 3, 1.0, sleeps.append).run(("ebtables", "-L"))
    assert len(fake.tool_calls) == 3
    assert sleeps == [1.0, 2.0], "interval times the attempt number"


def test_other_error_is_not_retried() -> None:
    fake, sleeps = scripted((2, "Illegal target name"))
    with pytest.raises(exception.ProcessExecutionError):
        Ebtables(fake, None, 3, 1.0, sleeps.append).run(("ebtables", "-I", "X"))
    assert len(fake.tool_calls) == 1 and sleeps == []


def test_one_lock_error_then_success_runs_twice() -> None:
    fake, sleeps = scripted((4, LOCKED), (0, ""))
    Ebtables(fake, None, 3, 0.5, sleeps.append).run(("ebtables", "-L"))
    assert len(fake.tool_calls) == 2 and sleeps == [0.5]


def test_failed_delete_is_ignored() -> None:
    fake, _ = scripted((1, "Sorry, rule does not exist."), (0, ""))
    Ebtables(fake, None).ensure_rules(dhcp_isolation_rules("eth1", "10.0.0.1")[:1])
    assert len(fake.tool_calls) == 2
