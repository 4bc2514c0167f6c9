"""DHCP lease events on SQLite (db/leases.py): what each event did, as an enum."""

from __future__ import annotations

from novanet.db import api as db
from novanet.db.leases import LeaseOutcome
from tests.unit.db.helpers import mac, make_instance, make_network


def test_lease_and_release_outcomes(sqlite_store: str) -> None:
    network = make_network()
    instance = make_instance()
    vif = db.virtual_interface_create(instance, network.id, mac(1), "vif-1")
    address = db.fixed_ip_associate_pool(network.id, instance, vif_id=vif.id).address
    assert db.fixed_ip_lease("10.0.0.9", network.id, mac(1)) is LeaseOutcome.UNASSOCIATED
    assert db.fixed_ip_lease(address, network.id, mac(2)) is LeaseOutcome.FOREIGN
    assert db.fixed_ip_lease(address, network.id, mac(1).upper()) is LeaseOutcome.LEASED
    assert db.fixed_ip_get_by_address(address).leased
    assert db.fixed_ip_release(address, network.id, mac(2)) is LeaseOutcome.FOREIGN
    assert db.fixed_ip_release(address, network.id, mac(1)) is LeaseOutcome.RELEASED  # still allocated
    db.fixed_ip_lease(address, network.id, None)
    db.fixed_ip_deallocate(address, network.id, instance)
    assert db.fixed_ip_release(address, network.id, mac(1)) is LeaseOutcome.DISASSOCIATED
    assert db.fixed_ip_get_by_address(address).instance_uuid is None
    assert db.fixed_ip_release(address, network.id, mac(1)) is LeaseOutcome.UNASSOCIATED
    assert [o.value for o in LeaseOutcome] == ["leased", "released", "disassociated", "unassociated", "foreign"]
