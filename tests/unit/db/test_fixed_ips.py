"""Fixed IPs on SQLite (db/fixed_ips.py): the one claim, and an instance's facts."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.db import api as db
from novanet.db import session
from novanet.db.fixed_ips import claim_fixed_ip
from tests.unit.db.helpers import mac, make_instance, make_network


def test_the_claim_takes_the_next_free_address_or_the_one_asked(sqlite_store: str) -> None:
    network = make_network()
    instance = make_instance()
    vif = db.virtual_interface_create(instance, network.id, mac(1), "vif-1")
    with session.core_writer() as conn:
        first = claim_fixed_ip(conn, network.id, 0, instance_uuid=instance, vif_id=vif.id)
        asked = claim_fixed_ip(conn, network.id, 0, instance_uuid=instance, vif_id=vif.id, address="10.0.0.9")
        host = claim_fixed_ip(conn, network.id, 0, host="host-a")
    assert (first.address, asked.address, host.address) == ("10.0.0.2", "10.0.0.9", "10.0.0.3")
    row = db.fixed_ip_get_by_address("10.0.0.9")
    assert (row.instance_uuid, row.virtual_interface_id, row.allocated) == (instance, vif.id, True)
    row = db.fixed_ip_get_by_address("10.0.0.3")
    assert (row.host, row.instance_uuid, row.allocated) == ("host-a", None, False)
    with session.core_writer() as conn, pytest.raises(exception.FixedIpAlreadyInUse):
        claim_fixed_ip(conn, network.id, 0, instance_uuid=instance, address="10.0.0.9")
    with session.core_writer() as conn, pytest.raises(exception.FixedIpNotFoundForNetwork):
        claim_fixed_ip(conn, network.id, 0, instance_uuid=instance, address="10.0.0.1")  # the gateway: reserved


def test_a_reserved_row_is_claimed_only_as_one(sqlite_store: str) -> None:
    network = make_network("10.0.0.0/28", vlan=True)
    instance = make_instance()
    vpn = network.vpn_private_address
    with pytest.raises(exception.FixedIpNotFoundForNetwork):
        db.fixed_ip_associate(vpn, instance, network.id)
    assert db.fixed_ip_associate(vpn, instance, network.id, reserved=True).instance_uuid == instance


def test_a_full_network(sqlite_store: str) -> None:
    network = make_network("10.0.0.0/30")  # network, gateway, one address, broadcast
    instance = make_instance()
    assert db.fixed_ip_associate_pool(network.id, instance).address == "10.0.0.2"
    with pytest.raises(exception.NoMoreFixedIps, match=network.uuid):
        db.fixed_ip_associate_pool(network.id, instance)


def test_instance_facts_group_addresses_and_floating_ips(sqlite_store: str) -> None:
    v4 = make_network()
    v6 = make_network(None, cidr_v6="fd00::/64")  # type: ignore[arg-type]
    instance = make_instance()
    vif4 = db.virtual_interface_create(instance, v4.id, mac(1), "vif-4")
    vif6 = db.virtual_interface_create(instance, v6.id, mac(2), "vif-6")
    a = db.fixed_ip_associate_pool(v4.id, instance, vif_id=vif4.id)
    b = db.fixed_ip_associate_pool(v4.id, instance, vif_id=vif4.id)
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", None)
    for floating in ("172.24.4.1", "172.24.4.2"):
        db.floating_ip_allocate_address("p1", "nova")
        db.floating_ip_fixed_ip_associate(floating, a.address, "host-a", "p1")
    facts = db.instance_facts(instance)
    assert [(f.vif.uuid, f.fixed.address if f.fixed else None, f.floating) for f in facts] == [
        ("vif-4", a.address, ("172.24.4.1", "172.24.4.2")), ("vif-4", b.address, ()), ("vif-6", None, ())]
    assert facts[2].network.cidr_v6 == "fd00::/64" and facts[0].network.id == v4.id
    assert vif6.network_id == v6.id and db.instance_facts(make_instance()) == []
