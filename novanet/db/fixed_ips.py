"""Fact operations on fixed IPs: allocation, leases, release and timeouts.

Theory of operation
-------------------
A fixed IP moves through these states (columns in brackets)::

    free ──associate──▶ associated+allocated ──deallocate──▶ associated only
    [instance NULL]      [instance, vif, allocated]           [allocated=False]
      ▲                        │ lease/release (dnsmasq)           │
      └──── disassociate ◀─────┴───────────── release / timeout ◀──┘

* **Allocation** (``fixed_ip_associate_pool``) reads the least recently
  touched free rows through the ``ix_fixed_ips_free`` index (so its cost does
  not grow with how full the network is) and claims one with a
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
from sqlalchemy import exc, select, update

from novanet import exception
from novanet.db.models import FREE_FIXED_IP, FixedIp, Instance, Network, VirtualInterface, utcnow
from novanet.db.session import RetryRequest, backoff, by_primary_key, is_retryable, reader, retry_on_conflict, rows_changed, writer

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


def _network_label(session: Any, network_id: int) -> str:
    row = session.execute(select(Network.uuid, Network.cidr).where(Network.id == network_id)).first()
    return f"{row.uuid} ({row.cidr})" if row else str(network_id)


def fixed_ip_associate_pool(network_id: int, instance_uuid: str | None = None, host: str | None = None,
                            vif_id: int | None = None, max_attempts: int = 10) -> FixedIp:
    """Claim a free address of the network for an instance (or a host).

    :raises NoMoreFixedIps: the network has no free address.
    :raises FixedIpAssociateFailed: every attempt lost a race.
    """
    for attempt in range(max_attempts):
        try:
            return _associate_pool_once(network_id, instance_uuid, host, vif_id, first=attempt == 0)
        except Exception as error:
            if not is_retryable(error):
                raise
            backoff(attempt + 1)
    with reader() as session:
        raise exception.FixedIpAssociateFailed(net=_network_label(session, network_id))


def _associate_pool_once(network_id: int, instance_uuid: str | None, host: str | None,
                         vif_id: int | None, first: bool) -> FixedIp:
    with writer() as session:
        # NOTE(sqlite): a partial index is used only when the query repeats
        # its predicate term for term, so the candidates use the very text
        # of the index's WHERE clause.
        query = select(FixedIp.id).where(FixedIp.network_id == network_id, FREE_FIXED_IP)
        candidates = list(session.scalars(query.order_by(FixedIp.updated_at, FixedIp.id).limit(CANDIDATES)))
        if not candidates:
            raise exception.NoMoreFixedIps(net=_network_label(session, network_id))
        chosen = candidates[0] if first else random.choice(candidates)
        result = session.execute(
            by_primary_key(_free(update(FixedIp)))
            .where(FixedIp.id == chosen)
            .values(
                instance_uuid=instance_uuid,
                host=host,
                virtual_interface_id=vif_id,
                allocated=vif_id is not None,
                updated_at=utcnow(),
            )
        )
        if rows_changed(result) != 1:
            raise RetryRequest()
        return session.get_one(FixedIp, chosen)


@retry_on_conflict
def fixed_ip_associate(address: str, instance_uuid: str, network_id: int, reserved: bool = False,
                       vif_id: int | None = None, network_uuid: str | None = None) -> FixedIp:
    """Claim a specific address of a network for an instance.

    ``reserved`` must match the row (the VPN address is a reserved row).

    :raises FixedIpNotFoundForNetwork: the address is not a (suitable) row of the network.
    :raises FixedIpAlreadyInUse: it belongs to an instance already.
    """
    with writer() as session:
        row = session.scalars(
            select(FixedIp).where(
                FixedIp.network_id == network_id,
                FixedIp.address == address,
                FixedIp.deleted == 0,
                FixedIp.reserved.is_(reserved),
            )
        ).first()
        if row is None:
            raise exception.FixedIpNotFoundForNetwork(address=address, network_uuid=network_uuid or network_id)
        if row.instance_uuid is not None or row.host is not None or row.leased:
            raise exception.FixedIpAlreadyInUse(address=address, instance_uuid=row.instance_uuid or row.host)
        result = session.execute(
            by_primary_key(update(FixedIp))
            .where(
                FixedIp.id == row.id,
                FixedIp.instance_uuid.is_(None),
                FixedIp.host.is_(None),
                FixedIp.leased.is_(False),
                FixedIp.deleted == 0,
            )
            .values(instance_uuid=instance_uuid, virtual_interface_id=vif_id, allocated=vif_id is not None,
                    updated_at=utcnow())
        )
        if rows_changed(result) != 1:
            raise RetryRequest()
        session.refresh(row)
        return row


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
class InstanceFact:
    """One interface of an instance with one of its addresses (or none)."""

    vif: VirtualInterface
    fixed: FixedIp | None
    network: Network
    floating: tuple[str, ...]


def fixed_ip_allocate_for_instance(network_id: int, instance_uuid: str, vif_address: str, vif_uuid: str,
                                   tag: str | None = None, address: str | None = None, reserved: bool = False,
                                   network_uuid: str | None = None, max_attempts: int = 10
                                   ) -> tuple[FixedIp, VirtualInterface]:
    """Give the instance an interface on the network and an address, atomically.

    The VIF (created with ``vif_address``/``vif_uuid`` unless the instance
    already has one on this network) and the address are written in one
    transaction, so a failure leaves neither. ``address`` picks a specific
    address (``reserved`` must match its row: the VPN address is reserved);
    otherwise the pool's next free one.

    :raises MacAddressInUse: another live VIF has ``vif_address``.
    :raises NoMoreFixedIps, FixedIpNotFoundForNetwork, FixedIpAlreadyInUse.
    """
    from novanet.db import instances

    for attempt in range(max_attempts):
        try:
            return _allocate_for_instance_once(network_id, instance_uuid, vif_address, vif_uuid, tag, address,
                                               reserved, network_uuid, first=attempt == 0)
        except exc.IntegrityError:
            if instances.virtual_interface_get_by_address(vif_address) is not None:
                raise exception.MacAddressInUse(address=vif_address)
            if attempt == max_attempts - 1:
                raise
        except Exception as error:
            if not is_retryable(error) or attempt == max_attempts - 1:
                raise
        backoff(attempt + 1)
    raise exception.FixedIpAssociateFailed(net=network_uuid or network_id)


def _allocate_for_instance_once(network_id: int, instance_uuid: str, vif_address: str, vif_uuid: str,
                                tag: str | None, address: str | None, reserved: bool, network_uuid: str | None,
                                first: bool) -> tuple[FixedIp, VirtualInterface]:
    with writer() as session:
        vif = session.scalars(
            select(VirtualInterface).where(VirtualInterface.instance_uuid == instance_uuid,
                                           VirtualInterface.network_id == network_id,
                                           VirtualInterface.deleted == 0).order_by(VirtualInterface.id)
        ).first()
        if vif is None:
            vif = VirtualInterface(instance_uuid=instance_uuid, network_id=network_id, address=vif_address,
                                   uuid=vif_uuid, tag=tag)
            session.add(vif)
            session.flush()
        if address is None:
            query = select(FixedIp.id).where(FixedIp.network_id == network_id, FREE_FIXED_IP)
            candidates = list(session.scalars(query.order_by(FixedIp.updated_at, FixedIp.id).limit(CANDIDATES)))
            if not candidates:
                raise exception.NoMoreFixedIps(net=_network_label(session, network_id))
            chosen = candidates[0] if first else random.choice(candidates)
        else:
            row = session.scalars(select(FixedIp).where(
                FixedIp.network_id == network_id, FixedIp.address == address, FixedIp.deleted == 0,
                FixedIp.reserved.is_(reserved))).first()
            if row is None:
                raise exception.FixedIpNotFoundForNetwork(address=address, network_uuid=network_uuid or network_id)
            if row.instance_uuid is not None or row.host is not None or row.leased:
                raise exception.FixedIpAlreadyInUse(address=address, instance_uuid=row.instance_uuid or row.host)
            chosen = row.id
        result = session.execute(
            by_primary_key(update(FixedIp))
            .where(FixedIp.id == chosen, FixedIp.deleted == 0, FixedIp.instance_uuid.is_(None),
                   FixedIp.host.is_(None), FixedIp.leased.is_(False))
            .values(instance_uuid=instance_uuid, virtual_interface_id=vif.id, allocated=True,
                    updated_at=utcnow())
        )
        if rows_changed(result) != 1:
            raise RetryRequest()
        return session.get_one(FixedIp, chosen), vif


def instance_facts(instance_uuid: str) -> list[InstanceFact]:
    """The instance's live interfaces with their allocated addresses, networks and floating IPs.

    One fact per (interface, address); an interface without an address
    (an IPv6-only network) appears once with ``fixed=None``. Ordered by
    interface creation, then address; two queries however many NICs.
    """
    from novanet.db.models import FloatingIp

    query = (
        select(VirtualInterface, FixedIp, Network)
        .join(Network, Network.id == VirtualInterface.network_id)
        .outerjoin(FixedIp, sa.and_(FixedIp.virtual_interface_id == VirtualInterface.id, FixedIp.deleted == 0,
                                    FixedIp.instance_uuid == VirtualInterface.instance_uuid,
                                    FixedIp.allocated.is_(True)))
        .where(VirtualInterface.instance_uuid == instance_uuid, VirtualInterface.deleted == 0, Network.deleted == 0)
        .order_by(VirtualInterface.id, FixedIp.id)
    )
    with reader() as session:
        rows = list(session.execute(query))
        ids = [fixed.id for _, fixed, _ in rows if fixed is not None]
        floating: dict[int, list[str]] = {}
        if ids:
            for fixed_id, addr in session.execute(
                select(FloatingIp.fixed_ip_id, FloatingIp.address)
                .where(FloatingIp.fixed_ip_id.in_(ids), FloatingIp.deleted == 0).order_by(FloatingIp.id)
            ):
                if fixed_id is not None:
                    floating.setdefault(fixed_id, []).append(addr)
    return [InstanceFact(vif, fixed, network, tuple(floating.get(fixed.id, ())) if fixed is not None else ())
            for vif, fixed, network in rows]


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
