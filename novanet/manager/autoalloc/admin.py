"""Operator actions of auto-allocation: subnet pools and egress profiles, checked, then stored.

Every bad value is refused with a typed error naming it before the store is
touched (the store re-checks what only it can: overlaps with other pools,
names taken, "one default" races).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import netaddr

from novanet import exception
from novanet.db import auto_allocation as store
from novanet.manager.autoalloc import plan

_IFNAME = re.compile(r"^[A-Za-z0-9_.\-]{1,15}$")
#: The longest prefix a built network may have: 4 addresses leave one for an instance.
MAX_PREFIXLEN = 29


def _name(kind: str, name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 255:
        raise exception.InvalidInput(reason=f"{kind} name must be 1 to 255 characters")
    return name


def parse_prefixes(prefixes: Sequence[str]) -> list[str]:
    """Canonical IPv4 prefixes, none overlapping another.

    :raises InvalidCidr, InvalidInput:
    """
    if not prefixes:
        raise exception.InvalidInput(reason="a subnet pool needs at least one --prefix")
    parsed: list[netaddr.IPNetwork] = []
    for text in prefixes:
        try:
            if "/" not in str(text):
                raise ValueError("no prefix length")
            network = netaddr.IPNetwork(str(text).strip())
        except (netaddr.AddrFormatError, ValueError, TypeError):
            raise exception.InvalidCidr(cidr=text)
        if network.version != 4:
            raise exception.InvalidInput(reason=f"--prefix {text}: only IPv4 subnet pools are supported")
        if network.ip != network.network:
            raise exception.InvalidInput(reason=f"--prefix {text} has host bits set; did you mean {network.cidr}?")
        for other in parsed:
            if network in other or other in network:
                raise exception.InvalidInput(reason=f"--prefix {text} overlaps --prefix {other}")
        parsed.append(network)
    return [str(p) for p in parsed]


def create_pool(name: str, prefixes: Sequence[str], default_prefixlen: int,
                is_default: bool = False) -> store.PoolRecord:
    """:raises InvalidInput, InvalidCidr, CidrConflict, Conflict:"""
    name = _name("subnet pool", name)
    cidrs = parse_prefixes(prefixes)
    smallest = min(netaddr.IPNetwork(c).prefixlen for c in cidrs)
    largest = max(netaddr.IPNetwork(c).prefixlen for c in cidrs)
    if isinstance(default_prefixlen, bool) or not isinstance(default_prefixlen, int):
        raise exception.InvalidInput(reason=f"--default-prefixlen must be an integer, not {default_prefixlen!r}")
    if not largest <= default_prefixlen <= MAX_PREFIXLEN:
        raise exception.InvalidInput(reason=(
            f"--default-prefixlen {default_prefixlen} must be between /{largest} (the smallest prefix) and "
            f"/{MAX_PREFIXLEN}"))
    del smallest
    return store.subnet_pool_create(name, cidrs, default_prefixlen, is_default)


def pool_free_count(pool: store.PoolRecord) -> int:
    """How many more networks of the pool's default length it holds."""
    return plan.free_block_count(pool.prefixes, pool.default_prefixlen, store.carving_facts().cidrs)


def create_egress(name: str, public_interface: str, snat_source: str, is_default: bool = False) -> store.EgressRecord:
    """:raises InvalidInput, InvalidAddress, Conflict:"""
    name = _name("egress", name)
    if not isinstance(public_interface, str) or not _IFNAME.match(public_interface):
        raise exception.InvalidInput(reason=(
            f"--public-interface {public_interface!r} is not an interface name (1 to 15 letters, digits, '_-.')"))
    try:
        address = netaddr.IPAddress(str(snat_source).strip(), flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise exception.InvalidAddress(address=f"{snat_source!r} (--snat-source)")
    if address.version != 4:
        raise exception.InvalidAddress(address=f"{snat_source} (--snat-source must be IPv4)")
    return store.egress_create(name, public_interface, str(address), is_default)
