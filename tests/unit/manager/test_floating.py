"""The FloatingIP mixin (manager/floating.py): allocation, ownership, quota, association, migration."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.types import InstanceInfo
from tests.fixtures.peers import LocalPeers
from tests.unit.manager.helpers import ADMIN, USER, instance


def test_floating_ip_life_and_ownership(flatdhcp: FlatDHCPManager) -> None:
    driver = flatdhcp.plumbing.driver
    assert isinstance(driver, RecordingDriver)
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", "eth0")
    inst = instance()
    flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
    address = flatdhcp.allocate_floating_ip(USER, "p1")
    with pytest.raises(exception.Forbidden):
        flatdhcp.allocate_floating_ip(USER, "p2")
    other = RequestContext(project_id="p2")
    with pytest.raises(exception.FloatingIpNotOwned):
        flatdhcp.associate_floating_ip(other, address, "10.0.0.2")
    assert flatdhcp.associate_floating_ip(USER, address, "10.0.0.2") is None
    assert driver.floating[address].fixed == "10.0.0.2"
    assert flatdhcp.nw_info.get_instance_nw_info(USER, inst.uuid).floating_ips() == [address]
    assert flatdhcp.queries.get_floating_ips_by_fixed_address(USER, "10.0.0.2") == [address]
    assert flatdhcp.queries.get_instance_id_by_floating_address(USER, address) == inst.uuid
    with pytest.raises(exception.FloatingIpAssociated):
        flatdhcp.deallocate_floating_ip(USER, address)
    flatdhcp.disassociate_floating_ip(USER, address)
    assert address not in driver.floating
    with pytest.raises(exception.FloatingIpNotAssociated):
        flatdhcp.disassociate_floating_ip(USER, address)
    flatdhcp.deallocate_floating_ip(USER, address)
    assert db.quota_usage("p1") == 0
    with pytest.raises(exception.FloatingIpNotFoundForAddress):
        flatdhcp.queries.get_floating_ip_by_address(USER, "172.99.9.9")


def test_floating_quota_and_plumbing_failure(flatdhcp: FlatDHCPManager, monkeypatch: pytest.MonkeyPatch) -> None:
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", None)
    CONF.set_override("quota_floating_ips", 1)
    try:
        address = flatdhcp.allocate_floating_ip(USER, "p1")
        with pytest.raises(exception.FloatingIpLimitExceeded):
            flatdhcp.allocate_floating_ip(USER, "p1")
    finally:
        CONF.clear_override("quota_floating_ips")
    flatdhcp.allocate_for_instance(USER, instance(), None, False, None, None)

    def broken(forward: Any) -> None:
        raise exception.NoFloatingIpInterface(interface="eth9")

    monkeypatch.setattr(flatdhcp.plumbing.driver, "add_floating_ip", broken)
    with pytest.raises(exception.NoFloatingIpInterface):
        flatdhcp.associate_floating_ip(USER, address, "10.0.0.2")
    assert db.floating_ip_get_by_address(address).fixed_ip_id is None


def test_auto_assigned_floating_ip(flatdhcp: FlatDHCPManager) -> None:
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", None)
    CONF.set_override("auto_assign_floating_ip", True)
    try:
        inst = instance()
        info = flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
        (floating,) = info.floating_ips()
        assert db.quota_usage("p1") == 0
        with pytest.raises(exception.CannotDisassociateAutoAssignedFloatingIP):
            flatdhcp.disassociate_floating_ip(USER, floating)
        flatdhcp.deallocate_for_instance(USER, inst)
        assert db.floating_ip_get_by_address(floating).project_id is None
    finally:
        CONF.clear_override("auto_assign_floating_ip")


def test_migration_moves_floating_ips_between_hosts(sqlite_store: str) -> None:
    peers = LocalPeers()
    a = peers.add(FlatDHCPManager("host-a", driver=RecordingDriver()))
    b = peers.add(FlatDHCPManager("host-b", driver=RecordingDriver()))
    a.networks.create_networks(ADMIN, label="mh", cidr="10.0.0.0/28", bridge="br-mh", multi_host="T")
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", "eth0")
    inst = InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host="host-a", hostname="vm")
    fixed = a.allocate_for_instance(USER, inst, None, False, None, None).fixed_ips()[0].address
    floating = a.allocate_floating_ip(USER, "p1")
    stale = a.allocate_floating_ip(USER, "p1")  # allocated, never associated: skipped
    a.associate_floating_ip(USER, floating, fixed)
    assert floating in a.plumbing.driver.floating  # type: ignore[attr-defined]
    a.migrate_instance_start(USER, inst.uuid, None, "p1", "host-a", "host-b", [floating, stale])
    assert floating not in a.plumbing.driver.floating and db.floating_ip_get_by_address(floating).host is None  # type: ignore
    b.migrate_instance_finish(USER, inst.uuid, None, "p1", "host-a", "host-b", [floating, stale])
    assert b.plumbing.driver.floating[floating].fixed == fixed  # type: ignore[attr-defined]
    assert db.floating_ip_get_by_address(floating).host == "host-b"
    assert stale not in b.plumbing.driver.floating  # type: ignore[attr-defined]
