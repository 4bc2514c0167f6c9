"""Loading the configured manager class by name (manager/loader.py)."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.manager.flat import FlatDHCPManager, FlatManager
from novanet.manager.loader import manager_class
from novanet.manager.vlan import VlanManager


def test_entry_points_name_the_three_managers() -> None:
    assert manager_class("flat") is FlatManager
    assert manager_class("flatdhcp") is FlatDHCPManager
    assert manager_class("vlan") is VlanManager
    with pytest.raises(exception.InvalidConfig, match="choose flat, flatdhcp or vlan"):
        manager_class("nova.network.manager.VlanManager")
