"""The iptables-restore backend's commands and failures, against a scripted host."""

from __future__ import annotations

import logging

import pytest

from novanet import exception
from novanet.drivers.iptables.restore import RestoreBackend
from tests.unit.drivers.iptables.fakehost import RULES, FakeHost


def test_restore_backend_commands() -> None:
    host = FakeHost(nft=RULES)
    restore = RestoreBackend(runner=host.run, read_proc=host.read_proc, xtables_wait=7)
    assert restore.variant == "nft"
    assert restore.save(4) == RULES
    restore.restore(6, "*filter\nCOMMIT\n")
    assert host.calls[-1] == (("ip6tables-nft-restore", "--noflush", "-w", "7"), "*filter\nCOMMIT\n")


def test_restore_failure_names_the_offending_line(caplog: pytest.LogCaptureFixture) -> None:
    host = FakeHost(legacy=RULES, legacy_tables="filter", restore_rc=2,
                    restore_err="iptables-restore v1.8.9 (legacy): Couldn't load target `nope'\n"
                                "Error occurred at line: 4\n")
    restore = RestoreBackend(runner=host.run, read_proc=host.read_proc)
    text = "*filter\n:w - [0:0]\n-A w -j ACCEPT\n-A w -j nope\n-A w -j DROP\nCOMMIT\n"
    with caplog.at_level(logging.ERROR), pytest.raises(exception.ProcessExecutionError) as info:
        restore.restore(4, text)
    assert "offending line 4: -A w -j nope" in str(info.value)
    assert "iptables-legacy-restore --noflush" in str(info.value)
    assert "offending line 4" in caplog.text
