"""Operator actions behind novanet-manage (manager/admin.py)."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.db import api as db
from novanet.manager import admin
from novanet.manager.flat import FlatDHCPManager
from novanet.manager.networks import NetworkAdmin
from tests.unit.manager.helpers import ADMIN


def test_find_modify_and_usage(sqlite_store: str) -> None:
    (network,) = NetworkAdmin(FlatDHCPManager.create_rules()).create_networks(
        ADMIN, label="a", cidr="10.0.0.0/28", bridge="br-a")
    assert admin.find_network("10.0.0.0/28").id == network.id == admin.find_network(network.uuid).id
    with pytest.raises(exception.NotFound):
        admin.find_network("10.9.0.0/28")
    with pytest.raises(exception.InvalidInput):
        admin.modify_network(network.uuid, project="p1", disassociate_project=True)
    with pytest.raises(exception.InvalidInput):
        admin.modify_network(network.uuid, host=" ")
    changed = admin.modify_network(network.uuid, project="p1", host="host-a")
    assert (changed.project_id, changed.host) == ("p1", "host-a")
    assert admin.modify_network(network.uuid, disassociate_host=True).host is None
    usage = admin.network_usage(network)
    assert (usage.total, usage.reserved, usage.free, usage.in_use) == (16, 3, 13, 0)


def test_floating_ranges(sqlite_store: str) -> None:
    with pytest.raises(exception.InvalidInput):
        admin.create_floating("172.24.4.0/29", pool="x" * 256)
    with pytest.raises(exception.InvalidInput):
        admin.create_floating("172.24.4.0/29", interface="a-very-long-ifname")
    assert admin.create_floating("172.24.4.0/29", pool="nova", interface="eth0") == 6  # without the network and broadcast addresses
    assert len(admin.list_floating(pool="nova")) == 6
    assert admin.delete_floating("172.24.4.0/29") == 6
    with pytest.raises(exception.InvalidAddress):
        admin.reserve_fixed("10.0.0", True)
    assert db.floating_ip_get_all() == []
