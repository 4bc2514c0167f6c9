"""Detecting nft vs legacy iptables in a namespace with the real tools."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.iptables.backend import create_backend
from novanet.drivers.iptables.restore import RestoreBackend
from tests.fixtures.netns import Namespace
from tests.fixtures.services import require_tool
from tests.functional.drivers.iptables.conftest import require_iptc

pytestmark = pytest.mark.root


def add_rule(ns: Namespace, variant: str) -> None:
    require_tool(f"iptables-{variant}")
    ns.run([f"iptables-{variant}", "-w", "-A", "INPUT", "-s", "192.0.2.1", "-j", "ACCEPT"])


@pytest.mark.parametrize("variant", ["nft", "legacy"])
def test_the_variant_holding_rules_is_chosen(variant: str, netns: Namespace) -> None:
    add_rule(netns, variant)
    backend = RestoreBackend(netns.name)
    try:
        assert backend.variant == variant
    finally:
        backend.close()


def test_mixed_nft_and_legacy_is_refused(netns: Namespace) -> None:
    add_rule(netns, "nft")
    add_rule(netns, "legacy")
    with pytest.raises(exception.IptablesMixedBackends, match=f"'{netns.name}' has iptables rules in both"):
        RestoreBackend(netns.name)


def test_python_iptables_refuses_mixed_nft_and_legacy(netns: Namespace) -> None:
    require_iptc()
    add_rule(netns, "nft")
    add_rule(netns, "legacy")
    with pytest.raises(exception.IptablesMixedBackends):
        create_backend("python-iptables", namespace=netns.name)


def test_configured_variant_that_would_mix_is_refused(netns: Namespace) -> None:
    add_rule(netns, "legacy")
    with pytest.raises(exception.IptablesMixedBackends, match="variant is nft"):
        RestoreBackend(netns.name, variant="nft")


def test_python_iptables_refuses_an_nft_namespace(netns: Namespace) -> None:
    require_iptc()
    add_rule(netns, "nft")
    with pytest.raises(exception.InvalidConfig, match="legacy iptables only"):
        create_backend("python-iptables", namespace=netns.name)


def test_detection_does_not_create_legacy_tables(netns: Namespace) -> None:
    backend = RestoreBackend(netns.name)
    backend.close()
    names = netns.run(["cat", "/proc/net/ip_tables_names"], check=False).stdout
    assert names.strip() == ""


def test_missing_namespace_is_a_clear_error() -> None:
    with pytest.raises(exception.DriverError, match="does not exist"):
        RestoreBackend("nn-no-such-namespace")
