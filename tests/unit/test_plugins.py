"""Loading plugins by entry point: what comes back, and the errors for a bad name."""

from __future__ import annotations

import sys

import pytest

from novanet import exception
from novanet.drivers.iptables.fake import FakeBackend
from novanet.plugins import load_plugin


def test_the_entry_point_comes_back_uncalled() -> None:
    assert load_plugin("novanet.firewall_backends", "fake", "[iptables] backend") is FakeBackend


def test_an_unknown_name_names_the_option_and_the_group() -> None:
    with pytest.raises(exception.InvalidConfig,
                       match=r"\[iptables\] backend 'nope' is not an installed entry point in novanet.firewall_backends"):
        load_plugin("novanet.firewall_backends", "nope", "[iptables] backend")


def test_a_plugin_that_cannot_be_imported_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "novanet.drivers.linux_net.segments.vxlan", raising=False)
    monkeypatch.setitem(sys.modules, "novanet.drivers.linux_net.segments.vxlan", None)  # import now fails
    with pytest.raises(exception.InvalidConfig, match=r"segment_driver 'vxlan' cannot be loaded: .*vxlan"):
        load_plugin("novanet.segment_drivers", "vxlan", "[linux_net] segment_driver")
