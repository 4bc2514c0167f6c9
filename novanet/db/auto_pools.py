"""Fact operations on subnet pools and egress profiles (get me a network's operator facts).

A pool's prefixes may not overlap another live pool's; "one default" is the
unique ``default_for`` column (see :mod:`novanet.db.auto_models`), checked
first for a clear message and enforced by the constraint against races. A
pool or egress that a live network was made from cannot be deleted.
"""

from __future__ import annotations

import dataclasses
import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

import netaddr
import sqlalchemy as sa
from sqlalchemy import exc, select, update

from novanet import exception
from novanet.db.auto_models import AutoAllocatedTopology, EgressProfile, SubnetPool, SubnetPoolPrefix
from novanet.db.models import Network, utcnow
from novanet.db.session import reader, writer

Topology = AutoAllocatedTopology


# -- subnet pools ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PoolRecord:
    id: int
    uuid: str
    name: str
    ip_version: int
    default_prefixlen: int
    is_default: bool
    generation: int
    prefixes: tuple[str, ...]


def _pool_record(session: Any, pool: SubnetPool) -> PoolRecord:
    prefixes = session.scalars(select(SubnetPoolPrefix.cidr).where(SubnetPoolPrefix.pool_id == pool.id)
                               .order_by(SubnetPoolPrefix.id))
    return PoolRecord(pool.id, pool.uuid, pool.name, pool.ip_version, pool.default_prefixlen,
                      pool.default_for is not None, pool.generation, tuple(prefixes))


#: SubnetPool or EgressProfile: both have uuid, name, default_for and soft delete.
Named = Any


def _find(session: Any, model: Named, ident: str, missing: exception.NovanetError) -> Any:
    """The live row of ``model`` whose uuid or name is ``ident``."""
    row = session.scalars(select(model).where(model.deleted == 0,
                                              sa.or_(model.uuid == ident, model.name == ident))).first()
    if row is None:
        raise missing
    return row


def _find_pool(session: Any, ident: str) -> SubnetPool:
    pool: SubnetPool = _find(session, SubnetPool, ident, exception.SubnetPoolNotFound(pool=ident))
    return pool


def _check_new(session: Any, model: Named, kind: str, name: str, default_for: int | None) -> None:
    """:raises Conflict: ``name`` is taken, or ``default_for`` names a taken default."""
    if session.scalars(select(model.id).where(model.deleted == 0, model.name == name)).first() is not None:
        raise exception.Conflict(reason=f"a {kind} named {name} exists already")
    _check_default(session, model, kind, default_for)


def _check_default(session: Any, model: Named, kind: str, default_for: int | None) -> None:
    if default_for is None:
        return
    current = session.scalars(select(model.name).where(model.default_for == default_for)).first()
    if current is not None:
        raise exception.Conflict(reason=f"{kind} {current} is the default already; make it not the default first")


def _set_default(model: Named, kind: str, ident: str, missing: exception.NovanetError, key: Any,
                 is_default: bool, record: Any) -> Any:
    """Make the row of ``ident`` the default of ``key(row)``, or not; returns ``record(session, row)``."""
    try:
        with writer() as session:
            row = _find(session, model, ident, missing)
            if is_default and row.default_for is None:
                _check_default(session, model, kind, key(row))
            row.default_for = key(row) if is_default else None
            row.updated_at = utcnow()
            session.flush()
            return record(session, row)
    except exc.IntegrityError:
        raise exception.Conflict(reason=f"another {kind} was made the default at the same time")


def _soft_delete(row: Any) -> None:
    row.default_for = None
    row.deleted = row.id
    row.deleted_at = utcnow()


def subnet_pool_create(name: str, prefixes: Sequence[str], default_prefixlen: int, is_default: bool,
                       ip_version: int = 4) -> PoolRecord:
    """Record a pool of address space (prefixes checked by the caller).

    :raises CidrConflict: a prefix overlaps another pool's.
    :raises Conflict: the name is taken, or another pool is the default.
    """
    now = utcnow()
    try:
        with writer() as session:
            _check_new(session, SubnetPool, "subnet pool", name, ip_version if is_default else None)
            others = session.execute(
                select(SubnetPoolPrefix.cidr, SubnetPool.name)
                .join(SubnetPool, SubnetPool.id == SubnetPoolPrefix.pool_id).where(SubnetPool.deleted == 0)).all()
            for prefix in prefixes:
                new = netaddr.IPNetwork(prefix)
                for row in others:
                    old = netaddr.IPNetwork(row.cidr)
                    if new in old or old in new:
                        raise exception.CidrConflict(cidr=prefix, other=f"{row.cidr} of subnet pool {row.name}")
            pool = SubnetPool(uuid=str(uuidlib.uuid4()), name=name, ip_version=ip_version,
                              default_prefixlen=default_prefixlen, default_for=ip_version if is_default else None,
                              generation=0, created_at=now, updated_at=now)
            session.add(pool)
            session.flush()
            session.add_all(SubnetPoolPrefix(pool_id=pool.id, cidr=p, created_at=now, updated_at=now)
                            for p in prefixes)
            session.flush()
            return _pool_record(session, pool)
    except exc.IntegrityError as error:
        raise exception.Conflict(reason=f"subnet pool {name} conflicts with one made at the same time: {error.orig}")


def subnet_pool_get(ident: str) -> PoolRecord:
    """A live pool by uuid or name.

    :raises SubnetPoolNotFound:
    """
    with reader() as session:
        return _pool_record(session, _find_pool(session, ident))


def subnet_pool_list() -> list[PoolRecord]:
    with reader() as session:
        pools = session.scalars(select(SubnetPool).where(SubnetPool.deleted == 0).order_by(SubnetPool.id))
        return [_pool_record(session, pool) for pool in pools]


def default_pool(ip_version: int = 4) -> PoolRecord | None:
    with reader() as session:
        pool = session.scalars(select(SubnetPool).where(SubnetPool.default_for == ip_version)).first()
        return _pool_record(session, pool) if pool is not None else None


def subnet_pool_set_default(ident: str, is_default: bool) -> PoolRecord:
    """Make the pool its IP version's default, or not.

    :raises Conflict: another pool is the default.
    """
    result: PoolRecord = _set_default(SubnetPool, "subnet pool", ident, exception.SubnetPoolNotFound(pool=ident),
                                      lambda pool: pool.ip_version, is_default, _pool_record)
    return result


def _networks_from_pool(session: Any, pool_id: int) -> list[str]:
    query = (select(Network.cidr).join(Topology, Topology.network_id == Network.id)
             .where(Topology.subnet_pool_id == pool_id, Network.deleted == 0).order_by(Network.id))
    return [str(cidr) for cidr in session.scalars(query)]


def subnet_pool_delete(ident: str) -> PoolRecord:
    """Delete a pool no live network was carved from.

    :raises SubnetPoolInUse:
    """
    with writer() as session:
        pool = _find_pool(session, ident)
        record = _pool_record(session, pool)
        used = _networks_from_pool(session, pool.id)
        if used:
            raise exception.SubnetPoolInUse(pool=pool.name, networks=", ".join(used))
        session.execute(update(Topology).where(Topology.subnet_pool_id == pool.id).values(subnet_pool_id=None))
        _soft_delete(pool)
        return record


# -- egress profiles ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class EgressRecord:
    id: int
    uuid: str
    name: str
    public_interface: str
    snat_source: str
    is_default: bool


def _egress_record(row: EgressProfile) -> EgressRecord:
    return EgressRecord(row.id, row.uuid, row.name, row.public_interface, row.snat_source,
                        row.default_for is not None)


def _find_egress(session: Any, ident: str) -> EgressProfile:
    row: EgressProfile = _find(session, EgressProfile, ident, exception.EgressNotFound(egress=ident))
    return row


def egress_create(name: str, public_interface: str, snat_source: str, is_default: bool) -> EgressRecord:
    """Record how built networks reach the outside (values checked by the caller).

    :raises Conflict: the name is taken, or another egress is the default.
    """
    now = utcnow()
    try:
        with writer() as session:
            _check_new(session, EgressProfile, "egress", name, 1 if is_default else None)
            row = EgressProfile(uuid=str(uuidlib.uuid4()), name=name, public_interface=public_interface,
                                snat_source=snat_source, default_for=1 if is_default else None,
                                created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return _egress_record(row)
    except exc.IntegrityError as error:
        raise exception.Conflict(reason=f"egress {name} conflicts with one made at the same time: {error.orig}")


def egress_get(ident: str) -> EgressRecord:
    """:raises EgressNotFound:"""
    with reader() as session:
        return _egress_record(_find_egress(session, ident))


def egress_list() -> list[EgressRecord]:
    with reader() as session:
        rows = session.scalars(select(EgressProfile).where(EgressProfile.deleted == 0).order_by(EgressProfile.id))
        return [_egress_record(row) for row in rows]


def egress_by_ids(ids: Sequence[int]) -> dict[int, EgressRecord]:
    """Egress profiles by id, deleted ones included (networks keep pointing at theirs)."""
    with reader() as session:
        return {row.id: _egress_record(row)
                for row in session.scalars(select(EgressProfile).where(EgressProfile.id.in_(list(ids))))}


def default_egress() -> EgressRecord | None:
    with reader() as session:
        row = session.scalars(select(EgressProfile).where(EgressProfile.default_for == 1)).first()
        return _egress_record(row) if row is not None else None


def egress_set_default(ident: str, is_default: bool) -> EgressRecord:
    """:raises Conflict: another egress is the default."""
    result: EgressRecord = _set_default(EgressProfile, "egress", ident, exception.EgressNotFound(egress=ident),
                                        lambda row: 1, is_default, lambda session, row: _egress_record(row))
    return result


def egress_delete(ident: str) -> EgressRecord:
    """Delete an egress no live network uses.

    :raises EgressInUse:
    """
    with writer() as session:
        row = _find_egress(session, ident)
        users = list(session.scalars(select(Network.cidr).where(Network.deleted == 0, Network.egress_id == row.id)
                                     .order_by(Network.id)))
        if users:
            raise exception.EgressInUse(egress=row.name, networks=", ".join(str(c) for c in users))
        record = _egress_record(row)
        _soft_delete(row)
        return record
