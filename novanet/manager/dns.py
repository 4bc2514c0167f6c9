"""DNS: the drivers for instance and floating-IP names, and the DNS calls.

The drivers are nova-network's DNS managers: ``noop`` (the default) keeps
nothing; ``db`` keeps A records in the fact store (nova-network's MiniDNS,
but shared by every host and safe under concurrency, which MiniDNS's flat
file was not). They load by name from ``novanet.dns_drivers``
(``instance_dns_manager``, ``floating_ip_dns_manager``).

:class:`DnsService` is what a manager holds: the RPC's DNS calls (the
endpoint calls them directly: they need no decision of the manager's), the
instance records an allocation adds when its availability zone allows, and
the cleanup of a floating address's names.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import netaddr

from novanet import exception
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.db import api as db
from novanet.db.models import DnsDomain
from novanet.manager import specs
from novanet.manager.checks import check_address
from novanet.plugins import load_plugin
from novanet.types import InstanceInfo

LOG = logging.getLogger(__name__)


class DNSDriver(Protocol):
    def get_domains(self) -> list[str]: ...
    def create_entry(self, name: str, address: str, type_: str, domain: str) -> None: ...
    def delete_entry(self, name: str, domain: str) -> None: ...
    def modify_address(self, name: str, address: str, domain: str) -> None: ...
    def get_entries_by_address(self, address: str, domain: str) -> list[str]: ...
    def get_entries_by_name(self, name: str, domain: str) -> list[str]: ...
    def create_domain(self, domain: str) -> None: ...
    def delete_domain(self, domain: str) -> None: ...


class NoopDNS:
    """Keeps nothing and finds nothing."""

    def get_domains(self) -> list[str]:
        return []

    def create_entry(self, name: str, address: str, type_: str, domain: str) -> None:
        return None

    def delete_entry(self, name: str, domain: str) -> None:
        return None

    def modify_address(self, name: str, address: str, domain: str) -> None:
        return None

    def get_entries_by_address(self, address: str, domain: str) -> list[str]:
        return []

    def get_entries_by_name(self, name: str, domain: str) -> list[str]:
        return []

    def create_domain(self, domain: str) -> None:
        return None

    def delete_domain(self, domain: str) -> None:
        return None


class DbDNS:
    """A records in the fact store. Names are case-insensitive; only type A."""

    def get_domains(self) -> list[str]:
        return sorted({d.domain for d in db.dns_domain_get_all()} | set(db.dns_domains_with_entries()))

    def create_entry(self, name: str, address: str, type_: str, domain: str) -> None:
        if type_.upper() != "A":
            raise exception.InvalidInput(reason=f"DNS record type {type_} is not supported (only A)")
        try:
            if netaddr.IPAddress(address).version != 4:
                raise ValueError(address)
        except (netaddr.AddrFormatError, ValueError):
            raise exception.InvalidAddress(address=address)
        db.dns_entry_create(domain, name, address, "A")

    def delete_entry(self, name: str, domain: str) -> None:
        db.dns_entry_delete(domain, name)

    def modify_address(self, name: str, address: str, domain: str) -> None:
        db.dns_entry_modify(domain, name, address)

    def get_entries_by_address(self, address: str, domain: str) -> list[str]:
        return db.dns_entries_by_address(domain, address)

    def get_entries_by_name(self, name: str, domain: str) -> list[str]:
        return db.dns_entries_by_name(domain, name)

    def create_domain(self, domain: str) -> None:
        return None  # domains are registered by the manager in dns_domains

    def delete_domain(self, domain: str) -> None:
        return None


def load(name: str) -> DNSDriver:
    """:raises InvalidConfig: unknown driver name."""
    try:
        driver: DNSDriver = load_plugin("novanet.dns_drivers", name, "DNS driver")()
    except exception.InvalidConfig as error:
        raise exception.InvalidConfig(reason=f"{error.kwargs['reason']}; use noop or db") from error
    return driver


class DnsService:
    """The DNS calls and instance records of one manager.

    :param instance_dns: the driver of instance names (default: ``instance_dns_manager``).
    :param floating_dns: the driver of floating-IP names (default: ``floating_ip_dns_manager``).
    """

    def __init__(self, instance_dns: DNSDriver | None = None, floating_dns: DNSDriver | None = None) -> None:
        self.instance_dns = instance_dns or load(CONF.instance_dns_manager)
        self.floating_dns = floating_dns or load(CONF.floating_ip_dns_manager)

    # -- the RPC calls ------------------------------------------------------------

    def get_dns_domains(self, context: RequestContext) -> list[DnsDomain]:
        """The registered domains some DNS driver knows."""
        known = set(self.instance_dns.get_domains()) | set(self.floating_dns.get_domains())
        domains = []
        for row in db.dns_domain_get_all():
            if row.domain not in known:
                LOG.warning("DNS domain %s is registered but no DNS driver knows it", row.domain)
                continue
            domains.append(row)
        return domains

    def add_dns_entry(self, context: RequestContext, address: str, name: str, dns_type: str, domain: str) -> None:
        self.floating_dns.create_entry(str(name), check_address(address), str(dns_type), str(domain))

    def modify_dns_entry(self, context: RequestContext, address: str, name: str, domain: str) -> None:
        self.floating_dns.modify_address(str(name), check_address(address), str(domain))

    def delete_dns_entry(self, context: RequestContext, name: str, domain: str) -> None:
        self.floating_dns.delete_entry(str(name), str(domain))

    def delete_dns_domain(self, context: RequestContext, domain: str) -> None:
        db.dns_domain_unregister(str(domain))
        self.floating_dns.delete_domain(str(domain))

    def get_dns_entries_by_address(self, context: RequestContext, address: str, domain: str) -> list[str]:
        return self.floating_dns.get_entries_by_address(check_address(address), str(domain))

    def get_dns_entries_by_name(self, context: RequestContext, name: str, domain: str) -> list[str]:
        return self.floating_dns.get_entries_by_name(str(name), str(domain))

    def create_private_dns_domain(self, context: RequestContext, domain: str, av_zone: str | None) -> None:
        db.dns_domain_register(str(domain), "private", availability_zone=av_zone)
        self.instance_dns.create_domain(str(domain))

    def create_public_dns_domain(self, context: RequestContext, domain: str, project: str | None) -> None:
        db.dns_domain_register(str(domain), "public", project_id=project)
        self.floating_dns.create_domain(str(domain))

    # -- what allocations and floating IPs do ------------------------------------------

    def instance_dns_allowed(self, availability_zone: str | None) -> bool:
        """nova-network's zone check for automatic instance records."""
        domain = CONF.instance_dns_domain
        if not domain:
            return False
        row = db.dns_domain_get(domain)
        if row is None or row.scope != "private" or not row.availability_zone:
            return True
        return row.availability_zone == availability_zone

    def add_instance_entries(self, instance: InstanceInfo, address: str) -> None:
        """A records for the instance's display name and uuid, where its zone allows."""
        if not self.instance_dns_allowed(instance.availability_zone):
            return
        for name in filter(None, (instance.display_name, instance.uuid)):
            try:
                self.instance_dns.create_entry(specs.hostname_for(name, address), address, "A",
                                               CONF.instance_dns_domain)
            except exception.FloatingIpDNSExists:
                LOG.warning("DNS name %s exists already in %s", name, CONF.instance_dns_domain)

    def delete_instance_entries(self, instance: Any, address: str) -> None:
        """Remove what :meth:`add_instance_entries` added (``instance``: an InstanceInfo or a row)."""
        if not self.instance_dns_allowed(instance.availability_zone):
            return
        for name in filter(None, (instance.display_name, instance.uuid)):
            try:
                self.instance_dns.delete_entry(specs.hostname_for(name, address), CONF.instance_dns_domain)
            except exception.NotFound:
                pass

    def forget_floating_address(self, address: str) -> None:
        """Every name any domain gives ``address`` (its floating IP is going back to the pool)."""
        for domain in self.floating_dns.get_domains():
            for name in self.floating_dns.get_entries_by_address(address, domain):
                self.floating_dns.delete_entry(name, domain)
