"""Loading a firewall backend by entry point, and how a refused restore is described."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.iptables import backend
from novanet.drivers.iptables.fake import FakeBackend


def test_create_backend_by_name() -> None:
    assert isinstance(backend.create_backend("fake"), FakeBackend)
    assert isinstance(backend.create_backend("fake"), backend.FirewallBackend)
    with pytest.raises(exception.InvalidConfig, match="not an installed"):
        backend.create_backend("no-such-backend")


def test_describe_restore_failure_without_line_number() -> None:
    assert backend.describe_restore_failure("x", "  some\nerror ") == "some error"


def test_describe_restore_failure_reported_at_commit() -> None:
    text = "*filter\n:w - [0:0]\n-A w -j X\n-A w -j ACCEPT\nCOMMIT\n"
    stderr = "iptables-nft-restore v1.8.9 (nf_tables): Chain 'X' does not exist\nError occurred at line: 5\n"
    assert "offending line 3: -A w -j X" in backend.describe_restore_failure(text, stderr)
