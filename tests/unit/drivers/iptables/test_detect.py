"""Which iptables a namespace uses (nft or legacy), against a scripted host."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.iptables import detect
from tests.unit.drivers.iptables.fakehost import EMPTY, RULES, FakeHost


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
