"""Fixed-IP facts on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa

from novanet import exception
from novanet.db import api as db
from novanet.db import models, session
from tests.integration.db.helpers import make_instance, make_network, make_vif


def test_create_writes_every_address_with_reservations(store: str) -> None:
    network = make_network("10.0.0.0/28", vlan=True)
    rows = db.fixed_ip_list(network_id=network.id)
    assert [r.address for r in rows] == [f"10.0.0.{i}" for i in range(16)]
    assert [r.address for r in rows if r.reserved] == ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.15"]
    assert (network.vlan, network.bridge, network.gateway, network.vpn_private_address, network.dhcp_start) == (
        100, "br100", "10.0.0.1", "10.0.0.2", "10.0.0.3")


def test_pool_hands_out_free_addresses_in_order_then_reports_exhaustion(store: str) -> None:
    network = make_network("10.0.0.0/29")  # .0 network, .1 gateway, .7 broadcast: 5 free
    instance = make_instance()
    got = [db.fixed_ip_associate_pool(network.id, instance).address for _ in range(5)]
    assert got == ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]
    with pytest.raises(exception.NoMoreFixedIps) as info:
        db.fixed_ip_associate_pool(network.id, instance)
    assert network.uuid in str(info.value)


def test_specific_address(store: str) -> None:
    network = make_network("10.0.0.0/28")
    a, b = make_instance(), make_instance()
    vif = make_vif(a, network)
    row = db.fixed_ip_associate("10.0.0.9", a, network.id, vif_id=vif.id)
    assert row.instance_uuid == a and row.allocated and row.virtual_interface_id == vif.id
    with pytest.raises(exception.FixedIpAlreadyInUse):
        db.fixed_ip_associate("10.0.0.9", b, network.id)
    with pytest.raises(exception.FixedIpNotFoundForNetwork):
        db.fixed_ip_associate("10.0.0.1", b, network.id)  # the gateway is reserved
    with pytest.raises(exception.FixedIpNotFoundForNetwork):
        db.fixed_ip_associate("10.9.9.9", b, network.id)


def test_released_address_is_reused_last(store: str) -> None:
    network = make_network("10.0.0.0/29")
    instance = make_instance()
    first = db.fixed_ip_associate_pool(network.id, instance).address
    db.fixed_ip_disassociate(first, network.id)
    assert db.fixed_ip_associate_pool(network.id, instance).address != first


def test_lease_and_release_follow_the_owner_mac(store: str) -> None:
    """A late DHCP event about a previous owner never touches the new one (bug 1249065)."""
    network = make_network("10.0.0.0/29")
    old_instance, new_instance = make_instance(), make_instance()
    old_vif = make_vif(old_instance, network, "fa:16:3e:00:00:01")
    address = db.fixed_ip_associate_pool(network.id, old_instance, vif_id=old_vif.id).address
    assert db.fixed_ip_lease(address, network.id, "fa:16:3e:00:00:01") is db.LeaseOutcome.LEASED

    # The old instance goes away: deallocated, still associated while leased.
    db.fixed_ip_deallocate(address, network.id, old_instance)
    assert not db.fixed_ip_disassociate(address, network.id, old_instance, only_if_unleased=True)
    with pytest.raises(exception.FixedIpAlreadyInUse):
        db.fixed_ip_associate(address, new_instance, network.id)
    assert db.fixed_ip_release(address, network.id, "fa:16:3e:00:00:01") is db.LeaseOutcome.DISASSOCIATED

    # The address goes to a new instance; a duplicate late release of the old MAC is ignored.
    new_vif = make_vif(new_instance, network, "fa:16:3e:00:00:02")
    db.fixed_ip_associate(address, new_instance, network.id, vif_id=new_vif.id)
    assert db.fixed_ip_release(address, network.id, "fa:16:3e:00:00:01") is db.LeaseOutcome.FOREIGN
    assert db.fixed_ip_lease(address, network.id, "fa:16:3e:00:00:01") is db.LeaseOutcome.FOREIGN
    row = db.fixed_ip_get_by_address(address)
    assert row.instance_uuid == new_instance and row.allocated and not row.leased
    assert db.fixed_ip_lease(address, network.id, "FA:16:3E:00:00:02") is db.LeaseOutcome.LEASED
    assert db.fixed_ip_release(address, network.id, "fa:16:3e:00:00:02") is db.LeaseOutcome.RELEASED
    assert db.fixed_ip_get_by_address(address).instance_uuid == new_instance


def test_timeout_frees_only_what_cannot_come_back(store: str) -> None:
    network = make_network("10.0.0.0/28")
    db.network_set_host(network.id, "host-a")
    instance = make_instance()
    unleased, leased, fresh = (db.fixed_ip_associate_pool(network.id, instance).address for _ in range(3))
    for address in (unleased, leased, fresh):
        db.fixed_ip_deallocate(address, network.id, instance)
    db.fixed_ip_lease(leased, network.id, None)
    long_ago = models.utcnow() - datetime.timedelta(hours=2)
    with session.writer() as s:
        s.execute(sa.update(models.FixedIp).where(models.FixedIp.address.in_([unleased, leased]))
                  .values(updated_at=long_ago))
    now = models.utcnow()
    # Released 10 minutes ago counts; a lease of 24 h may still be alive for `leased`.
    freed = db.fixed_ip_disassociate_all_by_timeout("host-a", now - datetime.timedelta(minutes=10),
                                                    now - datetime.timedelta(hours=24))
    assert freed == 1
    assert db.fixed_ip_get_by_address(unleased).instance_uuid is None
    assert db.fixed_ip_get_by_address(leased).instance_uuid == instance
    assert db.fixed_ip_get_by_address(fresh).instance_uuid == instance
    # Once the lease must have expired, it goes too; another host frees nothing.
    assert db.fixed_ip_disassociate_all_by_timeout("host-b", now, now) == 0
    assert db.fixed_ip_disassociate_all_by_timeout("host-a", now - datetime.timedelta(minutes=10),
                                                   now - datetime.timedelta(hours=1)) == 1


def test_reserve_and_unreserve(store: str) -> None:
    network = make_network("10.0.0.0/28")
    assert db.fixed_ip_set_reserved("10.0.0.5", True).reserved
    assert db.fixed_ip_count(network.id, free_only=True) == 12
    assert not db.fixed_ip_set_reserved("10.0.0.5", False).reserved
    for structural in ("10.0.0.0", "10.0.0.1", "10.0.0.15"):
        with pytest.raises(exception.FixedIpReservedForNetwork):
            db.fixed_ip_set_reserved(structural, False)
    with pytest.raises(exception.FixedIpNotFoundForAddress):
        db.fixed_ip_set_reserved("10.9.9.9", True)
    instance = make_instance()
    db.fixed_ip_associate("10.0.0.6", instance, network.id)
    with pytest.raises(exception.FixedIpAlreadyInUse):
        db.fixed_ip_set_reserved("10.0.0.6", True)


def test_host_entries_mark_the_first_vif(store: str) -> None:
    net_a, net_b = make_network("10.0.0.0/28"), make_network("10.0.1.0/28")
    instance = make_instance(hostname="web")
    vif_a, vif_b = make_vif(instance, net_a), make_vif(instance, net_b)
    db.fixed_ip_associate_pool(net_a.id, instance, vif_id=vif_a.id)
    db.fixed_ip_associate_pool(net_b.id, instance, vif_id=vif_b.id)
    (entry_a,) = db.network_host_entries(net_a.id)
    (entry_b,) = db.network_host_entries(net_b.id)
    assert entry_a.default_route and not entry_b.default_route
    assert entry_a.vif_address == vif_a.address and entry_a.hostname == "web"
    assert db.network_host_entries(net_a.id, host="elsewhere") == []


def test_per_host_address_of_multi_host_network(store: str) -> None:
    network = make_network("10.0.0.0/28", multi_host=True)
    row = db.fixed_ip_associate_pool(network.id, host="host-a")
    assert db.fixed_ip_get_by_network_host(network.id, "host-a").address == row.address
    assert db.network_get_all_by_host("host-a")[0].id == network.id
    assert db.fixed_ip_release_host_address(network.id, "host-a")
    assert db.fixed_ip_get_by_network_host(network.id, "host-a") is None


def test_vif_mac_is_unique(store: str) -> None:
    network = make_network()
    a, b = make_instance(), make_instance()
    make_vif(a, network, "fa:16:3e:aa:bb:cc")
    with pytest.raises(exception.MacAddressInUse):
        make_vif(b, network, "fa:16:3e:aa:bb:cc")
