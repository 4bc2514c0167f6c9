"""FlatManager (manager/flat.py): no DHCP, no floating IPs."""

from __future__ import annotations

from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatManager
from novanet.manager.queries import NoFloatingQueries
from tests.unit.manager.helpers import ADMIN, USER, instance


def test_flat_manager_has_no_dhcp_and_no_floating(sqlite_store: str) -> None:
    manager = FlatManager("host-a", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN, label="f", cidr="10.0.0.0/28", bridge="br-op")
    inst = instance()
    info = manager.allocate_for_instance(USER, inst, None, False, None, None)
    assert info[0].network.subnets[0].dhcp_server is None  # type: ignore[union-attr]
    assert manager.allocate_floating_ip(USER, "p1") is None
    manager.deallocate_for_instance(USER, inst)
    assert db.fixed_ip_get_by_address("10.0.0.2").instance_uuid is None
    assert manager.plumbing.driver.call_names() == []  # type: ignore[attr-defined]


def test_flat_manager_answers_floating_calls_with_nothing(sqlite_store: str) -> None:
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", None)
    manager = FlatManager("host-a", driver=RecordingDriver())
    assert manager.deallocate_floating_ip(USER, "172.24.4.1") is None
    assert manager.associate_floating_ip(USER, "172.24.4.1", "10.0.0.2") is None
    assert manager.disassociate_floating_ip(USER, "172.24.4.1") is None
    assert manager.migrate_instance_start(USER, "u", None, "p1", "a", "b", ["172.24.4.1"]) is None
    assert manager.migrate_instance_finish(USER, "u", None, "p1", "a", "b", ["172.24.4.1"]) is None
    assert isinstance(manager.queries, NoFloatingQueries)
    assert manager.queries.get_floating_ip_pools(USER) == []  # the pool exists; this manager has no floating IPs
    assert not hasattr(manager, "associate_floating_ip_local")  # host-local plumbing: refused by the endpoint
    assert all(f.project_id is None for f in db.floating_ip_get_all())
