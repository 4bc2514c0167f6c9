"""DNS domains and the records of the ``db`` DNS driver."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import exc, select

from novanet import exception
from novanet.db.models import DnsDomain, DnsEntry
from novanet.db.session import reader, writer


def dns_domain_register(domain: str, scope: str, availability_zone: str | None = None,
                        project_id: str | None = None) -> DnsDomain:
    """Record a domain (``private`` with an AZ, or ``public`` with a project)."""
    with writer() as session:
        row = session.get(DnsDomain, domain)
        if row is None:
            row = DnsDomain(domain=domain)
            session.add(row)
        row.scope, row.availability_zone, row.project_id, row.deleted = scope, availability_zone, project_id, False
        return row


def dns_domain_get(domain: str) -> DnsDomain | None:
    with reader() as session:
        row = session.get(DnsDomain, domain)
    return row if row is not None and not row.deleted else None


def dns_domain_get_all() -> list[DnsDomain]:
    with reader() as session:
        return list(session.scalars(select(DnsDomain).where(DnsDomain.deleted.is_(False)).order_by(DnsDomain.domain)))


def dns_domain_unregister(domain: str) -> None:
    """Forget a domain and its records."""
    with writer() as session:
        row = session.get(DnsDomain, domain)
        if row is None or row.deleted:
            raise exception.NotFound(reason=f"DNS domain {domain} does not exist")
        row.deleted = True
        session.execute(sa.delete(DnsEntry).where(DnsEntry.domain == domain))


def dns_entry_create(domain: str, name: str, address: str, type_: str = "A") -> None:
    """:raises FloatingIpDNSExists: the name exists in the domain."""
    try:
        with writer() as session:
            session.add(DnsEntry(domain=domain, name=name.lower(), address=address, type=type_))
            session.flush()
    except exc.IntegrityError:
        raise exception.FloatingIpDNSExists(name=name, domain=domain)


def dns_entry_delete(domain: str, name: str) -> None:
    """:raises NotFound: no such record."""
    with writer() as session:
        result = session.execute(sa.delete(DnsEntry).where(DnsEntry.domain == domain,
                                                           DnsEntry.name == name.lower()))
        if not getattr(result, "rowcount", 0):
            raise exception.NotFound(reason=f"DNS entry {name} not found in {domain}")


def dns_entry_modify(domain: str, name: str, address: str) -> None:
    """:raises NotFound: no such record."""
    with writer() as session:
        row = session.scalars(select(DnsEntry).where(DnsEntry.domain == domain,
                                                     DnsEntry.name == name.lower())).first()
        if row is None:
            raise exception.NotFound(reason=f"DNS entry {name} not found in {domain}")
        row.address = address


def dns_entries_by_address(domain: str, address: str) -> list[str]:
    with reader() as session:
        return list(session.scalars(select(DnsEntry.name).where(
            DnsEntry.domain == domain, DnsEntry.address == address).order_by(DnsEntry.name)))


def dns_entries_by_name(domain: str, name: str) -> list[str]:
    with reader() as session:
        return list(session.scalars(select(DnsEntry.address).where(
            DnsEntry.domain == domain, DnsEntry.name == name.lower())))


def dns_domains_with_entries() -> list[str]:
    with reader() as session:
        return list(session.scalars(select(DnsEntry.domain).distinct().order_by(DnsEntry.domain)))
