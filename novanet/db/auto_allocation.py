"""Fact operations of "get me a network": build claims and the networks they build (pools: auto_pools).

Theory of operation
-------------------
A project's network is built by exactly one request, whatever the number of
daemons and threads asking at once, and without ``SELECT ... FOR UPDATE``:

* **Claim.** :func:`topology_claim` INSERTs the project's
  ``auto_allocated_topologies`` row (status BUILDING, a fresh
  ``claim_token``, a lease). The primary key lets one INSERT win on every
  database; the others see the row and wait.
* **Every later step is conditional on the token** (``WHERE project_id = ?
  AND claim_token = ?``): renewing the lease, recording the network, publishing
  and failing. A builder that stalled past its lease and was taken over finds
  its token gone (:class:`ClaimLost`) and stops without touching anything.
* **Takeover.** :func:`topology_take_over` replaces the token of a BUILDING
  row whose lease has passed, conditionally on the old token: of several
  waiters exactly one wins; it then cleans what the dead builder left
  (:func:`auto_network_discard`).
* **Carving** (:func:`auto_network_insert`) is one transaction: bump the
  pool's ``generation`` from the value the plan was made with (0 rows: another
  build carved from the pool meanwhile; re-plan), record the network on the
  claim, insert the network (status BUILDING, invisible to allocation) and
  its fixed IPs. The unique constraints on VLAN, bridge and CIDR catch what
  a plan made against other pools or hand-made networks missed.
* **Publish** flips network and claim to ACTIVE in one transaction; **fail**
  records the reason on the claim for the waiters to read.

Times are the daemons' clocks (naive UTC); hosts sharing a store are assumed
to keep time (NTP), as nova-network's service heartbeats already did.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid as uuidlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc, func, select, update

from novanet.db.auto_models import (
    AutoAllocatedTopology,
    NetworkStatus,
    SubnetPool,
    TopologyStatus,
)
from novanet.db.auto_pools import (  # noqa: F401  (one module for the allocator to read)
    EgressRecord,
    PoolRecord,
    default_egress,
    default_pool,
    egress_by_ids,
    egress_create,
    egress_delete,
    egress_get,
    egress_list,
    egress_set_default,
    subnet_pool_create,
    subnet_pool_delete,
    subnet_pool_get,
    subnet_pool_list,
    subnet_pool_set_default,
)
from novanet.db.models import FixedIp, Network, utcnow
from novanet.db.networks import NetworkPlan, check_overlap, insert_network
from novanet.db.session import RetryRequest, reader, rows_changed, writer

Topology = AutoAllocatedTopology


class ClaimLost(Exception):
    """This builder's claim was taken over: it must stop and leave everything alone."""


# -- build claims --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TopologyRecord:
    project_id: str
    status: TopologyStatus
    network_id: int | None
    subnet_pool_id: int | None
    claimed_by: str | None
    claim_token: str | None
    claim_expires_at: datetime.datetime | None
    reason: str | None
    last_error: str | None
    updated_at: datetime.datetime | None

    def expired(self, now: datetime.datetime | None = None) -> bool:
        """The lease (BUILDING) or the failure's hold time (ERROR) has passed."""
        return self.claim_expires_at is not None and self.claim_expires_at <= (now or utcnow())


def _topology_record(row: Topology) -> TopologyRecord:
    return TopologyRecord(row.project_id, TopologyStatus(row.status), row.network_id, row.subnet_pool_id,
                          row.claimed_by, row.claim_token, row.claim_expires_at, row.reason, row.last_error,
                          row.updated_at)


def _later(seconds: float) -> datetime.datetime:
    return utcnow() + datetime.timedelta(seconds=seconds)


def topology_get(project_id: str) -> TopologyRecord | None:
    with reader() as session:
        row = session.get(Topology, project_id)
        return _topology_record(row) if row is not None else None


def topology_list() -> list[TopologyRecord]:
    with reader() as session:
        return [_topology_record(r) for r in session.scalars(select(Topology).order_by(Topology.project_id))]


def topology_claim(project_id: str, host: str, lease: float) -> str | None:
    """Claim the build of the project's network; the claim token, or None if another request has the row."""
    token = str(uuidlib.uuid4())
    now = utcnow()
    try:
        with writer() as session:
            session.add(Topology(project_id=project_id, status=TopologyStatus.BUILDING.value, claimed_by=host,
                                 claim_token=token, claim_expires_at=_later(lease), created_at=now, updated_at=now))
            session.flush()
    except exc.IntegrityError:
        return None
    return token


def _update_claim(project_id: str, token: str, values: dict[str, Any], *conditions: Any) -> bool:
    with writer() as session:
        result = session.execute(update(Topology)
                                 .where(Topology.project_id == project_id, Topology.claim_token == token, *conditions)
                                 .values(updated_at=utcnow(), **values))
        return rows_changed(result) == 1


def topology_take_over(project_id: str, old_token: str, host: str, lease: float) -> str | None:
    """Take over a build whose lease passed; the new token, or None if it is not (or no longer) abandoned."""
    token = str(uuidlib.uuid4())
    now = utcnow()
    taken = _update_claim(project_id, old_token,
                          {"claim_token": token, "claimed_by": host, "claim_expires_at": _later(lease)},
                          Topology.status == TopologyStatus.BUILDING.value, Topology.claim_expires_at <= now)
    return token if taken else None


def topology_renew(project_id: str, token: str, lease: float) -> bool:
    """Extend this builder's lease; False: the claim was lost."""
    return _update_claim(project_id, token, {"claim_expires_at": _later(lease)},
                         Topology.status == TopologyStatus.BUILDING.value)


def topology_fail(project_id: str, token: str, reason: str, message: str, hold: float | None) -> bool:
    """Record a failed build for the waiters; kept ``hold`` seconds (None: until deleted)."""
    expires = _later(hold) if hold is not None else None
    return _update_claim(project_id, token, {"status": TopologyStatus.ERROR.value, "reason": reason,
                                             "last_error": message[:4000], "claim_expires_at": expires,
                                             "network_id": None},
                         Topology.status == TopologyStatus.BUILDING.value)


def topology_publish(project_id: str, token: str, network_id: int) -> bool:
    """Make the built network usable and the claim ACTIVE, together; False: the claim was lost."""
    now = utcnow()
    with writer() as session:
        result = session.execute(
            update(Topology)
            .where(Topology.project_id == project_id, Topology.claim_token == token,
                   Topology.status == TopologyStatus.BUILDING.value, Topology.network_id == network_id)
            .values(status=TopologyStatus.ACTIVE.value, claim_token=None, claim_expires_at=None, reason=None,
                    last_error=None, updated_at=now))
        if rows_changed(result) != 1:
            return False  # nothing was changed: the commit is empty
        session.execute(update(Network).where(Network.id == network_id, Network.deleted == 0)
                        .values(status=NetworkStatus.ACTIVE.value, updated_at=now))
        return True


def topology_forget(project_id: str, status: TopologyStatus, token: str | None = None,
                    network_id: int | None = None) -> bool:
    """Delete the project's row if it is still as the caller saw it (status, token, network)."""
    conditions = [Topology.project_id == project_id, Topology.status == status.value]
    conditions.append(Topology.claim_token == token if token is not None else Topology.claim_token.is_(None))
    if network_id is not None:
        conditions.append(Topology.network_id == network_id)
    with writer() as session:
        return rows_changed(session.execute(sa.delete(Topology).where(*conditions))) == 1


# -- the network of a build --------------------------------------------------------------


def auto_network_insert(project_id: str, token: str, pool_id: int, generation: int, plan: NetworkPlan) -> Network:
    """Carve the planned network from the pool for the claim, in one transaction.

    :raises RetryRequest: the pool changed since ``generation`` was read, or
        a concurrent build took the VLAN, bridge or CIDR: plan again.
    :raises ClaimLost: the claim is no longer this builder's.
    :raises CidrConflict, DuplicateVlan, DuplicateBridge: a hand-made network
        took the space (plan again, with fresh facts).
    """
    now = utcnow()
    try:
        with writer() as session:
            bumped = session.execute(update(SubnetPool)
                                     .where(SubnetPool.id == pool_id, SubnetPool.generation == generation,
                                            SubnetPool.deleted == 0)
                                     .values(generation=SubnetPool.generation + 1, updated_at=now))
            if rows_changed(bumped) != 1:
                raise RetryRequest()
            check_overlap(session, [plan])
            network = insert_network(session, plan, now)
            claimed = session.execute(update(Topology)
                                      .where(Topology.project_id == project_id, Topology.claim_token == token,
                                             Topology.status == TopologyStatus.BUILDING.value)
                                      .values(network_id=network.id, subnet_pool_id=pool_id, updated_at=now))
            if rows_changed(claimed) != 1:
                raise ClaimLost()
            return network
    except exc.IntegrityError:
        raise RetryRequest()


def auto_network_discard(network_id: int) -> bool:
    """Remove a network that never became usable, and its addresses, for good.

    Nothing can hold one of its addresses (it was never handed out), so the
    rows go rather than being soft-deleted: a rolled-back build leaves nothing.
    """
    with writer() as session:
        status = session.scalar(select(Network.status).where(Network.id == network_id))
        if status != NetworkStatus.BUILDING.value:
            return False
        session.execute(update(Topology).where(Topology.network_id == network_id).values(network_id=None))
        session.execute(sa.delete(FixedIp).where(FixedIp.network_id == network_id))
        session.execute(sa.delete(Network).where(Network.id == network_id))
        return True


def network_any_status(network_id: int) -> Network | None:
    """A live network whatever its status (a build's leftover included)."""
    with reader() as session:
        return session.scalars(select(Network).where(Network.id == network_id, Network.deleted == 0)).first()


def network_instances(network_id: int) -> list[str]:
    """Instances holding an address of the network."""
    with reader() as session:
        query = (select(FixedIp.instance_uuid).where(FixedIp.network_id == network_id, FixedIp.deleted == 0,
                                                     FixedIp.instance_uuid.is_not(None))
                 .distinct().order_by(FixedIp.instance_uuid))
        return [str(uuid) for uuid in session.scalars(query)]


@dataclasses.dataclass(frozen=True)
class CarvingFacts:
    """What a plan is made from: every live network's space, VLANs and bridges."""

    cidrs: tuple[str, ...]
    vlans: frozenset[int]
    bridges: frozenset[str]


def carving_facts() -> CarvingFacts:
    """One read of every live network (being built ones too)."""
    with reader() as session:
        rows = session.execute(select(Network.cidr, Network.vlan, Network.bridge).where(Network.deleted == 0)).all()
    return CarvingFacts(cidrs=tuple(str(r.cidr) for r in rows if r.cidr),
                        vlans=frozenset(int(r.vlan) for r in rows if r.vlan is not None),
                        bridges=frozenset(str(r.bridge) for r in rows if r.bridge))


def count_topologies() -> int:
    with reader() as session:
        return int(session.scalar(select(func.count()).select_from(Topology)) or 0)
