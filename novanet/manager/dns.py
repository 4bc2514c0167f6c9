"""DNS drivers for instance and floating-IP names (nova-network's DNS managers).

``noop`` (the default) keeps nothing; ``db`` keeps A records in the fact
store (nova-network's MiniDNS, but shared by every host and safe under
concurrency, which MiniDNS's flat file was not). Loaded by name from
``novanet.dns_drivers``.
"""

from __future__ import annotations

from typing import Any, Protocol

import netaddr
from stevedore import driver as stevedore_driver

from novanet import exception
from novanet.db import api as db


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
        mgr: Any = stevedore_driver.DriverManager("novanet.dns_drivers", name, invoke_on_load=True)
    except Exception as error:
        raise exception.InvalidConfig(reason=f"DNS driver {name!r} cannot be loaded: {error}; use noop or db")
    dns: DNSDriver = mgr.driver
    return dns
