"""Fact operations driven by DHCP: leases, releases, timeouts, host entries.

Theory of operation
-------------------
dnsmasq tells us, through novanet-dhcpbridge, when it leases or releases an
address; the manager records it here. Every event names the MAC it is about
and is ignored unless that is the MAC of the interface that holds the address
now, so an event that arrives late, about a previous owner, cannot touch the
new one (nova-network's bug 1249065). A deallocated address is freed when its
release is reported, or by the timeout task once its lease cannot be alive any
more. See :mod:`novanet.db.fixed_ips` for the states.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select, update

from novanet.db.baremetal_models import BaremetalVif
from novanet.db.models import RELEASED_FIXED_IP, FixedIp, Instance, Network, VirtualInterface, utcnow
from novanet.db.session import by_primary_key, reader, rows_changed, writer


class LeaseOutcome(enum.Enum):
    """What a lease or release event did."""

    #: The lease is recorded.
    LEASED = "leased"
    #: The lease is cleared; the address is still allocated.
    RELEASED = "released"
    #: The lease is cleared and the (deallocated) address freed.
    DISASSOCIATED = "disassociated"
    #: Nobody owns the address: ignored.
    UNASSOCIATED = "unassociated"
    #: The MAC is not the owner's (a late event about a previous owner): ignored.
    FOREIGN = "foreign"


@dataclasses.dataclass(frozen=True)
class HostEntry:
    """An associated address with its VIF and instance, for DHCP and DNS."""

    address: str
    network_id: int
    instance_uuid: str
    vif_id: int
    vif_uuid: str
    vif_address: str
    hostname: str | None
    instance_host: str | None
    allocated: bool
    leased: bool
    default_route: bool
    #: Answered with the PXE boot options (a baremetal node's VIF, see
    #: novanet.db.baremetal_models.BaremetalVif).
    pxe: bool = False


def _vif_mac(session: Any, vif_id: int | None) -> str | None:
    if vif_id is None:
        return None
    return session.scalar(select(VirtualInterface.address).where(VirtualInterface.id == vif_id))


def fixed_ip_lease(address: str, network_id: int, mac: str | None) -> LeaseOutcome:
    """Record dnsmasq's lease of ``address``: LEASED, or UNASSOCIATED / FOREIGN (ignored)."""
    with writer() as session:
        row = session.scalars(
            select(FixedIp).where(FixedIp.network_id == network_id, FixedIp.address == address, FixedIp.deleted == 0)
        ).first()
        if row is None or row.instance_uuid is None:
            return LeaseOutcome.UNASSOCIATED
        owner_mac = _vif_mac(session, row.virtual_interface_id)
        if mac is not None and owner_mac is not None and owner_mac.lower() != mac.lower():
            return LeaseOutcome.FOREIGN
        row.leased = True
        row.updated_at = utcnow()
        return LeaseOutcome.LEASED


def fixed_ip_release(address: str, network_id: int, mac: str | None) -> LeaseOutcome:
    """Record dnsmasq's release of ``address``; free it if it is deallocated.

    :returns: RELEASED, DISASSOCIATED, or UNASSOCIATED / FOREIGN (ignored).
    """
    with writer() as session:
        row = session.scalars(
            select(FixedIp).where(FixedIp.network_id == network_id, FixedIp.address == address, FixedIp.deleted == 0)
        ).first()
        if row is None:
            return LeaseOutcome.UNASSOCIATED
        if row.instance_uuid is None:
            if row.leased and row.host is None:
                row.leased = False
                row.updated_at = utcnow()
            return LeaseOutcome.UNASSOCIATED
        owner_mac = _vif_mac(session, row.virtual_interface_id)
        if mac is not None and owner_mac is not None and owner_mac.lower() != mac.lower():
            return LeaseOutcome.FOREIGN
        row.leased = False
        row.updated_at = utcnow()
        if row.allocated:
            return LeaseOutcome.RELEASED
        row.instance_uuid = None
        row.virtual_interface_id = None
        return LeaseOutcome.DISASSOCIATED


def fixed_ip_disassociate_all_by_timeout(host: str, released_before: datetime.datetime,
                                         lease_expired_before: datetime.datetime) -> int:
    """Free deallocated addresses of this host's networks whose lease cannot return.

    An address qualifies when it was deallocated before ``released_before``
    and either holds no lease or was last touched before
    ``lease_expired_before`` (so any lease on it has expired). "This host's"
    means the network's host, or for multi_host networks the instance's host.
    Returns how many were freed.
    """
    owned = sa.or_(
        Network.host == host,
        sa.and_(Network.multi_host.is_(True), Instance.host == host),
    )
    stale = sa.and_(
        RELEASED_FIXED_IP,  # the partial index's own predicate text (see fixed_ips)
        FixedIp.updated_at < released_before,
        sa.or_(FixedIp.leased.is_(False), FixedIp.updated_at < lease_expired_before),
    )
    # The released rows are found alone (the partial index's unqualified
    # predicate would be ambiguous in a join), then matched to this host.
    released = select(FixedIp.id, FixedIp.network_id, FixedIp.instance_uuid).where(stale).subquery()
    query = (
        select(released.c.id)
        .join(Network, Network.id == released.c.network_id)
        .outerjoin(Instance, sa.and_(Instance.uuid == released.c.instance_uuid, Instance.deleted == 0))
        .where(owned)
    )
    freed = 0
    with writer() as session:
        ids = list(session.scalars(query))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            result = session.execute(
                by_primary_key(update(FixedIp))
                .where(FixedIp.id.in_(chunk), stale)
                .values(instance_uuid=None, virtual_interface_id=None, leased=False, updated_at=utcnow())
            )
            freed += rows_changed(result)
    return freed


def network_host_entries(network_id: int, host: str | None = None,
                         allocated_only: bool = True) -> list[HostEntry]:
    """Associated addresses of a network with VIF and instance, for dnsmasq.

    A baremetal node's VIF is served only while it is bound to the node's
    port (its MAC is then the port's), and says whether it gets PXE options.

    :param host: only instances on this host (multi_host networks).
    """
    first_vif = (
        select(VirtualInterface.instance_uuid, sa.func.min(VirtualInterface.id).label("first_id"))
        .where(VirtualInterface.deleted == 0)
        .group_by(VirtualInterface.instance_uuid)
        .subquery()
    )
    query = (
        select(FixedIp, VirtualInterface, Instance, first_vif.c.first_id, BaremetalVif.pxe)
        .join(VirtualInterface, sa.and_(VirtualInterface.id == FixedIp.virtual_interface_id,
                                        VirtualInterface.deleted == 0))
        .join(Instance, sa.and_(Instance.uuid == FixedIp.instance_uuid, Instance.deleted == 0))
        .join(first_vif, first_vif.c.instance_uuid == FixedIp.instance_uuid)
        .outerjoin(BaremetalVif, BaremetalVif.vif_uuid == VirtualInterface.uuid)
        .where(FixedIp.network_id == network_id, FixedIp.deleted == 0,
               sa.or_(BaremetalVif.vif_uuid.is_(None), BaremetalVif.bound.is_(True)))
        .order_by(FixedIp.id)
    )
    if allocated_only:
        query = query.where(FixedIp.allocated.is_(True))
    if host is not None:
        query = query.where(Instance.host == host)
    with reader() as session:
        return [
            HostEntry(
                address=fixed.address,
                network_id=fixed.network_id,
                instance_uuid=instance.uuid,
                vif_id=vif.id,
                vif_uuid=vif.uuid,
                vif_address=vif.address,
                hostname=instance.hostname,
                instance_host=instance.host,
                allocated=fixed.allocated,
                leased=fixed.leased,
                default_route=vif.id == first_id,
                pxe=bool(pxe),
            )
            for fixed, vif, instance, first_id, pxe in session.execute(query)
        ]


def network_leases(network_id: int) -> list[tuple[str, str, str | None]]:
    """(address, MAC, hostname) of every leased address of the network.

    Leases survive deallocation until dnsmasq reports their release (the
    VIF may be deleted already; its MAC is still what holds the lease).
    """
    query = (
        select(FixedIp.address, VirtualInterface.address, Instance.hostname)
        .join(VirtualInterface, VirtualInterface.id == FixedIp.virtual_interface_id)
        .outerjoin(Instance, sa.and_(Instance.uuid == FixedIp.instance_uuid, Instance.deleted == 0))
        .where(FixedIp.network_id == network_id, FixedIp.deleted == 0, FixedIp.leased.is_(True),
               FixedIp.instance_uuid.is_not(None))
        .order_by(FixedIp.id)
    )
    with reader() as session:
        return [(a, m, h) for a, m, h in session.execute(query)]
