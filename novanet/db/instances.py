"""Fact operations on instances and their virtual interfaces (MAC addresses)."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import exc, select, update

from novanet import exception
from novanet.db.models import FixedIp, Instance, VirtualInterface, utcnow
from novanet.db.session import reader, retry_on_conflict, writer
from novanet.types import INSTANCE_FIELDS


@retry_on_conflict
def instance_ensure(uuid: str, **fields: Any) -> Instance:
    """Record an instance, or update the given (non-None) fields of a known one.

    :raises InvalidRequest: an unknown field.
    """
    unknown = set(fields) - set(INSTANCE_FIELDS)
    if unknown:
        raise exception.InvalidRequest(reason=f"unknown instance fields {sorted(unknown)}")
    values = {k: v for k, v in fields.items() if v is not None}
    try:
        with writer() as session:
            row = session.scalars(select(Instance).where(Instance.uuid == uuid, Instance.deleted == 0)).first()
            if row is None:
                row = Instance(uuid=uuid, **values)
                session.add(row)
                session.flush()
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            return row
    except exc.IntegrityError:
        # A concurrent first record of the same instance: update theirs.
        with writer() as session:
            row = session.scalars(select(Instance).where(Instance.uuid == uuid, Instance.deleted == 0)).one()
            for key, value in values.items():
                setattr(row, key, value)
            return row


def instance_get_by_uuid(uuid: str, read_deleted: bool = False) -> Instance:
    """The instance (the newest record when ``read_deleted``).

    :raises InstanceNotFound: unknown.
    """
    query = select(Instance).where(Instance.uuid == uuid).order_by(Instance.deleted, Instance.id.desc())
    if not read_deleted:
        query = query.where(Instance.deleted == 0)
    with reader() as session:
        row = session.scalars(query).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return row


def instance_get_by_id(instance_id: int) -> Instance:
    with reader() as session:
        row = session.get(Instance, instance_id)
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_id)
    return row


def instance_delete(uuid: str) -> None:
    """Soft-delete an instance record once it holds no address."""
    with writer() as session:
        now = utcnow()
        session.execute(
            update(Instance).where(Instance.uuid == uuid, Instance.deleted == 0)
            .values(deleted=Instance.id, deleted_at=now)
        )


def virtual_interface_create(instance_uuid: str, network_id: int | None, address: str, uuid: str,
                             tag: str | None = None) -> VirtualInterface:
    """Create a VIF.

    :raises MacAddressInUse: another live VIF has this MAC (the caller retries
        with a new MAC).
    """
    try:
        with writer() as session:
            row = VirtualInterface(instance_uuid=instance_uuid, network_id=network_id, address=address,
                                   uuid=uuid, tag=tag)
            session.add(row)
            session.flush()
            return row
    except exc.IntegrityError:
        with reader() as session:
            taken = session.scalar(select(VirtualInterface.id).where(
                VirtualInterface.address == address, VirtualInterface.deleted == 0))
        if taken is not None:
            raise exception.MacAddressInUse(address=address)
        raise exception.VirtualInterfaceCreateException()


def virtual_interface_get_by_instance(instance_uuid: str) -> list[VirtualInterface]:
    """Live VIFs of the instance in creation order."""
    with reader() as session:
        return list(session.scalars(
            select(VirtualInterface)
            .where(VirtualInterface.instance_uuid == instance_uuid, VirtualInterface.deleted == 0)
            .order_by(VirtualInterface.id)
        ))


def virtual_interface_get_by_instance_and_network(instance_uuid: str, network_id: int) -> VirtualInterface | None:
    with reader() as session:
        return session.scalars(
            select(VirtualInterface).where(
                VirtualInterface.instance_uuid == instance_uuid,
                VirtualInterface.network_id == network_id,
                VirtualInterface.deleted == 0,
            ).order_by(VirtualInterface.id)
        ).first()


def virtual_interface_get_by_address(address: str) -> VirtualInterface | None:
    with reader() as session:
        return session.scalars(
            select(VirtualInterface).where(VirtualInterface.address == address, VirtualInterface.deleted == 0)
        ).first()


def virtual_interface_get_by_uuid(uuid: str) -> VirtualInterface | None:
    with reader() as session:
        return session.scalars(
            select(VirtualInterface).where(VirtualInterface.uuid == uuid, VirtualInterface.deleted == 0)
        ).first()


def virtual_interface_get(vif_id: int) -> VirtualInterface | None:
    with reader() as session:
        return session.get(VirtualInterface, vif_id)


def virtual_interface_delete_by_instance(instance_uuid: str) -> int:
    """Soft-delete the instance's VIFs; returns how many.

    Addresses still waiting for their DHCP release keep pointing at the
    deleted VIF: its MAC is what lease events are checked against.
    """
    with writer() as session:
        rows = list(session.scalars(select(VirtualInterface).where(
            VirtualInterface.instance_uuid == instance_uuid, VirtualInterface.deleted == 0)))
        now = utcnow()
        for row in rows:
            row.deleted = row.id
            row.deleted_at = now
        return len(rows)


def virtual_interface_delete(vif_id: int) -> None:
    with writer() as session:
        row: Any = session.get(VirtualInterface, vif_id)
        if row is not None and row.deleted == 0:
            row.deleted = row.id
            row.deleted_at = utcnow()


def virtual_interface_delete_unused(older_than: datetime.datetime) -> int:
    """Soft-delete interfaces that hold no address any more (left by a crash or
    by removing an instance's last address on a network) and are older than
    ``older_than``. Interfaces on IPv6-only networks never hold one: kept.
    """
    from novanet.db.models import Network

    referenced = select(FixedIp.virtual_interface_id).where(
        FixedIp.deleted == 0, FixedIp.virtual_interface_id.is_not(None))
    v4_networks = select(Network.id).where(Network.cidr.is_not(None))
    with writer() as session:
        rows = list(session.scalars(select(VirtualInterface).where(
            VirtualInterface.deleted == 0, VirtualInterface.created_at < older_than,
            VirtualInterface.id.not_in(referenced), VirtualInterface.network_id.in_(v4_networks))))
        now = utcnow()
        for row in rows:
            row.deleted = row.id
            row.deleted_at = now
        return len(rows)
