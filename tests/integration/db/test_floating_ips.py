"""Floating-IP facts: pools, quota, association, on every backend."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.db import api as db
from tests.integration.db.helpers import make_instance, make_network, make_vif


def test_bulk_create_rules(store: str) -> None:
    assert db.floating_ip_bulk_create("172.24.4.0/29", "public", "eth0") == 6
    assert db.floating_ip_bulk_create("172.24.5.7", "public", None) == 1
    assert db.floating_ip_get_pools() == ["public"]
    with pytest.raises(exception.FloatingIpExists):
        db.floating_ip_bulk_create("172.24.4.0/30", "other", None)
    with pytest.raises(exception.InvalidInput, match="too small"):
        db.floating_ip_bulk_create("172.24.6.0/31", "p", None)
    with pytest.raises(exception.InvalidInput, match="too large"):
        db.floating_ip_bulk_create("10.0.0.0/12", "p", None)
    with pytest.raises(exception.InvalidInput):
        db.floating_ip_bulk_create("not-an-ip", "p", None)
    make_network("10.0.0.0/24")
    with pytest.raises(exception.CidrConflict):
        db.floating_ip_bulk_create("10.0.0.128/25", "p", None)
    assert len(db.floating_ip_get_all()) == 7


def test_allocate_respects_pool_and_quota(store: str) -> None:
    db.floating_ip_bulk_create("172.24.4.0/29", "public", None)
    with pytest.raises(exception.FloatingIpPoolNotFound):
        db.floating_ip_allocate_address("p1", "nope")
    got = [db.floating_ip_allocate_address("p1", "public", quota_limit=3).address for _ in range(3)]
    assert got == ["172.24.4.1", "172.24.4.2", "172.24.4.3"]
    with pytest.raises(exception.FloatingIpLimitExceeded):
        db.floating_ip_allocate_address("p1", "public", quota_limit=3)
    assert db.quota_usage("p1") == 3
    # Auto-assigned addresses are not charged.
    db.floating_ip_allocate_address("p1", "public", auto_assigned=True, quota_limit=3)
    assert db.quota_usage("p1") == 3
    db.floating_ip_allocate_address("p2", "public")
    db.floating_ip_allocate_address("p2", "public")
    with pytest.raises(exception.NoMoreFloatingIps):
        db.floating_ip_allocate_address("p3", "public")
    db.floating_ip_deallocate("172.24.4.1", "p1")
    assert db.quota_usage("p1") == 2
    assert db.floating_ip_allocate_address("p3", "public").address == "172.24.4.1"


def test_ownership_and_association(store: str) -> None:
    db.floating_ip_bulk_create("172.24.4.0/29", "public", None)
    network = make_network("10.0.0.0/28")
    instance = make_instance()
    vif = make_vif(instance, network)
    fixed = db.fixed_ip_associate_pool(network.id, instance, vif_id=vif.id)
    floating = db.floating_ip_allocate_address("p1", "public").address
    with pytest.raises(exception.FloatingIpNotOwned):
        db.floating_ip_fixed_ip_associate(floating, fixed.address, "host-a", "p2")
    with pytest.raises(exception.FixedIpNotFoundForAddress):
        db.floating_ip_fixed_ip_associate(floating, "10.0.0.14", "host-a", "p1")  # nobody's address
    row, fixed_row = db.floating_ip_fixed_ip_associate(floating, fixed.address, "host-a", "p1")
    assert row.fixed_ip_id == fixed_row.id and row.host == "host-a"
    assert [f.address for f in db.floating_ip_get_by_fixed_address(fixed.address)] == [floating]
    assert [(f.address, x.address) for f, x in db.floating_ip_forwards_for_host("host-a")] == [
        (floating, fixed.address)]
    with pytest.raises(exception.FloatingIpAssociated):
        db.floating_ip_deallocate(floating, "p1")
    before, old_fixed = db.floating_ip_disassociate(floating)
    assert before.fixed_ip_id == fixed_row.id and old_fixed is not None and old_fixed.address == fixed.address
    assert db.floating_ip_get_by_address(floating).fixed_ip_id is None
    with pytest.raises(exception.FloatingIpNotOwned):
        db.floating_ip_deallocate(floating, "p2")
    db.floating_ip_deallocate(floating, None)  # an admin may
    with pytest.raises(exception.FloatingIpNotFoundForAddress):
        db.floating_ip_get_by_address("172.99.0.1")


def test_bulk_destroy_returns_quota_and_refuses_associated(store: str) -> None:
    db.floating_ip_bulk_create("172.24.4.0/29", "public", None)
    db.floating_ip_allocate_address("p1", "public")
    network = make_network("10.0.0.0/28")
    instance = make_instance()
    fixed = db.fixed_ip_associate_pool(network.id, instance)
    floating = db.floating_ip_allocate_address("p1", "public").address
    db.floating_ip_fixed_ip_associate(floating, fixed.address, "h", "p1")
    with pytest.raises(exception.FloatingIpAssociated):
        db.floating_ip_bulk_destroy("172.24.4.0/29")
    assert len(db.floating_ip_get_all()) == 6
    db.floating_ip_disassociate(floating)
    assert db.floating_ip_bulk_destroy("172.24.4.0/29") == 6
    assert db.quota_usage("p1") == 0 and db.floating_ip_get_all() == []
    # The range can be created again after deletion (soft delete keeps uniqueness among live rows).
    assert db.floating_ip_bulk_create("172.24.4.0/29", "public", None) == 6
