"""Variant detection, the restore backend and the libiptc translation, with fakes."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from novanet import exception
from novanet.drivers.iptables import backend, detect, libiptc
from novanet.drivers.iptables.fake import FakeBackend
from novanet.drivers.iptables.privileged import Completed
from novanet.drivers.iptables.restore import RestoreBackend

EMPTY = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
RULES = "*filter\n:INPUT ACCEPT [0:0]\n:DOCKER - [0:0]\n-A INPUT -j DOCKER\nCOMMIT\n"


class FakeHost:
    """Answers the commands detection and the restore backend run."""

    def __init__(self, nft: str = "", legacy: str = "", legacy_tables: str = "", default: str = "nf_tables",
                 restore_rc: int = 0, restore_err: str = "") -> None:
        self.saves = {"nft": nft, "legacy": legacy}
        self.legacy_tables = legacy_tables
        self.default = default
        self.restore_rc, self.restore_err = restore_rc, restore_err
        self.calls: list[tuple[tuple[str, ...], str | None]] = []

    def run(self, argv: Sequence[str], stdin: str | None) -> Completed:
        self.calls.append((tuple(argv), stdin))
        tool = argv[0]
        if tool == "iptables" and argv[1:] == ["--version"]:
            return Completed(tuple(argv), 0, f"iptables v1.8.9 ({self.default})\n", "")
        if tool.endswith("-save"):
            variant = tool.split("-")[1]
            text = self.saves[variant] if tool.startswith("iptables-") else ""
            return Completed(tuple(argv), 0, text, "")
        if tool.endswith("-restore"):
            return Completed(tuple(argv), self.restore_rc, "", self.restore_err)
        return Completed(tuple(argv), 127, "", "not found")

    def read_proc(self, path: str) -> str | None:
        return self.legacy_tables if path.endswith("/ip_tables_names") else None


@pytest.mark.parametrize(("host", "configured", "expected"), [
    (FakeHost(), "auto", "nft"),
    (FakeHost(default="legacy"), "auto", "legacy"),
    (FakeHost(nft=RULES), "auto", "nft"),
    (FakeHost(legacy=RULES, legacy_tables="filter\n"), "auto", "legacy"),
    (FakeHost(legacy=EMPTY, legacy_tables="filter\n", nft=RULES), "auto", "nft"),
    (FakeHost(), "legacy", "legacy"),
    (FakeHost(nft=RULES), "nft", "nft"),
])
def test_detect_variant(host: FakeHost, configured: str, expected: str) -> None:
    assert detect.detect_variant(host.run, host.read_proc, configured) == expected


def test_detect_does_not_read_absent_legacy_tables() -> None:
    host = FakeHost(legacy=RULES, legacy_tables="")  # saving would instantiate them
    assert detect.detect_variant(host.run, host.read_proc) == "nft"
    assert not [argv for argv, _ in host.calls if "legacy" in argv[0]]


def test_detect_refuses_mixed_backends() -> None:
    host = FakeHost(nft=RULES, legacy=RULES, legacy_tables="filter\n")
    with pytest.raises(exception.IptablesMixedBackends, match="both the nf_tables .* and the legacy"):
        detect.detect_variant(host.run, host.read_proc, "auto", "nn-test")


def test_detect_refuses_configured_variant_that_would_mix() -> None:
    host = FakeHost(legacy=RULES, legacy_tables="filter\n")
    with pytest.raises(exception.IptablesMixedBackends, match="variant is nft"):
        detect.detect_variant(host.run, host.read_proc, "nft")
    with pytest.raises(exception.InvalidConfig):
        detect.detect_variant(host.run, host.read_proc, "bogus")


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


def test_describe_restore_failure_without_line_number() -> None:
    assert backend.describe_restore_failure("x", "  some\nerror ") == "some error"


def test_create_backend_by_name() -> None:
    assert isinstance(backend.create_backend("fake"), FakeBackend)
    assert isinstance(backend.create_backend("fake"), backend.FirewallBackend)
    with pytest.raises(exception.InvalidConfig, match="not an installed"):
        backend.create_backend("no-such-backend")


def test_libiptc_translation() -> None:
    text = ("*nat\n:novanet-network-x - [0:0]\n:PREROUTING ACCEPT [0:0]\n"
            "-A novanet-network-x -s 10.0.0.3 -j SNAT --to 1.2.3.4\n"
            "-I PREROUTING 2 -j novanet-network-x\n-D PREROUTING -j old\n-X old\nCOMMIT\n")
    (block,) = libiptc.translate(text, 4)
    assert block.table == "nat"
    assert [(op.verb, op.chain, op.position, op.policy) for op in block.ops] == [
        ("declare", "novanet-network-x", 1, "-"), ("declare", "PREROUTING", 1, "ACCEPT"),
        ("-A", "novanet-network-x", 1, "-"), ("-I", "PREROUTING", 2, "-"), ("-D", "PREROUTING", 1, "-"),
        ("-X", "old", 1, "-")]
    snat = block.ops[2].rule
    assert snat is not None and snat.render() == "-s 10.0.0.3/32 -j SNAT --to-source 1.2.3.4"


@pytest.mark.parametrize(("text", "message"), [
    ("*nat\n-A x -j LOG --log-prefix y\nCOMMIT\n", "line 2"),
    ("*nat\n-D x 3\nCOMMIT\n", "rule number"),
    ("*nat\n-R x 1 -j ACCEPT\nCOMMIT\n", "does not support"),
    ("-A x -j ACCEPT\n", "outside a table"),
    ("*nat\n-A x -j ACCEPT\n", "COMMIT expected"),
])
def test_libiptc_translation_refuses_unknown_vocabulary(text: str, message: str) -> None:
    with pytest.raises(exception.ProcessExecutionError, match=message):
        libiptc.translate(text, 4)


def test_describe_restore_failure_reported_at_commit() -> None:
    text = "*filter\n:w - [0:0]\n-A w -j X\n-A w -j ACCEPT\nCOMMIT\n"
    stderr = "iptables-nft-restore v1.8.9 (nf_tables): Chain 'X' does not exist\nError occurred at line: 5\n"
    assert "offending line 3: -A w -j X" in backend.describe_restore_failure(text, stderr)
