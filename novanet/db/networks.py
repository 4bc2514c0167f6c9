"""Fact operations on networks: create, look up, host and project association.

Theory of operation
-------------------
* Creation writes the networks and every one of their fixed-IP rows in one
  transaction (a /16 is 65,536 rows in one multi-row insert), so a failed
  create leaves nothing behind. Duplicates among live networks (VLAN, bridge,
  IPv4 or IPv6 CIDR, uuid) are found before inserting, for a clear message,
  and are also enforced by unique constraints for concurrent creators.
* ``network_set_host`` is a compare-and-swap on ``host IS NULL`` and returns
  the host that really holds the network afterwards, which is not always the
  caller (nova-network reported the caller even when it lost).
* A project's first network (VLAN mode) is claimed by inserting its
  ``project_network_claims`` row in the same transaction as the network's
  compare-and-swap; the claim's primary key lets exactly one of several
  concurrent first uses win. No ``SELECT ... FOR UPDATE`` anywhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

import netaddr
import sqlalchemy as sa
from sqlalchemy import exc, func, select, update

from novanet import exception
from novanet.db import models
from novanet.db.models import FixedIp, Network, ProjectNetworkClaim, utcnow
from novanet.db.session import (
    RetryRequest,
    by_primary_key,
    get_engine,
    reader,
    retry_on_conflict,
    rows_changed,
    writer,
)

_UNIQUE_FIELDS = (("vlan", "vlan"), ("bridge", "bridge"), ("cidr", "cidr"), ("cidr_v6", "cidr_v6"), ("uuid", "uuid"))


@dataclasses.dataclass(frozen=True)
class NetworkPlan:
    """One network to create: its column values and its addresses.

    ``addresses`` lists every address that gets a fixed-IP row, with its
    ``reserved`` flag, in address order.
    """

    values: dict[str, Any]
    addresses: Sequence[tuple[str, bool]]


def _live(query: Any) -> Any:
    return query.where(Network.deleted == 0)


def _usable(query: Any) -> Any:
    """Live networks that may be handed out: not one still being built for ``auto``."""
    return query.where(Network.deleted == 0, Network.status == "ACTIVE")


def _conflict_error(field: str, value: Any, other: Network) -> exception.NovanetError:
    if field == "vlan":
        return exception.DuplicateVlan(vlan=int(value))
    if field == "bridge":
        return exception.DuplicateBridge(bridge=value, network=other.uuid)
    if field in ("cidr", "cidr_v6"):
        return exception.CidrConflict(cidr=value, other=getattr(other, field))
    return exception.Conflict(reason=f"network uuid {value} already exists")


def _check_unique(session: Any, values: dict[str, Any], exclude_id: int | None = None) -> None:
    for field, column in _UNIQUE_FIELDS:
        value = values.get(field)
        if value is None:
            continue
        query = _live(select(Network)).where(getattr(Network, column) == value)
        if exclude_id is not None:
            query = query.where(Network.id != exclude_id)
        other = session.scalars(query.limit(1)).first()
        if other is not None:
            raise _conflict_error(field, value, other)


def check_overlap(session: Any, plans: Sequence[NetworkPlan]) -> None:
    """Refuse CIDRs that overlap live networks (equal ones too)."""
    existing = session.execute(_live(select(Network.cidr, Network.cidr_v6))).all()
    for plan in plans:
        for key in ("cidr", "cidr_v6"):
            wanted = plan.values.get(key)
            if not wanted:
                continue
            new = netaddr.IPNetwork(wanted)
            for row in existing:
                old = getattr(row, key)
                if old and (new in netaddr.IPNetwork(old) or netaddr.IPNetwork(old) in new):
                    raise exception.CidrConflict(cidr=wanted, other=old)


def networks_create(plans: Sequence[NetworkPlan]) -> list[Network]:
    """Create networks with their fixed-IP rows, all or nothing.

    :raises DuplicateVlan, DuplicateBridge, CidrConflict: a live network
        already has that VLAN, bridge or an overlapping CIDR.
    """
    seen: dict[tuple[str, Any], str] = {}
    for plan in plans:
        for field, _column in _UNIQUE_FIELDS:
            value = plan.values.get(field)
            if value is None:
                continue
            if (field, value) in seen:
                raise exception.Invalid(reason=f"two networks of one request share {field} {value}")
            seen[(field, value)] = plan.values.get("uuid", "")
    now = utcnow()
    try:
        with writer() as session:
            check_overlap(session, plans)
            created = [insert_network(session, plan, now) for plan in plans]
    except exc.IntegrityError as error:
        # A concurrent creator won between our checks and our insert.
        raise exception.Conflict(reason=f"a network with the same VLAN, bridge or CIDR was just created: {error.orig}")
    if sum(len(p.addresses) for p in plans) >= ANALYZE_AFTER_ROWS:
        analyze_table("fixed_ips")
    return created


def insert_network(session: Any, plan: NetworkPlan, now: Any) -> Network:
    """Insert one network and its fixed-IP rows in ``session``'s transaction.

    The caller has checked overlaps (:func:`check_overlap`); VLAN, bridge,
    CIDR and uuid are checked here and by the unique constraints.
    """
    _check_unique(session, plan.values)
    network = Network(**plan.values, created_at=now, updated_at=now)
    session.add(network)
    session.flush()
    if plan.addresses:
        session.execute(
            sa.insert(FixedIp),
            [
                {
                    "address": address,
                    "network_id": network.id,
                    "reserved": reserved,
                    "allocated": False,
                    "leased": False,
                    "deleted": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for address, reserved in plan.addresses
            ],
        )
    return network


#: A bulk insert of at least this many rows refreshes the planner's statistics.
ANALYZE_AFTER_ROWS = 256


def analyze_table(table: str) -> None:
    """Refresh the query planner's statistics of ``table``.

    NOTE(sqlite): without statistics SQLite took the (deleted, allocated,
    updated_at) index for "the addresses of instance X" and scanned a whole
    /16 (10 ms per lookup, measured with a profile of allocate_for_instance)
    instead of the instance_uuid index. PostgreSQL and MariaDB get fresh
    statistics for a just-created /16 at once instead of at autovacuum time.
    """
    engine = get_engine()
    statement = {"mysql": f"ANALYZE TABLE {table}"}.get(engine.url.get_backend_name(), f"ANALYZE {table}")
    with engine.connect() as conn:
        conn.exec_driver_sql(statement).close()
        conn.commit()


def _one_live(condition: Any, error: exception.NovanetError) -> Network:
    with reader() as session:
        network = session.scalars(_live(select(Network)).where(condition)).first()
    if network is None:
        raise error
    return network


def network_get(network_id: int) -> Network:
    return _one_live(Network.id == network_id, exception.NetworkNotFound(network_id=network_id))


def network_get_by_uuid(uuid: str) -> Network:
    return _one_live(Network.uuid == uuid, exception.NetworkNotFoundForUUID(uuid=uuid))


def network_get_by_cidr(cidr: str) -> Network:
    """The live network whose IPv4 or IPv6 CIDR is exactly ``cidr``."""
    return _one_live(sa.or_(Network.cidr == cidr, Network.cidr_v6 == cidr),
                     exception.NetworkNotFoundForCidr(cidr=cidr))


_NETWORKS_VERSION = sa.select(func.count(), func.max(Network.updated_at)).where(Network.deleted == 0)


def networks_version() -> tuple[int, Any]:
    """(count, newest updated_at) of live networks: changes whenever any network does."""
    with reader() as session:
        row = session.connection().execute(_NETWORKS_VERSION).one()
    return int(row[0]), row[1]


def network_get_all(project_id: str | None = None, include_unowned: bool = False) -> list[Network]:
    """Usable networks by id (not ones being built); only ``project_id``'s (and unowned ones) when given."""
    query = _usable(select(Network)).order_by(Network.id)
    if project_id is not None:
        cond = Network.project_id == project_id
        if include_unowned:
            cond = sa.or_(cond, Network.project_id.is_(None))
        query = query.where(cond)
    with reader() as session:
        return list(session.scalars(query))


def networks_get_by_uuids(uuids: Sequence[str], project_id: str | None = None,
                          project_only: bool | str = False) -> list[Network]:
    """Networks in the order of ``uuids``.

    :param project_only: True: only ``project_id``'s networks; ``"allow_none"``:
        also unowned ones; False: any.
    :raises NetworkNotFoundForProject: a uuid is unknown or not visible.
    """
    with reader() as session:
        rows = {n.uuid: n for n in session.scalars(_usable(select(Network)).where(Network.uuid.in_(list(uuids))))}
    result = []
    for uuid in uuids:
        network = rows.get(uuid)
        visible = network is not None and (
            not project_only
            or network.project_id == project_id
            or (project_only == "allow_none" and network.project_id is None)
        )
        if not visible:
            raise exception.NetworkNotFoundForProject(network_uuid=uuid, project_id=project_id)
        assert network is not None
        result.append(network)
    return result


def network_get_all_by_host(host: str) -> list[Network]:
    """Networks this host serves: owned by it, or holding a fixed IP of it or of its instances.

    A network still being built is left out, so a restart removes what a
    build that died left on the host (its builder's successor cleans the rows).
    """
    fixed_host = select(FixedIp.network_id).where(FixedIp.deleted == 0, FixedIp.host == host)
    instance_host = (
        select(FixedIp.network_id)
        .join(models.Instance, models.Instance.uuid == FixedIp.instance_uuid)
        .where(FixedIp.deleted == 0, models.Instance.deleted == 0, models.Instance.host == host)
    )
    query = (
        _usable(select(Network))
        .where(sa.or_(Network.host == host, Network.id.in_(fixed_host), Network.id.in_(instance_host)))
        .order_by(Network.id)
    )
    with reader() as session:
        return list(session.scalars(query))


def network_update(network_id: int, values: dict[str, Any]) -> Network:
    """Change columns of a live network, keeping VLAN/bridge/CIDR unique."""
    try:
        with writer() as session:
            network = session.scalars(_live(select(Network)).where(Network.id == network_id)).first()
            if network is None:
                raise exception.NetworkNotFound(network_id=network_id)
            _check_unique(session, values, exclude_id=network_id)
            for key, value in values.items():
                setattr(network, key, value)
            network.updated_at = utcnow()
            return network
    except exc.IntegrityError as error:
        raise exception.Conflict(reason=f"network update conflicts with another network: {error.orig}")


def _set_if_unset(session: Any, network_id: int, column: str, value: str) -> None:
    """Compare-and-set a live network's empty ``column``; a lost race retries.

    :raises RetryRequest: another writer filled the column first.
    """
    result = session.execute(
        by_primary_key(update(Network))
        .where(Network.id == network_id, getattr(Network, column).is_(None), Network.deleted == 0)
        .values({column: value, "updated_at": utcnow()})
    )
    if rows_changed(result) != 1:
        raise RetryRequest()


@retry_on_conflict
def network_set_host(network_id: int, host: str) -> str:
    """Make ``host`` serve the network if nobody does; return who really does.

    :raises NetworkNotFound: the network does not exist.
    """
    with writer() as session:
        current = session.scalar(_live(select(Network.host)).where(Network.id == network_id))
        exists = session.scalar(_live(select(Network.id)).where(Network.id == network_id))
        if exists is None:
            raise exception.NetworkNotFound(network_id=network_id)
        if current:
            return str(current)
        _set_if_unset(session, network_id, "host", host)
        return host


def _project_networks(session: Any, project_id: str) -> list[Network]:
    return list(session.scalars(_usable(select(Network)).where(Network.project_id == project_id).order_by(Network.id)))


def _free_network_ids(session: Any, limit: int = 8) -> list[int]:
    query = _usable(select(Network.id)).where(Network.project_id.is_(None)).order_by(Network.id).limit(limit)
    return list(session.scalars(query))


@retry_on_conflict
def _claim_first_network(project_id: str) -> list[Network]:
    with writer() as session:
        owned = _project_networks(session, project_id)
        if owned:
            return owned
        free = _free_network_ids(session)
        if not free:
            raise exception.NoMoreNetworks()
        network_id = free[0]
        _set_if_unset(session, network_id, "project_id", project_id)
        # A claim whose network no longer belongs to the project is stale (the
        # network was taken away by hand); a live one must make us lose.
        still_owned = _live(select(Network.id)).where(Network.project_id == project_id)
        session.execute(
            sa.delete(ProjectNetworkClaim).where(
                ProjectNetworkClaim.project_id == project_id,
                ProjectNetworkClaim.network_id.not_in(still_owned),
            )
        )
        session.add(ProjectNetworkClaim(project_id=project_id, network_id=network_id))
        session.flush()
        return _project_networks(session, project_id)


def project_get_networks(project_id: str, associate: bool = True) -> list[Network]:
    """The project's networks; on first use (``associate``) claim a free one.

    Several hosts doing this for the same new project at once end with the
    project holding exactly one network.

    :raises NoMoreNetworks: the project has none and none is free.
    """
    with reader() as session:
        owned = _project_networks(session, project_id)
    if owned or not associate:
        return owned
    try:
        return _claim_first_network(project_id)
    except exc.IntegrityError:
        # Another host claimed this project's first network first: use it.
        with reader() as session:
            owned = _project_networks(session, project_id)
        if not owned:
            raise
        return owned


@retry_on_conflict
def network_associate(project_id: str, network_id: int | None = None) -> Network:
    """Give ``project_id`` a network even if it has some (an admin's explicit add).

    :raises NetworkNotFound: ``network_id`` is unknown.
    :raises NetworkHasProject: ``network_id`` belongs to another project.
    :raises NoMoreNetworks: no ``network_id`` and no free network.
    """
    with writer() as session:
        if network_id is None:
            free = _free_network_ids(session, limit=1)
            if not free:
                raise exception.NoMoreNetworks()
            network_id = free[0]
        network = session.scalars(_live(select(Network)).where(Network.id == network_id)).first()
        if network is None:
            raise exception.NetworkNotFound(network_id=network_id)
        if network.project_id == project_id:
            return network
        if network.project_id is not None:
            raise exception.NetworkHasProject(project_id=network.project_id)
        _set_if_unset(session, network_id, "project_id", project_id)
        session.refresh(network)
        return network


def network_disassociate(network_id: int, disassociate_host: bool = True,
                         disassociate_project: bool = True) -> Network:
    """Clear the network's host and/or project."""
    with writer() as session:
        network = session.scalars(_live(select(Network)).where(Network.id == network_id)).first()
        if network is None:
            raise exception.NetworkNotFound(network_id=network_id)
        if disassociate_host:
            network.host = None
        if disassociate_project:
            network.project_id = None
            session.execute(sa.delete(ProjectNetworkClaim).where(ProjectNetworkClaim.network_id == network_id))
        network.updated_at = utcnow()
        return network


def network_delete_safe(network_id: int) -> None:
    """Soft-delete a network and its fixed IPs if no address is in use.

    :raises NetworkInUse: an address is allocated or still associated.
    """
    now = utcnow()
    with writer() as session:
        network = session.scalars(_live(select(Network)).where(Network.id == network_id)).first()
        if network is None:
            raise exception.NetworkNotFound(network_id=network_id)
        in_use = session.scalar(
            select(func.count())
            .select_from(FixedIp)
            .where(
                FixedIp.network_id == network_id,
                FixedIp.deleted == 0,
                sa.or_(FixedIp.allocated.is_(True), FixedIp.instance_uuid.is_not(None)),
            )
        )
        if in_use:
            raise exception.NetworkInUse(network_id=network.uuid)
        session.execute(
            update(FixedIp)
            .where(FixedIp.network_id == network_id, FixedIp.deleted == 0)
            .values(deleted=FixedIp.id, deleted_at=now)
        )
        session.execute(sa.delete(ProjectNetworkClaim).where(ProjectNetworkClaim.network_id == network_id))
        network.deleted = network.id
        network.deleted_at = now


def network_in_use_on_host(network_id: int, host: str) -> bool:
    """Whether an instance on ``host`` still has an address of the network."""
    with reader() as session:
        count = session.scalar(
            select(func.count())
            .select_from(FixedIp)
            .join(models.Instance, models.Instance.uuid == FixedIp.instance_uuid)
            .where(
                FixedIp.network_id == network_id,
                FixedIp.deleted == 0,
                models.Instance.deleted == 0,
                models.Instance.host == host,
            )
        )
    return bool(count)


def network_count_reserved_ips(network_id: int) -> int:
    with reader() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(FixedIp)
                .where(FixedIp.network_id == network_id, FixedIp.deleted == 0, FixedIp.reserved.is_(True))
            )
            or 0
        )


def live_cidrs() -> list[tuple[str | None, str | None]]:
    """(cidr, cidr_v6) of every live network, for carving new ones."""
    with reader() as session:
        return [(row.cidr, row.cidr_v6) for row in session.execute(_live(select(Network.cidr, Network.cidr_v6)))]


def used_vlans() -> set[int]:
    with reader() as session:
        return {int(v) for v in session.scalars(_live(select(Network.vlan)).where(Network.vlan.is_not(None)))}


def network_count() -> int:
    with reader() as session:
        return int(session.scalar(_live(select(func.count()).select_from(Network))) or 0)


def networks_by_ids(ids: Iterable[int]) -> dict[int, Network]:
    with reader() as session:
        return {n.id: n for n in session.scalars(select(Network).where(Network.id.in_(list(ids))))}
