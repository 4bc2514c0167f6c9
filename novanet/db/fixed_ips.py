"""Fact operations on fixed IPs: allocation, leases, release and timeouts.

Theory of operation
-------------------
A fixed IP moves through these states (columns in brackets)::

    free ──associate──▶ associated+allocated ──deallocate──▶ associated only
    [instance NULL]      [instance, vif, allocated]           [allocated=False]
      ▲                        │ lease/release (dnsmasq)           │
      └──── disassociate ◀─────┴───────────── release / timeout ◀──┘

* **Allocation** (:func:`claim_fixed_ip`, the one claim every allocation
  writes: ``fixed_ip_associate_pool``, ``fixed_ip_associate`` and the
  allocation transaction of :mod:`novanet.db.allocation`) reads the least
  recently touched free rows through the ``ix_fixed_ips_free`` index (so its
  cost does not grow with how full the network is) and claims one with a
  compare-and-swap ``UPDATE ... WHERE <still free>``. The first attempt takes
  the first candidate (allocation is predictable: .3, .4, ...); after losing a
  race it picks at random among the next few to step away from competitors.
* **A released address is never handed out while its old lease can come
  back** (nova-network's bug 1249065). Deallocation keeps the row associated
  (and keeps its VIF) until dnsmasq reports the release, until the explicit
  post-release check sees it unleased, or until the timeout task finds that
  the lease cannot be alive any more. Lease and release events carry the MAC
  and are ignored unless it is the MAC of the VIF that holds the row now, so a
  late event about the previous owner cannot touch the new one.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select, update

from novanet import exception
from novanet.db.models import FREE_FIXED_IP, FixedIp, Instance, Network, VirtualInterface, utcnow
from novanet.db.session import (
    ClaimQuery,
    RetryRequest,
    by_primary_key,
    claim_candidates,
    core_reader,
    reader,
    retried,
    rows_changed,
    writer,
)

#: How many free rows an allocator looks at; a loser of a race picks among them.
CANDIDATES = 8


@dataclasses.dataclass(frozen=True)
class FixedIpListing:
    """A row of ``novanet-manage fixed list``."""

    network_cidr: str | None
    address: str
    reserved: bool
    allocated: bool
    leased: bool
    instance_uuid: str | None
    hostname: str | None
    host: str | None


def _free(query: Any) -> Any:
    return query.where(
        FixedIp.deleted == 0,
        FixedIp.reserved.is_(False),
        FixedIp.leased.is_(False),
        FixedIp.instance_uuid.is_(None),
        FixedIp.host.is_(None),
    )


def _network_label(conn: Any, network_id: int) -> str:
    row = conn.execute(select(Network.uuid, Network.cidr).where(Network.id == network_id)).first()
    return f"{row.uuid} ({row.cidr})" if row else str(network_id)


def _associate_failed(network_id: int) -> exception.NovanetError:
    with reader() as session:
        return exception.FixedIpAssociateFailed(net=_network_label(session, network_id))


# -- the claim ---------------------------------------------------------------------

_FIXED: sa.Table = FixedIp.__table__  # type: ignore[assignment]

# NOTE(sqlite): a partial index is used only when the query repeats its
# predicate term for term, so the candidates use the very text of the
# index's WHERE clause (FREE_FIXED_IP).
# NOTE(performance): the statements are built once; building a Core statement
# costs about five times what executing a prebuilt one does (0.1 ms against
# 0.02 ms, measured on SQLite), and every allocation runs them.
_SELECT_FREE = ClaimQuery(sa.select(_FIXED.c.id, _FIXED.c.address)
                          .where(_FIXED.c.network_id == sa.bindparam("network_id"), FREE_FIXED_IP)
                          .order_by(_FIXED.c.updated_at, _FIXED.c.id), CANDIDATES)
_SELECT_ADDRESS = sa.select(_FIXED.c.id, _FIXED.c.address, _FIXED.c.instance_uuid, _FIXED.c.host,
                            _FIXED.c.leased).where(
    _FIXED.c.network_id == sa.bindparam("network_id"), _FIXED.c.address == sa.bindparam("address"),
    _FIXED.c.deleted == 0, _FIXED.c.reserved == sa.bindparam("is_reserved"))
_CLAIM = (by_primary_key(sa.update(_FIXED))
          .where(_FIXED.c.id == sa.bindparam("fixed_id"), _FIXED.c.deleted == 0, _FIXED.c.instance_uuid.is_(None),
                 _FIXED.c.host.is_(None), _FIXED.c.leased.is_(False),
                 _FIXED.c.reserved == sa.bindparam("is_reserved"))
          .values(instance_uuid=sa.bindparam("owner_uuid"), host=sa.bindparam("owner_host"),
                  virtual_interface_id=sa.bindparam("vif_id"), allocated=sa.bindparam("is_allocated"),
                  updated_at=sa.bindparam("now")))


@dataclasses.dataclass(frozen=True)
class Claimed:
    id: int
    address: str


def claim_fixed_ip(conn: sa.Connection, network_id: int, attempt: int, *, instance_uuid: str | None = None,
                   host: str | None = None, vif_id: int | None = None, address: str | None = None,
                   reserved: bool = False, network_uuid: str | None = None) -> Claimed:
    """Claim an address of the network, in the caller's transaction: the one every allocation writes.

    :param attempt: the caller's retry count; the first attempt takes the
        first candidate, a later one a random one of the next few.
    :param address: this address (a row with ``reserved`` as given: the VPN
        address is a reserved row); None: the least recently used free one.
    :param vif_id: the VIF that holds it (the address is then allocated).
    :raises NoMoreFixedIps, FixedIpNotFoundForNetwork, FixedIpAlreadyInUse.
    :raises RetryRequest: a concurrent transaction took it first.
    """
    if address is None:
        candidates = claim_candidates(conn, _SELECT_FREE, CANDIDATES, {"network_id": network_id})
        if not candidates:
            raise exception.NoMoreFixedIps(net=_network_label(conn, network_id))
        chosen = candidates[0] if attempt == 0 else random.choice(candidates)
    else:
        row = conn.execute(_SELECT_ADDRESS, {"network_id": network_id, "address": address,
                                             "is_reserved": reserved}).first()
        if row is None:
            raise exception.FixedIpNotFoundForNetwork(address=address, network_uuid=network_uuid or network_id)
        if row.instance_uuid is not None or row.host is not None or row.leased:
            raise exception.FixedIpAlreadyInUse(address=address, instance_uuid=row.instance_uuid or row.host)
        chosen = row
    result = conn.execute(_CLAIM, {"fixed_id": chosen.id, "owner_uuid": instance_uuid, "owner_host": host,
                                   "vif_id": vif_id, "is_allocated": vif_id is not None,
                                   "is_reserved": address is not None and reserved, "now": utcnow()})
    if rows_changed(result) != 1:
        raise RetryRequest()
    return Claimed(chosen.id, chosen.address)


def fixed_ip_associate_pool(network_id: int, instance_uuid: str | None = None, host: str | None = None,
                            vif_id: int | None = None) -> FixedIp:
    """Claim a free address of the network for an instance (or a host).

    :raises NoMoreFixedIps: the network has no free address.
    :raises FixedIpAssociateFailed: every attempt lost a race.
    """

    def attempt(number: int) -> FixedIp:
        with writer() as session:
            claimed = claim_fixed_ip(session.connection(), network_id, number, instance_uuid=instance_uuid,
                                     host=host, vif_id=vif_id)
            return session.get_one(FixedIp, claimed.id)

    return retried(attempt, lambda: _associate_failed(network_id))


def fixed_ip_associate(address: str, instance_uuid: str, network_id: int, reserved: bool = False,
                       vif_id: int | None = None, network_uuid: str | None = None) -> FixedIp:
    """Claim a specific address of a network for an instance.

    ``reserved`` must match the row (the VPN address is a reserved row).

    :raises FixedIpNotFoundForNetwork: the address is not a (suitable) row of the network.
    :raises FixedIpAlreadyInUse: it belongs to an instance already.
    """

    def attempt(number: int) -> FixedIp:
        with writer() as session:
            claimed = claim_fixed_ip(session.connection(), network_id, number, instance_uuid=instance_uuid,
                                     vif_id=vif_id, address=address, reserved=reserved, network_uuid=network_uuid)
            return session.get_one(FixedIp, claimed.id)

    return retried(attempt, lambda: _associate_failed(network_id))


def fixed_ip_get_by_address(address: str, network_id: int | None = None) -> FixedIp:
    """The live row of ``address`` (in ``network_id`` when given).

    :raises FixedIpNotFoundForAddress: there is none.
    """
    query = select(FixedIp).where(FixedIp.address == address, FixedIp.deleted == 0)
    if network_id is not None:
        query = query.where(FixedIp.network_id == network_id)
    with reader() as session:
        row = session.scalars(query.order_by(FixedIp.id)).first()
    if row is None:
        raise exception.FixedIpNotFoundForAddress(address=address)
    return row


def fixed_ip_get_by_instance(instance_uuid: str) -> list[FixedIp]:
    """The instance's addresses, ordered by VIF creation then id (may be empty)."""
    query = (
        select(FixedIp)
        .outerjoin(VirtualInterface, VirtualInterface.id == FixedIp.virtual_interface_id)
        .where(FixedIp.instance_uuid == instance_uuid, FixedIp.deleted == 0)
        .order_by(VirtualInterface.id, FixedIp.id)
    )
    with reader() as session:
        return list(session.scalars(query))


def fixed_ip_get_by_network_host(network_id: int, host: str) -> FixedIp | None:
    """The per-host DHCP/gateway address of a multi_host network, if claimed."""
    with reader() as session:
        return session.scalars(
            select(FixedIp).where(FixedIp.network_id == network_id, FixedIp.host == host, FixedIp.deleted == 0)
        ).first()


def fixed_ip_deallocate(address: str, network_id: int, instance_uuid: str) -> FixedIp | None:
    """Mark the instance's address unallocated; it stays associated (see module doc)."""
    with writer() as session:
        row = session.scalars(
            select(FixedIp).where(
                FixedIp.network_id == network_id,
                FixedIp.address == address,
                FixedIp.instance_uuid == instance_uuid,
                FixedIp.deleted == 0,
            )
        ).first()
        if row is None:
            return None
        row.allocated = False
        row.updated_at = utcnow()
        return row


def fixed_ip_disassociate(address: str, network_id: int, instance_uuid: str | None = None,
                          only_if_unleased: bool = False) -> bool:
    """Free the address (of ``instance_uuid`` when given). Returns whether it did.

    :param only_if_unleased: leave it alone if dnsmasq still holds a lease.
    """
    query = update(FixedIp).where(
        FixedIp.network_id == network_id, FixedIp.address == address, FixedIp.deleted == 0
    )
    if instance_uuid is not None:
        query = query.where(FixedIp.instance_uuid == instance_uuid, FixedIp.allocated.is_(False))
    if only_if_unleased:
        query = query.where(FixedIp.leased.is_(False))
    with writer() as session:
        result = session.execute(
            query.values(instance_uuid=None, virtual_interface_id=None, allocated=False, updated_at=utcnow())
        )
        return bool(rows_changed(result))


def fixed_ip_release_host_address(network_id: int, host: str) -> bool:
    """Free a multi_host network's per-host address of ``host``."""
    with writer() as session:
        result = session.execute(
            update(FixedIp)
            .where(FixedIp.network_id == network_id, FixedIp.host == host, FixedIp.deleted == 0)
            .values(host=None, allocated=False, updated_at=utcnow())
        )
        return bool(rows_changed(result))










def fixed_ip_set_reserved(address: str, reserved: bool) -> FixedIp:
    """Reserve or unreserve an address for operators.

    :raises FixedIpNotFoundForAddress: unknown address.
    :raises FixedIpAlreadyInUse: reserving an address an instance holds.
    :raises FixedIpReservedForNetwork: unreserving the network, broadcast,
        gateway, DHCP or VPN address of its network.
    """
    with writer() as session:
        row = session.scalars(
            select(FixedIp).where(FixedIp.address == address, FixedIp.deleted == 0).order_by(FixedIp.id)
        ).first()
        if row is None:
            raise exception.FixedIpNotFoundForAddress(address=address)
        network = session.get_one(Network, row.network_id)
        if reserved and (row.instance_uuid is not None or row.host is not None):
            raise exception.FixedIpAlreadyInUse(address=address, instance_uuid=row.instance_uuid or row.host)
        if not reserved:
            roles = _structural_roles(network)
            if address in roles:
                raise exception.FixedIpReservedForNetwork(address=address, role=roles[address],
                                                          network=network.uuid)
        row.reserved = reserved
        row.updated_at = utcnow()
        return row


def _structural_roles(network: Network) -> dict[str, str]:
    import netaddr

    roles: dict[str, str] = {}
    if network.cidr:
        cidr = netaddr.IPNetwork(network.cidr)
        roles[str(cidr.network)] = "network address"
        if cidr.broadcast is not None:
            roles[str(cidr.broadcast)] = "broadcast address"
    for attr, role in (("gateway", "gateway"), ("dhcp_server", "DHCP server"),
                       ("vpn_private_address", "VPN address")):
        value = getattr(network, attr)
        if value:
            roles.setdefault(value, role)
    return roles




def fixed_ip_list(host: str | None = None, network_id: int | None = None) -> list[FixedIpListing]:
    """Every live fixed IP of live networks, with its instance, for operators."""
    query = (
        select(FixedIp, Network.cidr, Instance.hostname, Instance.host)
        .join(Network, sa.and_(Network.id == FixedIp.network_id, Network.deleted == 0))
        .outerjoin(Instance, sa.and_(Instance.uuid == FixedIp.instance_uuid, Instance.deleted == 0))
        .where(FixedIp.deleted == 0)
        .order_by(FixedIp.network_id, FixedIp.id)
    )
    if host is not None:
        query = query.where(sa.or_(Instance.host == host, FixedIp.host == host))
    if network_id is not None:
        query = query.where(FixedIp.network_id == network_id)
    with reader() as session:
        return [
            FixedIpListing(
                network_cidr=cidr,
                address=row.address,
                reserved=row.reserved,
                allocated=row.allocated,
                leased=row.leased,
                instance_uuid=row.instance_uuid,
                hostname=hostname,
                host=instance_host or row.host,
            )
            for row, cidr, hostname, instance_host in session.execute(query)
        ]


def fixed_ip_count(network_id: int, free_only: bool = False) -> int:
    query = select(sa.func.count()).select_from(FixedIp).where(FixedIp.network_id == network_id,
                                                                FixedIp.deleted == 0)
    if free_only:
        query = _free(query)
    with reader() as session:
        return int(session.scalar(query) or 0)


def fixed_ip_count_by_project(project_id: str) -> int:
    """Addresses held by the project's instances (the fixed_ips quota)."""
    query = (
        select(sa.func.count())
        .select_from(FixedIp)
        .join(Instance, sa.and_(Instance.uuid == FixedIp.instance_uuid, Instance.deleted == 0))
        .where(FixedIp.deleted == 0, Instance.project_id == project_id)
    )
    with reader() as session:
        return int(session.scalar(query) or 0)


@dataclasses.dataclass(frozen=True)
class FactVif:
    id: int
    uuid: str
    address: str


@dataclasses.dataclass(frozen=True)
class FactFixed:
    id: int
    address: str


@dataclasses.dataclass(frozen=True)
class InstanceFact:
    """One interface of an instance with one of its addresses (or none).

    ``network`` is the network's row (its columns as attributes).
    """

    vif: FactVif
    fixed: FactFixed | None
    network: Any
    floating: tuple[str, ...]


def _facts_statements() -> tuple[Any, Any]:
    from novanet.db.models import FloatingIp

    vif_t, fixed_t, net_t, float_t = (VirtualInterface.__table__, FixedIp.__table__, Network.__table__,
                                      FloatingIp.__table__)
    interfaces = (
        sa.select(vif_t.c.id, vif_t.c.uuid, vif_t.c.address, vif_t.c.network_id,
                  fixed_t.c.id.label("fixed_id"), fixed_t.c.address.label("fixed_address"),
                  float_t.c.address.label("floating_address"))
        .select_from(vif_t.outerjoin(fixed_t, sa.and_(
            fixed_t.c.virtual_interface_id == vif_t.c.id, fixed_t.c.deleted == 0,
            fixed_t.c.instance_uuid == vif_t.c.instance_uuid, fixed_t.c.allocated.is_(True)))
            .outerjoin(float_t, sa.and_(float_t.c.fixed_ip_id == fixed_t.c.id, float_t.c.deleted == 0)))
        .where(vif_t.c.instance_uuid == sa.bindparam("instance_uuid"), vif_t.c.deleted == 0)
        .order_by(vif_t.c.id, fixed_t.c.id, float_t.c.id)
    )
    networks = sa.select(net_t).where(net_t.c.id.in_(sa.bindparam("ids", expanding=True)), net_t.c.deleted == 0)
    return interfaces, networks


_FACTS_INTERFACES, _FACTS_NETWORKS = _facts_statements()


def instance_facts(instance_uuid: str) -> list[InstanceFact]:
    """The instance's live interfaces with their allocated addresses, networks and floating IPs.

    One fact per (interface, address); an interface without an address
    (an IPv6-only network) appears once with ``fixed=None``. Ordered by
    interface creation, then address.

    NOTE(performance): every allocation answers with this, so it is two
    small prebuilt Core queries in one read transaction (interfaces with
    their addresses and floating IPs, then their networks): 0.35 ms on
    SQLite against 1.0 ms for the ORM version.
    """
    with core_reader() as conn:
        rows = conn.execute(_FACTS_INTERFACES, {"instance_uuid": instance_uuid}).all()
        if not rows:
            return []
        networks = {n.id: n for n in conn.execute(_FACTS_NETWORKS, {"ids": list({r.network_id for r in rows})})}
    grouped: dict[tuple[int, int | None], list[Any]] = {}
    for row in rows:
        grouped.setdefault((row.id, row.fixed_id), []).append(row)
    return [
        InstanceFact(
            vif=FactVif(first.id, first.uuid, first.address),
            fixed=FactFixed(first.fixed_id, first.fixed_address) if first.fixed_id is not None else None,
            network=networks[first.network_id],
            floating=tuple(r.floating_address for r in group if r.floating_address is not None),
        )
        for group in grouped.values() for first in group[:1] if first.network_id in networks
    ]


def fixed_ip_get(fixed_ip_id: int) -> FixedIp:
    with reader() as session:
        row = session.get(FixedIp, fixed_ip_id)
    if row is None or row.deleted:
        raise exception.FixedIpNotFound(id=fixed_ip_id)
    return row


def fixed_ip_associated_all() -> list[tuple[str, str]]:
    """(address, instance uuid) of every associated live address (IP filters)."""
    with reader() as session:
        return [(a, str(i)) for a, i in session.execute(
            select(FixedIp.address, FixedIp.instance_uuid).where(
                FixedIp.deleted == 0, FixedIp.instance_uuid.is_not(None)).order_by(FixedIp.id))]
