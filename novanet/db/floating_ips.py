"""Fact operations on floating IPs: pools, allocation with quota, association.

Theory of operation
-------------------
A floating IP is *free* (no project), *allocated* (a project holds it) or
*associated* (allocated and pointing at a fixed IP, plumbed on ``host``).
Every transition is one compare-and-swap ``UPDATE`` guarded by the state it
expects, so two hosts or two API calls can never both win. The per-project
quota is a counter row in ``quota_usages`` changed by the same transaction
with ``in_use = in_use + 1 WHERE in_use < limit``: it can never be exceeded,
even by concurrent allocations, and never drifts from the facts because both
change together. Auto-assigned addresses are not charged.
"""

from __future__ import annotations

import random
from typing import Any

import netaddr
import sqlalchemy as sa
from sqlalchemy import exc, select, update

from novanet import exception
from novanet.db.models import FREE_FLOATING_IP, FixedIp, FloatingIp, Network, QuotaUsage, utcnow
from novanet.db.session import (
    RetryRequest,
    by_primary_key,
    claim_candidates,
    reader,
    retried,
    retry_on_conflict,
    rows_changed,
    writer,
)

RESOURCE = "floating_ips"
_CANDIDATES = 8


def _live(query: Any) -> Any:
    return query.where(FloatingIp.deleted == 0)


def _get(session: Any, address: str) -> FloatingIp:
    row = session.scalars(_live(select(FloatingIp)).where(FloatingIp.address == address)).first()
    if row is None:
        raise exception.FloatingIpNotFoundForAddress(address=address)
    return row


def _change_usage(session: Any, project_id: str, delta: int, limit: int = -1) -> None:
    """Add ``delta`` to the project's usage; refuse to pass ``limit`` (-1: none)."""
    exists = session.scalar(
        select(QuotaUsage.id).where(QuotaUsage.project_id == project_id, QuotaUsage.resource == RESOURCE)
    )
    if exists is None:
        # Insert the counter in its own savepoint: a concurrent first insert
        # for the same project wins and we fall through to the update.
        try:
            with session.begin_nested():
                session.add(QuotaUsage(project_id=project_id, resource=RESOURCE, in_use=0))
        except exc.IntegrityError:
            pass
    query = update(QuotaUsage).where(QuotaUsage.project_id == project_id, QuotaUsage.resource == RESOURCE)
    if delta > 0 and limit >= 0:
        query = query.where(QuotaUsage.in_use + delta <= limit)
    if delta < 0:
        query = query.where(QuotaUsage.in_use + delta >= 0)
    result = session.execute(query.values(in_use=QuotaUsage.in_use + delta, updated_at=utcnow()))
    if rows_changed(result) != 1 and delta > 0:
        raise exception.FloatingIpLimitExceeded()


def quota_usage(project_id: str) -> int:
    with reader() as session:
        value = session.scalar(
            select(QuotaUsage.in_use).where(QuotaUsage.project_id == project_id, QuotaUsage.resource == RESOURCE)
        )
    return int(value or 0)


def floating_ip_bulk_create(ip_range: str, pool: str, interface: str | None) -> int:
    """Create the host addresses of ``ip_range`` (one address or a CIDR).

    :raises InvalidInput: the range is malformed, too small or too big.
    :raises CidrConflict: it overlaps a fixed network.
    :raises FloatingIpExists: one of its addresses exists already.
    :returns: how many addresses were created.
    """
    addresses = floating_range_addresses(ip_range)
    network = netaddr.IPNetwork(ip_range)
    now = utcnow()
    try:
        with writer() as session:
            for cidr, cidr_v6 in session.execute(select(Network.cidr, Network.cidr_v6).where(Network.deleted == 0)):
                for fixed in (cidr, cidr_v6):
                    if fixed and (network in netaddr.IPNetwork(fixed) or netaddr.IPNetwork(fixed) in network):
                        raise exception.CidrConflict(cidr=ip_range, other=fixed)
            clash = None
            for start in range(0, len(addresses), 500):
                clash = session.scalars(_live(select(FloatingIp.address)).where(
                    FloatingIp.address.in_(addresses[start:start + 500]))).first()
                if clash:
                    break
            if clash:
                raise exception.FloatingIpExists(address=clash)
            session.execute(
                sa.insert(FloatingIp),
                [
                    {"address": a, "pool": pool, "interface": interface, "auto_assigned": False,
                     "deleted": 0, "created_at": now, "updated_at": now}
                    for a in addresses
                ],
            )
    except exc.IntegrityError as error:
        raise exception.FloatingIpExists(address=f"in {ip_range} ({error.orig})")
    return len(addresses)


def floating_range_addresses(ip_range: str) -> list[str]:
    """Host addresses of a floating range, nova-manage's rules.

    :raises InvalidInput: malformed, a /31 or /32 CIDR, or 1,000,000 or more addresses.
    """
    try:
        network = netaddr.IPNetwork(ip_range)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise exception.InvalidInput(reason=f"{ip_range!r} is not an IP address or CIDR")
    if "/" not in ip_range:
        return [str(network.ip)]
    if network.size < 4:
        raise exception.InvalidInput(reason=f"{ip_range} is too small: a floating range needs at least 4 addresses")
    if network.size >= 1_000_000:
        raise exception.InvalidInput(reason=f"{ip_range} is too large: fewer than 1,000,000 addresses please")
    if network.ip != network.network:
        raise exception.InvalidInput(reason=f"{ip_range} has host bits set; did you mean {network.cidr}?")
    return [str(ip) for ip in network.iter_hosts()]


def floating_ip_bulk_destroy(ip_range: str) -> int:
    """Delete a floating range; give allocated addresses' quota back.

    :raises FloatingIpAssociated: an address of the range is associated.
    :raises FloatingIpNotFoundForAddress: the range holds no address.
    """
    addresses = floating_range_addresses(ip_range)
    now = utcnow()
    with writer() as session:
        rows: list[FloatingIp] = []
        for start in range(0, len(addresses), 500):
            rows.extend(session.scalars(_live(select(FloatingIp)).where(
                FloatingIp.address.in_(addresses[start:start + 500]))))
        if not rows:
            raise exception.FloatingIpNotFoundForAddress(address=ip_range)
        for row in rows:
            if row.fixed_ip_id is not None:
                raise exception.FloatingIpAssociated(address=row.address)
        for row in rows:
            if row.project_id is not None and not row.auto_assigned:
                _change_usage(session, row.project_id, -1)
            row.deleted = row.id
            row.deleted_at = now
        return len(rows)


def floating_ip_allocate_address(project_id: str, pool: str, auto_assigned: bool = False,
                                 quota_limit: int = -1) -> FloatingIp:
    """Give a free address of ``pool`` to the project.

    :raises FloatingIpPoolNotFound: the pool has no address at all.
    :raises FloatingIpLimitExceeded: the project is at its quota.
    :raises NoMoreFloatingIps: every address of the pool is taken.
    :raises FloatingIpAllocateFailed: every attempt lost a race.
    """
    return retried(lambda attempt: _allocate_once(project_id, pool, auto_assigned, quota_limit, first=attempt == 0),
                   exception.FloatingIpAllocateFailed)


def _allocate_once(project_id: str, pool: str, auto_assigned: bool, quota_limit: int, first: bool) -> FloatingIp:
    with writer() as session:
        # The partial index's own predicate text (see fixed_ips for why).
        free = select(FloatingIp.id).where(FloatingIp.pool == pool, FREE_FLOATING_IP)
        candidates = [row.id for row in claim_candidates(
            session, free.order_by(FloatingIp.updated_at, FloatingIp.id), _CANDIDATES)]
        if not candidates:
            if session.scalar(_live(select(FloatingIp.id)).where(FloatingIp.pool == pool).limit(1)) is None:
                raise exception.FloatingIpPoolNotFound(pool=pool)
            raise exception.NoMoreFloatingIps()
        if not auto_assigned:
            _change_usage(session, project_id, 1, quota_limit)
        chosen = candidates[0] if first else random.choice(candidates)
        result = session.execute(
            by_primary_key(update(FloatingIp))
            .where(FloatingIp.id == chosen, FloatingIp.project_id.is_(None), FloatingIp.fixed_ip_id.is_(None),
                   FloatingIp.deleted == 0)
            .values(project_id=project_id, auto_assigned=auto_assigned, updated_at=utcnow())
        )
        if rows_changed(result) != 1:
            raise RetryRequest()
        return session.get_one(FloatingIp, chosen)


def floating_ip_deallocate(address: str, project_id: str | None) -> FloatingIp:
    """Return the project's unassociated address to its pool.

    :param project_id: the owner, or None for an admin acting on any project.
    :raises FloatingIpNotOwned: it is free or another project's.
    :raises FloatingIpAssociated: it still points at a fixed IP.
    """
    with writer() as session:
        row = _get(session, address)
        if row.project_id is None or (project_id is not None and row.project_id != project_id):
            raise exception.FloatingIpNotOwned(address=address, project_id=project_id)
        if row.fixed_ip_id is not None:
            raise exception.FloatingIpAssociated(address=address)
        owner, auto = row.project_id, row.auto_assigned
        result = session.execute(
            by_primary_key(update(FloatingIp))
            .where(FloatingIp.id == row.id, FloatingIp.project_id == owner, FloatingIp.fixed_ip_id.is_(None))
            .values(project_id=None, host=None, auto_assigned=False, updated_at=utcnow())
        )
        if rows_changed(result) != 1:
            # A concurrent deallocate or associate won; nothing to give back.
            raise exception.FloatingIpAssociated(address=address)
        if not auto:
            _change_usage(session, owner, -1)
        session.refresh(row)
        return row


@retry_on_conflict
def floating_ip_fixed_ip_associate(floating_address: str, fixed_address: str, host: str | None,
                                   project_id: str | None, fixed_network_id: int | None = None
                                   ) -> tuple[FloatingIp, FixedIp]:
    """Point the floating address at a fixed address, plumbed on ``host``.

    :raises FloatingIpNotOwned: not allocated to ``project_id`` (None: admin).
    :raises FixedIpNotFoundForAddress: the fixed address is unknown or free.
    :raises FloatingIpAssociateFailed: it points at another fixed IP now.
    """
    with writer() as session:
        row = _get(session, floating_address)
        if row.project_id is None or (project_id is not None and row.project_id != project_id):
            raise exception.FloatingIpNotOwned(address=floating_address, project_id=project_id)
        fixed_query = select(FixedIp).where(FixedIp.address == fixed_address, FixedIp.deleted == 0,
                                            FixedIp.instance_uuid.is_not(None))
        if fixed_network_id is not None:
            fixed_query = fixed_query.where(FixedIp.network_id == fixed_network_id)
        fixed = session.scalars(fixed_query).first()
        if fixed is None:
            raise exception.FixedIpNotFoundForAddress(address=fixed_address)
        result = session.execute(
            by_primary_key(update(FloatingIp))
            .where(FloatingIp.id == row.id, FloatingIp.project_id == row.project_id,
                   sa.or_(FloatingIp.fixed_ip_id.is_(None), FloatingIp.fixed_ip_id == fixed.id))
            .values(fixed_ip_id=fixed.id, host=host, updated_at=utcnow())
        )
        if rows_changed(result) != 1:
            raise exception.FloatingIpAssociateFailed(address=floating_address)
        session.refresh(row)
        return row, fixed


def floating_ip_disassociate(address: str) -> tuple[FloatingIp, FixedIp | None]:
    """Clear the association; return the row as it was and the old fixed IP."""
    with writer() as session:
        row = _get(session, address)
        before = FloatingIp(**{c.key: getattr(row, c.key) for c in FloatingIp.__table__.columns})
        fixed = session.get(FixedIp, row.fixed_ip_id) if row.fixed_ip_id is not None else None
        session.execute(
            by_primary_key(update(FloatingIp)).where(FloatingIp.id == row.id).values(fixed_ip_id=None, host=None, updated_at=utcnow())
        )
        return before, fixed


def floating_ip_set_host(address: str, host: str | None) -> None:
    """Record where an associated address is plumbed (migrations)."""
    with writer() as session:
        row = _get(session, address)
        row.host = host
        row.updated_at = utcnow()


def floating_ip_get_by_address(address: str) -> FloatingIp:
    with reader() as session:
        return _get(session, address)


def floating_ip_get(floating_id: int) -> FloatingIp:
    with reader() as session:
        row = session.scalars(_live(select(FloatingIp)).where(FloatingIp.id == floating_id)).first()
    if row is None:
        raise exception.FloatingIpNotFound(id=floating_id)
    return row


def floating_ip_get_all(host: str | None = None, pool: str | None = None,
                        project_id: str | None = None, include_auto: bool = True) -> list[FloatingIp]:
    query = _live(select(FloatingIp)).order_by(FloatingIp.id)
    if host is not None:
        query = query.where(FloatingIp.host == host)
    if pool is not None:
        query = query.where(FloatingIp.pool == pool)
    if project_id is not None:
        query = query.where(FloatingIp.project_id == project_id)
    if not include_auto:
        query = query.where(FloatingIp.auto_assigned.is_(False))
    with reader() as session:
        return list(session.scalars(query))


def floating_ip_get_by_fixed_ip_id(fixed_ip_id: int) -> list[FloatingIp]:
    with reader() as session:
        return list(session.scalars(_live(select(FloatingIp)).where(FloatingIp.fixed_ip_id == fixed_ip_id)))


def floating_ip_get_by_fixed_address(fixed_address: str) -> list[FloatingIp]:
    query = (
        _live(select(FloatingIp))
        .join(FixedIp, FixedIp.id == FloatingIp.fixed_ip_id)
        .where(FixedIp.address == fixed_address, FixedIp.deleted == 0)
    )
    with reader() as session:
        return list(session.scalars(query))


def floating_ip_get_pools() -> list[str]:
    with reader() as session:
        return sorted(str(p) for p in session.scalars(_live(select(FloatingIp.pool)).distinct()))


def floating_ip_forwards_for_host(host: str) -> list[tuple[FloatingIp, FixedIp]]:
    """Associated addresses plumbed on ``host``, with their fixed IPs (init_host)."""
    query = (
        _live(select(FloatingIp, FixedIp))
        .join(FixedIp, sa.and_(FixedIp.id == FloatingIp.fixed_ip_id, FixedIp.deleted == 0))
        .where(FloatingIp.host == host)
        .order_by(FloatingIp.id)
    )
    with reader() as session:
        return [(f, x) for f, x in session.execute(query)]
