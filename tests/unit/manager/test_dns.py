"""DNS records (manager/dns.py): the DNS calls and instance names in their zone."""

from __future__ import annotations

import uuid

import pytest

from novanet import exception
from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.dns import DnsService, load
from novanet.manager.flat import FlatDHCPManager
from novanet.types import InstanceInfo
from tests.unit.manager.helpers import ADMIN, USER


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


def test_a_floating_address_loses_its_names_when_it_goes_back(sqlite_store: str, db_dns: None) -> None:
    dns = DnsService()
    for domain in ("a.example", "b.example"):
        dns.create_public_dns_domain(ADMIN, domain, "p1")
        dns.add_dns_entry(ADMIN, "172.24.4.5", "web", "A", domain)
    dns.add_dns_entry(ADMIN, "172.24.4.6", "db", "A", "a.example")
    dns.forget_floating_address("172.24.4.5")
    assert dns.get_dns_entries_by_address(ADMIN, "172.24.4.5", "a.example") == []
    assert dns.get_dns_entries_by_address(ADMIN, "172.24.4.5", "b.example") == []
    assert dns.get_dns_entries_by_name(ADMIN, "db", "a.example") == ["172.24.4.6"]


def test_domains_no_driver_knows_are_not_listed(sqlite_store: str) -> None:
    db.dns_domain_register("orphan.example", "public", project_id="p1")
    assert DnsService().get_dns_domains(ADMIN) == []  # the noop drivers know no domain
    assert not DnsService().instance_dns_allowed("az1")  # no instance_dns_domain


def test_dns_drivers_load_by_name() -> None:
    assert type(load("db")).__name__ == "DbDNS" and type(load("noop")).__name__ == "NoopDNS"
    with pytest.raises(exception.InvalidConfig, match="DNS driver 'minidns' is not an installed entry point.*use noop"):
        load("minidns")
