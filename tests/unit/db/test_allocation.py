"""The allocation transaction on SQLite (db/allocation.py)."""

from __future__ import annotations

import uuid

import pytest

from novanet import exception
from novanet.db import allocation, session
from novanet.db import api as db
from tests.unit.db.helpers import mac, make_network

FIELDS = {"project_id": "p1", "host": "host-a", "hostname": "vm", "user_id": None, "launched_on": "host-a",
          "display_name": None, "availability_zone": None}


def allocate(network_id: int, instance_uuid: str, n: int, **kwargs: object) -> db.Allocation:
    return db.allocate_for_instance(network_id, instance_uuid, mac(n), str(uuid.uuid4()),  # type: ignore[arg-type]
                                    **kwargs)


def test_one_transaction_records_the_instance_its_vif_and_address(sqlite_store: str) -> None:
    network = make_network()
    instance = str(uuid.uuid4())
    first = allocate(network.id, instance, 1, instance=FIELDS)
    assert (first.address, first.new_instance, first.new_vif, first.reused, first.first_vif) == (
        "10.0.0.2", True, True, False, True)
    assert db.instance_get_by_uuid(instance).hostname == "vm"
    again = allocate(network.id, instance, 2, instance=FIELDS)  # a retried request
    assert (again.address, again.vif.address, again.reused, again.new_instance) == ("10.0.0.2", mac(1), True, False)
    more = allocate(network.id, instance, 3, reuse=False)  # multinic: another address on the same VIF
    assert (more.address, more.vif.id, more.new_vif) == ("10.0.0.3", first.vif.id, False)


def test_a_taken_mac_is_mac_address_in_use_and_leaves_nothing(sqlite_store: str) -> None:
    network = make_network()
    allocate(network.id, str(uuid.uuid4()), 1, instance=FIELDS)
    other = str(uuid.uuid4())
    with pytest.raises(exception.MacAddressInUse):
        allocate(network.id, other, 1, instance=FIELDS)
    with pytest.raises(exception.InstanceNotFound):
        db.instance_get_by_uuid(other)


def test_the_vpn_address_is_a_reserved_row(sqlite_store: str) -> None:
    network = make_network("10.0.0.0/28", vlan=True)
    vpn = allocate(network.id, str(uuid.uuid4()), 1, instance=FIELDS, address=network.vpn_private_address,
                   reserved=True)
    assert vpn.address == network.vpn_private_address
    with pytest.raises(exception.FixedIpAlreadyInUse):
        allocate(network.id, str(uuid.uuid4()), 2, instance=FIELDS, address=network.vpn_private_address,
                 reserved=True)


def test_losing_every_race_is_fixed_ip_associate_failed(sqlite_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    network = make_network()
    attempts: list[int] = []

    def lose(conn: object, network_id: int, attempt: int, **kwargs: object) -> None:
        attempts.append(attempt)
        raise session.RetryRequest()

    monkeypatch.setattr(allocation, "claim_fixed_ip", lose)
    instance = str(uuid.uuid4())
    with pytest.raises(exception.FixedIpAssociateFailed):
        allocate(network.id, instance, 1, instance=FIELDS, network_uuid=network.uuid)
    assert attempts == [0, 1, 2]  # [database] max_retries = 3 in these tests
    assert db.virtual_interface_get_by_instance(instance) == []  # every attempt rolled back
