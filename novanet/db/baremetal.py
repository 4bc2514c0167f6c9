"""Fact operations on baremetal nodes, ports, port groups and their VIFs.

Theory of operation
-------------------
* **The node lock is a row, not a Python lock.** :func:`node_reserve` is a
  compare-and-set on ``baremetal_nodes.reservation`` (set only where it is
  NULL or older than the takeover age), so two processes on two hosts
  against one database cannot both hold a node; a holder that died is taken
  over once its reservation is stale.
* **Field changes that would move live switch ports are refused while the
  node is on a network**: creating or deleting ports and groups, and
  changing a node's provider, only happen where the node's phase is none or
  idle, checked in the same statement or transaction that writes.
* **A switch is committed in one transaction** (:func:`node_commit`): the
  phase, the segment of every switch port, and every VIF's binding (bound,
  PXE, and its MAC: the port's while bound, its own otherwise) change
  together, after the host steps succeeded. The MACs of VIFs that are
  unbound are given back before others take them, so the one-live-VIF-per-MAC
  constraint holds inside the transaction too. Lease flags are left alone:
  an address whose lease may still be alive (``dhcp_release`` failed) is
  never freed early; the release event or the timeout task frees it.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import uuid as uuidlib
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc, select, update

from novanet import exception
from novanet.db.baremetal_models import BaremetalNetOp, BaremetalNode, BaremetalPort, BaremetalPortgroup, BaremetalVif
from novanet.db.models import FixedIp, Network, VirtualInterface, utcnow
from novanet.db.session import reader, rows_changed, writer

#: Phases in which a node's ports, groups and provider may change.
RESTING_PHASES = ("none", "idle")


@dataclasses.dataclass(frozen=True)
class VifFact:
    """A baremetal VIF with its address and network, as the providers use it."""

    vif_id: int
    vif_uuid: str
    mac: str
    network_id: int
    instance_uuid: str
    address: str | None
    leased: bool
    purpose: str
    port_id: int | None
    portgroup_id: int | None
    tagged: bool
    bound: bool
    pxe: bool


@dataclasses.dataclass(frozen=True)
class NodeLayout:
    """A node with its ports, groups and VIFs, read in one transaction."""

    node: BaremetalNode
    ports: tuple[BaremetalPort, ...]
    groups: tuple[BaremetalPortgroup, ...]
    vifs: tuple[VifFact, ...]

    def group(self, group_id: int | None) -> BaremetalPortgroup | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def members(self, group_id: int) -> tuple[BaremetalPort, ...]:
        return tuple(p for p in self.ports if p.portgroup_id == group_id)

    def port(self, port_id: int | None) -> BaremetalPort | None:
        return next((p for p in self.ports if p.id == port_id), None)


@dataclasses.dataclass(frozen=True)
class Binding:
    """What :func:`node_commit` sets on one VIF."""

    bound: bool
    pxe: bool
    #: The MAC the VIF gets (None: unchanged).
    mac: str | None = None


def _live(model: Any) -> Any:
    return select(model).where(model.deleted == 0)


def _first(query: Any, error: exception.NovanetError) -> Any:
    """The first row of ``query``; ``error`` when there is none."""
    with reader() as session:
        row = session.scalars(query).first()
    if row is None:
        raise error
    return row


def _soft_delete(row: Any) -> None:
    row.deleted = row.id
    row.deleted_at = utcnow()


# -- nodes ----------------------------------------------------------------------------


def node_create(name: str, network_provider: str | None = None, instance_uuid: str | None = None,
                project_id: str | None = None, driver_info: Mapping[str, str] | None = None,
                power_state: str = "unknown") -> BaremetalNode:
    """Record a new node.

    :raises BaremetalNodeExists: the name is taken.
    """
    try:
        with writer() as session:
            row = BaremetalNode(uuid=str(uuidlib.uuid4()), name=name, network_provider=network_provider,
                                instance_uuid=instance_uuid or str(uuidlib.uuid4()), project_id=project_id,
                                driver_info=json.dumps(dict(driver_info)) if driver_info else None,
                                power_state=power_state)
            session.add(row)
            session.flush()
            return row
    except exc.IntegrityError:
        raise exception.BaremetalNodeExists(name=name) from None


def _node_query(ident: str) -> Any:
    return _live(BaremetalNode).where(sa.or_(BaremetalNode.uuid == ident, BaremetalNode.name == ident))


def node_get(ident: str) -> BaremetalNode:
    """A live node by uuid or name.

    :raises BaremetalNodeNotFound: no such node.
    """
    node: BaremetalNode = _first(_node_query(ident), exception.BaremetalNodeNotFound(node=ident))
    return node


def node_get_by_instance(instance_uuid: str) -> BaremetalNode | None:
    """The live node that carries ``instance_uuid``'s tenant VIFs, if any."""
    with reader() as session:
        return session.scalars(_live(BaremetalNode).where(BaremetalNode.instance_uuid == instance_uuid)).first()


def baremetal_nodes_exist() -> bool:
    with reader() as session:
        return session.scalar(select(BaremetalNode.id).where(BaremetalNode.deleted == 0).limit(1)) is not None


def node_list() -> list[BaremetalNode]:
    with reader() as session:
        return list(session.scalars(_live(BaremetalNode).order_by(BaremetalNode.name)))


def node_update(node_id: int, values: Mapping[str, Any], resting_only: bool = False) -> BaremetalNode:
    """Change columns of a live node.

    :param resting_only: refuse unless the node's phase is none or idle
        (checked in the UPDATE itself).
    :raises NodeInvalidState: ``resting_only`` and the node is on a network.
    """
    with writer() as session:
        statement = update(BaremetalNode).where(BaremetalNode.id == node_id, BaremetalNode.deleted == 0)
        if resting_only:
            statement = statement.where(BaremetalNode.net_phase.in_(RESTING_PHASES))
        changed = rows_changed(session.execute(statement.values(updated_at=utcnow(), **values)))
        row = session.get_one(BaremetalNode, node_id)
        if changed != 1:
            raise exception.NodeInvalidState(
                node=row.name, reason=f"it is in phase {row.net_phase}; bring it to phase idle first")
        return row


def node_delete(node_id: int) -> None:
    """Delete a resting node without VIFs, with its ports and groups.

    :raises NodeInvalidState: it is on a network or still has VIFs.
    """
    with writer() as session:
        node = session.get_one(BaremetalNode, node_id)
        if node.net_phase not in RESTING_PHASES:
            raise exception.NodeInvalidState(node=node.name, reason=f"it is in phase {node.net_phase}")
        if session.scalar(select(sa.func.count()).where(BaremetalVif.node_id == node_id)):
            raise exception.NodeInvalidState(node=node.name, reason="it still has VIFs; detach them first")
        for model in (BaremetalPort, BaremetalPortgroup):
            for row in session.scalars(_live(model).where(model.node_id == node_id)):
                _soft_delete(row)
        _soft_delete(node)


def node_reserve(node_id: int, holder: str, stale_before: datetime.datetime) -> str | None:
    """Take the node's lock for ``holder``.

    :returns: None when taken, else the current holder.
    """
    with writer() as session:
        result = session.execute(
            update(BaremetalNode)
            .where(BaremetalNode.id == node_id, BaremetalNode.deleted == 0,
                   sa.or_(BaremetalNode.reservation.is_(None), BaremetalNode.reserved_at < stale_before))
            .values(reservation=holder, reserved_at=utcnow()))
        if rows_changed(result) == 1:
            return None
        current = session.scalar(select(BaremetalNode.reservation).where(BaremetalNode.id == node_id))
        return current or "another operation"


def node_release(node_id: int, holder: str) -> bool:
    """Give the node's lock back; False if ``holder`` did not hold it."""
    with writer() as session:
        result = session.execute(update(BaremetalNode)
                                 .where(BaremetalNode.id == node_id, BaremetalNode.reservation == holder)
                                 .values(reservation=None, reserved_at=None))
        return rows_changed(result) == 1


def node_release_all(holder_prefix: str) -> int:
    """Drop every node lock whose holder starts with ``holder_prefix`` (a
    previous run of this host's daemon died holding them)."""
    with writer() as session:
        result = session.execute(update(BaremetalNode)
                                 .where(BaremetalNode.reservation.startswith(holder_prefix, autoescape=True))
                                 .values(reservation=None, reserved_at=None))
        return rows_changed(result)


def node_layout(node_id: int) -> NodeLayout:
    """The node, its ports, groups and VIFs in one read."""
    with reader() as session:
        node = session.get_one(BaremetalNode, node_id)
        ports = tuple(session.scalars(_live(BaremetalPort).where(BaremetalPort.node_id == node_id)
                                      .order_by(BaremetalPort.id)))
        groups = tuple(session.scalars(_live(BaremetalPortgroup).where(BaremetalPortgroup.node_id == node_id)
                                       .order_by(BaremetalPortgroup.id)))
        rows = session.execute(
            select(BaremetalVif, VirtualInterface, FixedIp.address, FixedIp.leased)
            .join(VirtualInterface, sa.and_(VirtualInterface.uuid == BaremetalVif.vif_uuid,
                                            VirtualInterface.deleted == 0))
            .outerjoin(FixedIp, sa.and_(FixedIp.virtual_interface_id == VirtualInterface.id, FixedIp.deleted == 0,
                                        FixedIp.allocated.is_(True)))
            .where(BaremetalVif.node_id == node_id)
            .order_by(VirtualInterface.id))
        vifs: dict[str, VifFact] = {}
        for binding, vif, address, leased in rows:
            if binding.vif_uuid in vifs:
                continue  # only the first address of a VIF is served
            vifs[binding.vif_uuid] = VifFact(
                vif.id, vif.uuid, vif.address, int(vif.network_id or 0), vif.instance_uuid, address, bool(leased),
                binding.purpose, binding.port_id, binding.portgroup_id, binding.tagged, binding.bound, binding.pxe)
    return NodeLayout(node, ports, groups, tuple(vifs.values()))


def node_commit(node_id: int, phase: str | None, phase_provider: str | None,
                port_networks: Mapping[int, int | None], bindings: Mapping[str, Binding]) -> None:
    """Record a finished switch in one transaction (see the module docstring).

    :param phase: the new phase (None: unchanged).
    :param port_networks: port id -> network id (None: on none).
    :param bindings: VIF uuid -> its new binding.
    """
    now = utcnow()
    with writer() as session:
        values: dict[str, Any] = {"updated_at": now, "last_error": None}
        if phase is not None:
            values.update(net_phase=phase, phase_provider=phase_provider if phase not in RESTING_PHASES else None)
        session.execute(update(BaremetalNode).where(BaremetalNode.id == node_id).values(**values))
        for port_id, network_id in port_networks.items():
            session.execute(update(BaremetalPort).where(BaremetalPort.id == port_id)
                            .values(network_id=network_id, updated_at=now))
        # Unbinding first: a MAC is given back before another VIF takes it.
        for vif_uuid, binding in sorted(bindings.items(), key=lambda item: item[1].bound):
            session.execute(update(BaremetalVif).where(BaremetalVif.vif_uuid == vif_uuid)
                            .values(bound=binding.bound, pxe=binding.pxe, updated_at=now))
            if binding.mac is not None:
                session.execute(update(VirtualInterface)
                                .where(VirtualInterface.uuid == vif_uuid, VirtualInterface.deleted == 0)
                                .values(address=binding.mac, updated_at=now))


def node_set_error(node_id: int, error: str | None) -> None:
    with writer() as session:
        session.execute(update(BaremetalNode).where(BaremetalNode.id == node_id).values(last_error=error))


# -- port groups and ports --------------------------------------------------------------


def _resting_node(session: Any, node_id: int) -> BaremetalNode:
    node = session.scalars(_live(BaremetalNode).where(BaremetalNode.id == node_id)).first()
    if node is None:
        raise exception.BaremetalNodeNotFound(node=node_id)
    if node.net_phase not in RESTING_PHASES:
        raise exception.NodeInvalidState(
            node=node.name, reason=f"its ports cannot change in phase {node.net_phase}; bring it to phase idle")
    # Touch the node: a concurrent switch that read the old ports conflicts with us.
    node.updated_at = utcnow()
    return node


def portgroup_create(node_id: int, name: str, address: str | None, mode: str,
                     properties: Mapping[str, Any] | None, standalone_ports_supported: bool) -> BaremetalPortgroup:
    """Add a port group to a resting node.

    :raises BaremetalPortExists: the node has a group of that name.
    """
    try:
        with writer() as session:
            _resting_node(session, node_id)
            row = BaremetalPortgroup(uuid=str(uuidlib.uuid4()), node_id=node_id, name=name, address=address,
                                     mode=mode, properties=json.dumps(dict(properties)) if properties else None,
                                     standalone_ports_supported=standalone_ports_supported)
            session.add(row)
            session.flush()
            return row
    except exc.IntegrityError:
        raise exception.BaremetalPortExists(what="Port group name", value=name) from None


def portgroup_get(node_id: int, ident: str) -> BaremetalPortgroup:
    """A live group of the node by uuid or name."""
    group: BaremetalPortgroup = _first(
        _live(BaremetalPortgroup).where(BaremetalPortgroup.node_id == node_id,
                                        sa.or_(BaremetalPortgroup.uuid == ident, BaremetalPortgroup.name == ident)),
        exception.BaremetalPortgroupNotFound(portgroup=ident))
    return group


def port_create(node_id: int, address: str, pxe_enabled: bool, switch_port: str,
                portgroup_id: int | None) -> BaremetalPort:
    """Add a port to a resting node; a group without a MAC takes this port's.

    :raises BaremetalPortExists: the MAC or the switch port is taken.
    """
    try:
        with writer() as session:
            _resting_node(session, node_id)
            for column, value, what in ((BaremetalPort.address, address, "MAC address"),
                                        (BaremetalPort.switch_port, switch_port, "Switch port")):
                if session.scalar(select(BaremetalPort.id).where(column == value, BaremetalPort.deleted == 0)):
                    raise exception.BaremetalPortExists(what=what, value=value)
            row = BaremetalPort(uuid=str(uuidlib.uuid4()), node_id=node_id, address=address,
                                pxe_enabled=pxe_enabled, switch_port=switch_port, portgroup_id=portgroup_id)
            session.add(row)
            if portgroup_id is not None:
                session.execute(update(BaremetalPortgroup)
                                .where(BaremetalPortgroup.id == portgroup_id, BaremetalPortgroup.address.is_(None))
                                .values(address=address))
            session.flush()
            return row
    except exc.IntegrityError:
        raise exception.BaremetalPortExists(what="MAC address or switch port", value=f"{address}/{switch_port}") \
            from None


def port_get(ident: str) -> BaremetalPort:
    """A live port by uuid or MAC."""
    port: BaremetalPort = _first(
        _live(BaremetalPort).where(sa.or_(BaremetalPort.uuid == ident, BaremetalPort.address == ident)),
        exception.BaremetalPortNotFound(port=ident))
    return port


def port_delete(port_id: int) -> None:
    """Delete a port of a resting node that carries no VIF."""
    with writer() as session:
        port = session.get_one(BaremetalPort, port_id)
        node = _resting_node(session, port.node_id)
        if session.scalar(select(sa.func.count()).where(BaremetalVif.port_id == port_id)):
            raise exception.NodeInvalidState(node=node.name, reason=f"port {port.address} carries a VIF")
        _soft_delete(port)


def portgroup_delete(group_id: int) -> None:
    """Delete an empty group of a resting node that carries no VIF."""
    with writer() as session:
        group = session.get_one(BaremetalPortgroup, group_id)
        node = _resting_node(session, group.node_id)
        if session.scalar(select(sa.func.count()).where(BaremetalVif.portgroup_id == group_id)) or \
                session.scalar(select(sa.func.count()).where(BaremetalPort.portgroup_id == group_id,
                                                             BaremetalPort.deleted == 0)):
            raise exception.NodeInvalidState(node=node.name, reason=f"port group {group.name} is not empty")
        _soft_delete(group)


def ports_all() -> list[tuple[BaremetalPort, BaremetalNode]]:
    """Every live port with its node (restart reconciliation)."""
    with reader() as session:
        return [(p, n) for p, n in session.execute(
            select(BaremetalPort, BaremetalNode)
            .join(BaremetalNode, BaremetalNode.id == BaremetalPort.node_id)
            .where(BaremetalPort.deleted == 0, BaremetalNode.deleted == 0)
            .order_by(BaremetalPort.id))]


# -- VIFs ---------------------------------------------------------------------------------


def vif_binding_create(vif_uuid: str, node_id: int, purpose: str, port_id: int | None = None,
                       portgroup_id: int | None = None, tagged: bool = False) -> None:
    """Record a VIF as the node's (unbound); a retry of the same VIF is a no-op."""
    with writer() as session:
        if session.get(BaremetalVif, vif_uuid) is None:
            session.add(BaremetalVif(vif_uuid=vif_uuid, node_id=node_id, purpose=purpose, port_id=port_id,
                                     portgroup_id=portgroup_id, tagged=tagged))


def vif_delete(vif_id: int, vif_uuid: str) -> None:
    """Forget a node's VIF: its address is deallocated (freed at once unless a
    lease may still come back, see :mod:`novanet.db.fixed_ips`), the VIF is
    deleted, and so is its binding."""
    now = utcnow()
    with writer() as session:
        session.execute(update(FixedIp).where(FixedIp.virtual_interface_id == vif_id, FixedIp.deleted == 0)
                        .values(allocated=False, updated_at=now))
        session.execute(update(FixedIp).where(FixedIp.virtual_interface_id == vif_id, FixedIp.deleted == 0,
                                              FixedIp.leased.is_(False))
                        .values(instance_uuid=None, virtual_interface_id=None, updated_at=now))
        row = session.get(VirtualInterface, vif_id)
        if row is not None and row.deleted == 0:
            _soft_delete(row)
        session.execute(sa.delete(BaremetalVif).where(BaremetalVif.vif_uuid == vif_uuid))


def stray_vifs(instance_uuid: str, known: Sequence[str]) -> list[tuple[int, str, str, str | None, int]]:
    """(id, uuid, MAC, address, network id) of the instance's live VIFs other
    than ``known`` ones: what a crashed switch left behind."""
    with reader() as session:
        rows = session.execute(
            select(VirtualInterface.id, VirtualInterface.uuid, VirtualInterface.address, FixedIp.address,
                   VirtualInterface.network_id)
            .outerjoin(FixedIp, sa.and_(FixedIp.virtual_interface_id == VirtualInterface.id, FixedIp.deleted == 0))
            .where(VirtualInterface.instance_uuid == instance_uuid, VirtualInterface.deleted == 0,
                   VirtualInterface.uuid.not_in(list(known)))
            .order_by(VirtualInterface.id))
        return [(r[0], r[1], r[2], r[3], int(r[4] or 0)) for r in rows]


def management_network_names() -> set[str]:
    """The provisioning, cleaning and rescuing networks nodes' driver_info names."""
    names: set[str] = set()
    with reader() as session:
        for text in session.scalars(select(BaremetalNode.driver_info).where(
                BaremetalNode.deleted == 0, BaremetalNode.driver_info.is_not(None))):
            names.update(str(v) for v in json.loads(text or "{}").values() if v)
    return names


# -- networks and the audit -----------------------------------------------------------------


def networks_named(name: str) -> list[Network]:
    """Live networks whose uuid or label is ``name``."""
    with reader() as session:
        return list(session.scalars(select(Network).where(
            Network.deleted == 0, sa.or_(Network.uuid == name, Network.label == name)).order_by(Network.id)))


def op_record(node_uuid: str, method: str, provider: str | None, from_phase: str | None, to_phase: str | None,
              result: str, error: str | None, host: str | None) -> None:
    """Append one switching call to the audit."""
    with writer() as session:
        session.add(BaremetalNetOp(node_uuid=node_uuid, method=method, provider=provider, from_phase=from_phase,
                                   to_phase=to_phase, result=result, error=error, host=host))


def ops_of(node_uuid: str) -> list[BaremetalNetOp]:
    with reader() as session:
        return list(session.scalars(select(BaremetalNetOp).where(BaremetalNetOp.node_uuid == node_uuid)
                                    .order_by(BaremetalNetOp.id)))
