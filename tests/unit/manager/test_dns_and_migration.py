"""DNS records, migrations and host set-up requests of the managers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.types import InstanceInfo
from novanet.context import RequestContext, get_admin_context
from tests.fixtures.peers import LocalPeers

ADMIN = get_admin_context()
USER = RequestContext(project_id="p1", user_id="u1")


@pytest.fixture
def db_dns() -> Iterator[None]:
    CONF.set_override("instance_dns_manager", "db")
    CONF.set_override("floating_ip_dns_manager", "db")
    CONF.set_override("instance_dns_domain", "novalocal.example")
    yield
    for name in ("instance_dns_manager", "floating_ip_dns_manager", "instance_dns_domain"):
        CONF.clear_override(name)


def test_floating_dns_entries(sqlite_store: str, db_dns: None) -> None:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    manager.dns.create_public_dns_domain(ADMIN, "public.example", "p1")
    manager.dns.add_dns_entry(ADMIN, "172.24.4.5", "Web", "A", "public.example")
    with pytest.raises(exception.FloatingIpDNSExists):
        manager.dns.add_dns_entry(ADMIN, "172.24.4.6", "web", "A", "public.example")
    with pytest.raises(exception.InvalidInput):
        manager.dns.add_dns_entry(ADMIN, "172.24.4.6", "mail", "MX", "public.example")
    assert manager.dns.get_dns_entries_by_name(ADMIN, "WEB", "public.example") == ["172.24.4.5"]
    manager.dns.modify_dns_entry(ADMIN, "172.24.4.9", "web", "public.example")
    assert manager.dns.get_dns_entries_by_address(ADMIN, "172.24.4.9", "public.example") == ["web"]
    assert [(d.domain, d.scope, d.project_id) for d in manager.dns.get_dns_domains(ADMIN)] == [
        ("public.example", "public", "p1")]
    manager.dns.delete_dns_entry(ADMIN, "web", "public.example")
    with pytest.raises(exception.NotFound):
        manager.dns.delete_dns_entry(ADMIN, "web", "public.example")
    manager.dns.delete_dns_domain(ADMIN, "public.example")
    assert manager.dns.get_dns_domains(ADMIN) == []


def test_instances_get_dns_names_in_their_zone(sqlite_store: str, db_dns: None) -> None:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN, label="n", cidr="10.0.0.0/28", bridge="br-n")
    manager.dns.create_private_dns_domain(ADMIN, "novalocal.example", "az1")
    inst = InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host="host-a", hostname="web",
                        display_name="web", availability_zone="az1")
    manager.allocate_for_instance(USER, inst, None, False, None, None)
    assert manager.dns.instance_dns.get_entries_by_name("web", "novalocal.example") == ["10.0.0.2"]
    assert manager.dns.instance_dns.get_entries_by_address("10.0.0.2", "novalocal.example") == sorted(["web", inst.uuid])
    manager.deallocate_for_instance(USER, inst)
    assert manager.dns.instance_dns.get_entries_by_address("10.0.0.2", "novalocal.example") == []
    # Another availability zone gets no record in this zone's domain.
    other = InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host="host-a", hostname="db",
                         display_name="db", availability_zone="az2")
    manager.allocate_for_instance(USER, other, None, False, None, None)
    assert manager.dns.instance_dns.get_entries_by_name("db", "novalocal.example") == []


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


def test_setup_networks_on_host_goes_where_the_network_is_served(sqlite_store: str) -> None:
    peers = LocalPeers()
    a = peers.add(FlatDHCPManager("host-a", driver=RecordingDriver()))
    b = peers.add(FlatDHCPManager("host-b", driver=RecordingDriver()))
    a.networks.create_networks(ADMIN, label="mh", cidr="10.0.0.0/28", bridge="br-mh", multi_host="T")
    inst = InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host="host-a", hostname="vm")
    a.allocate_for_instance(USER, inst, None, False, None, None)
    a.setup_networks_on_host(ADMIN, inst, None, "host-b", teardown=False)
    assert ("rpc_setup_network_on_host", "host-b") in peers.calls
    assert "br-mh" in b.plumbing.driver.networks  # type: ignore[attr-defined]
    with pytest.raises(exception.InvalidRequest):
        a.setup_networks_on_host(ADMIN, None, None, "host-b", teardown=False)
