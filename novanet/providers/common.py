"""The switching machinery the ``flat`` and ``isolated`` providers share.

Theory of operation
-------------------
What moves is a *carrier*: a port that is in no group, or a whole port group
(every member's switch port moves together, in one switch call). A VIF sits
on a carrier; a management VIF (provisioning, cleaning, rescuing) sits on one
PXE-enabled port and has that port's MAC; a tenant VIF sits on a group or a
standalone port and, while bound, has the carrier's MAC.

Every switch follows one order, so a node is never reachable from two
networks and the store never claims what the host does not show:

1. **check** the phase (the target phase itself means "converge"), refuse a
   powered-on node (:meth:`~novanet.providers.base.Call.guard`), and when
   entering a phase, clean what a crashed call left (management VIFs that
   are no phase's, and their DHCP entries);
2. **claim** the addresses a new management VIF needs (the only store
   write before the host steps: the DHCP entry needs the address);
3. **cut**: every carrier that must move leaves its segment first (switch
   port on none, link down);
4. **serve**: DHCP entries of the new network are written (PXE options for
   provisioning, cleaning and rescue; none on tenant networks);
5. **connect**: the carriers join the new segment;
6. **commit** phase, segments and bindings in one transaction.

Leaving a network is cut, *unserve* (tombstone + ``dhcp_release``, so the
address can go to another node), commit, then the management VIFs are
deleted. If any host step fails, :class:`~novanet.providers.steps.Steps`
undoes the ones done (claims included) and the error names the step.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import random
import uuid as uuidlib
from collections.abc import Iterable, Sequence

from novanet import exception
from novanet.db import api as db
from novanet.db import baremetal as bmdb
from novanet.db.baremetal_models import BaremetalPort
from novanet.db.models import Network
from novanet.drivers.base import DhcpHost
from novanet.providers.base import Call, Phase, Purpose
from novanet.providers.steps import Steps

LOG = logging.getLogger(__name__)

#: The purposes whose VIFs exist only while the node is on that network.
MANAGEMENT = (Purpose.PROVISIONING, Purpose.CLEANING, Purpose.RESCUING)


@dataclasses.dataclass(frozen=True)
class Carrier:
    """What moves as one: a standalone port, or every member of a group."""

    ports: tuple[BaremetalPort, ...]
    #: The MAC a tenant VIF on it has (the port's, or the group's).
    mac: str
    port_id: int | None = None
    group_id: int | None = None

    @property
    def key(self) -> str:
        return f"group:{self.group_id}" if self.group_id is not None else f"port:{self.port_id}"

    @property
    def switch_ports(self) -> tuple[str, ...]:
        return tuple(p.switch_port for p in self.ports)


def carrier_of_port(layout: bmdb.NodeLayout, port: BaremetalPort) -> Carrier:
    if port.portgroup_id is None:
        return Carrier((port,), port.address, port_id=port.id)
    return carrier_of_group(layout, port.portgroup_id)


def carrier_of_group(layout: bmdb.NodeLayout, group_id: int) -> Carrier:
    group = layout.group(group_id)
    members = layout.members(group_id)
    if group is None or not members:
        raise exception.BaremetalNetworkError(node=layout.node.name, reason=f"port group {group_id} has no ports")
    return Carrier(members, group.address or members[0].address, group_id=group_id)


def carriers(layout: bmdb.NodeLayout) -> list[Carrier]:
    """Every carrier of the node: groups (with members) first, then standalone
    ports, PXE-enabled ones first: the order a VIF picks them in."""
    groups = [carrier_of_group(layout, g.id) for g in layout.groups if layout.members(g.id)]
    alone = sorted((p for p in layout.ports if p.portgroup_id is None), key=lambda p: (not p.pxe_enabled, p.id))
    return groups + [carrier_of_port(layout, p) for p in alone]


def carrier_of_vif(layout: bmdb.NodeLayout, vif: bmdb.VifFact) -> Carrier:
    if vif.portgroup_id is not None:
        return carrier_of_group(layout, vif.portgroup_id)
    port = layout.port(vif.port_id)
    if port is None:
        raise exception.BaremetalNetworkError(node=layout.node.name, reason=f"VIF {vif.vif_uuid} has no port")
    return carrier_of_port(layout, port)


def pxe_ports(layout: bmdb.NodeLayout) -> list[BaremetalPort]:
    """Ports that PXE boot on their own (members only if their group allows)."""
    found = []
    for port in layout.ports:
        group = layout.group(port.portgroup_id)
        if port.pxe_enabled and (group is None or group.standalone_ports_supported):
            found.append(port)
    return found


def own_mac() -> str:
    """A MAC of novanet's own, for a VIF that is not bound to a port."""
    return "fa:16:3e:" + ":".join(f"{random.randint(0, 255):02x}" for _ in range(3))


def resolve_network(call: Call, purpose: Purpose) -> Network:
    """The node's network for ``purpose``: its driver_info, else ``[baremetal]``.

    :raises MissingParameterValue: none configured.
    :raises InvalidParameterValue: unknown, ambiguous, or owned by a project.
    """
    info = json.loads(call.node.driver_info or "{}")
    name = info.get(purpose.option) or getattr(call.conf.baremetal, purpose.option)
    if not name:
        raise exception.MissingParameterValue(
            reason=f"node {call.node.name} has no {purpose.value} network: set [baremetal] {purpose.option} "
            f"or the node's driver_info {purpose.option}")
    found = bmdb.networks_named(name)
    if not found:
        raise exception.InvalidParameterValue(reason=f"{purpose.option} {name!r} names no network")
    if len(found) > 1:
        raise exception.InvalidParameterValue(
            reason=f"{purpose.option} {name!r} matches {len(found)} networks; name it by uuid")
    network = found[0]
    if network.project_id is not None:
        raise exception.InvalidParameterValue(
            reason=f"{purpose.value} network {name} belongs to project {network.project_id}; it must be "
            "admin-only (no project)")
    if not network.enable_dhcp or not network.cidr:
        raise exception.InvalidParameterValue(
            reason=f"{purpose.value} network {name} must have IPv4 and DHCP: nodes PXE-boot on it")
    return network


def _dhcp_host(call: Call, mac: str, vif: bmdb.VifFact, pxe: bool, suffix: str = "") -> DhcpHost:
    if vif.address is None:
        raise exception.BaremetalNetworkError(node=call.node.name, reason=f"VIF {vif.vif_uuid} has no address")
    return DhcpHost(mac=mac, address=vif.address, hostname=call.node.name + suffix, vif_uuid=vif.vif_uuid,
                    pxe=pxe)


def _failure(call: Call, doing: str, error: Exception, failed_undos: Sequence[str]) -> exception.NovanetError:
    detail = f"{doing} failed: {error}"
    if failed_undos:
        detail += f"; could not undo: {', '.join(failed_undos)} (the next start reconciles them)"
    bmdb.node_set_error(call.node.id, detail)
    if isinstance(error, exception.NovanetError) and not isinstance(error, exception.DriverError):
        return error
    return exception.BaremetalNetworkError(node=call.node.name, reason=detail)


class Switching:
    """Building blocks of the switching providers (see the module docstring)."""

    name = "switching"

    # -- steps on the host ---------------------------------------------------------

    @staticmethod
    def _cut(steps: Steps, call: Call, moving: Iterable[Carrier], target: str | None) -> None:
        """Take every carrier not already on ``target`` off its segment."""
        switch = call.host.switch
        for carrier in moving:
            before = {p: switch.segment_of(p) for p in carrier.switch_ports}
            if all(segment == target for segment in before.values()) or not any(before.values()):
                continue

            def undo(before: dict[str, str | None] = before) -> None:
                for port, segment in before.items():
                    switch.move([port], segment)

            steps.do(f"cut {','.join(carrier.switch_ports)} from {set(before.values())}",
                     functools.partial(switch.move, carrier.switch_ports, None), undo)

    @staticmethod
    def _connect(steps: Steps, call: Call, moving: Iterable[Carrier], bridge: str) -> None:
        switch = call.host.switch
        for carrier in moving:
            if all(switch.segment_of(p) == bridge for p in carrier.switch_ports):
                continue
            steps.do(f"connect {','.join(carrier.switch_ports)} to {bridge}",
                     functools.partial(switch.move, carrier.switch_ports, bridge),
                     functools.partial(switch.move, carrier.switch_ports, None))

    @staticmethod
    def _serve(steps: Steps, call: Call, network: Network, host: DhcpHost, fresh: bool) -> None:
        """Serve ``host``; undone only if it was not served before (``fresh``)."""
        undo = (lambda: call.host.unserve(network, host)) if fresh else (lambda: None)
        steps.do(f"serve {host.mac} {host.address} on {network.label}", lambda: call.host.serve(network, host), undo)
        steps.confirmations.append(functools.partial(call.host.confirm, network, host, True))

    @staticmethod
    def _unserve(steps: Steps, call: Call, network: Network, host: DhcpHost) -> None:
        steps.do(f"stop serving {host.mac} {host.address} on {network.label}",
                 lambda: call.host.unserve(network, host), lambda: call.host.serve(network, host))
        steps.confirmations.append(functools.partial(call.host.confirm, network, host, False))

    @staticmethod
    def _check_phase(call: Call, target: Phase) -> bool:
        """True when the node is at ``target`` already (converge); raises
        unless it is resting."""
        if call.phase == target:
            return True
        if not call.phase.resting:
            raise exception.NodeInvalidState(
                node=call.node.name, reason=f"it is in phase {call.phase.value}; leave that network before "
                f"going to {target.value}")
        return False

    # -- cleaning up after crashed calls --------------------------------------------

    def _drop_management(self, call: Call, purposes: Iterable[Purpose]) -> bool:
        """Unserve and delete the node's management VIFs of ``purposes`` and any
        VIF a crashed call claimed for a port; True if there were any."""
        layout = call.layout
        names = {p.value for p in purposes}
        doomed = [(v.vif_id, v.vif_uuid, v.mac, v.address, v.network_id)
                  for v in layout.vifs if v.purpose in names]
        known = [v.vif_uuid for v in layout.vifs]
        for port in layout.ports:
            doomed += [(vif_id, vif_uuid, mac, address, network_id)
                       for vif_id, vif_uuid, mac, address, network_id in bmdb.stray_vifs(port.uuid, known)]
        for vif_id, vif_uuid, mac, address, network_id in doomed:
            LOG.info("node %s: removing left-over VIF %s (%s %s)", call.node.name, vif_uuid, mac, address)
            if address is not None:
                call.host.unserve(db.network_get(network_id), DhcpHost(mac, address, call.node.name, vif_uuid))
            bmdb.vif_delete(vif_id, vif_uuid)
        if doomed:
            call.layout = bmdb.node_layout(call.node.id)
        return bool(doomed)

    # -- management networks -------------------------------------------------------

    def _attach_management(self, call: Call, purpose: Purpose, network: Network | None = None) -> None:
        network = network or resolve_network(call, purpose)
        converging = self._check_phase(call, purpose.phase)
        ports = pxe_ports(call.layout)
        if not ports:
            raise exception.BaremetalNetworkError(
                node=call.node.name, reason=f"no PXE-enabled port: nothing could boot on the {purpose.value} network")
        call.guard(f"moving it to the {purpose.value} network")
        if not converging:
            self._drop_management(call, MANAGEMENT)
        layout = call.layout
        existing = {v.port_id: v for v in layout.vifs if v.purpose == purpose.value and v.network_id == network.id}
        steps = Steps(call.node.name)
        try:
            bridge = call.host.prepare_network(network, management=True)
            vifs = []
            for port in ports:
                vif = existing.get(port.id)
                if vif is None:
                    vif = self._claim_management(call, network, port, purpose)
                    steps.done.append((f"claim {vif.address} for {port.address}",
                                       functools.partial(bmdb.vif_delete, vif.vif_id, vif.vif_uuid)))
                vifs.append((port, vif))
            moving = list({c.key: c for c in (carrier_of_port(layout, p) for p in ports)}.values())
            self._cut(steps, call, moving, bridge)
            suffix = len(ports) > 1
            for port, vif in vifs:
                host = _dhcp_host(call, port.address, vif, pxe=True,
                                  suffix=f"-{port.address.replace(':', '')[-4:]}" if suffix else "")
                self._serve(steps, call, network, host, fresh=not vif.bound)
            self._connect(steps, call, moving, bridge)
            bmdb.node_commit(call.node.id, purpose.phase.value, call.provider,
                             {p.id: network.id for c in moving for p in c.ports},
                             {v.vif_uuid: bmdb.Binding(bound=True, pxe=True) for _, v in vifs})
            steps.confirm()
        except Exception as error:
            raise _failure(call, f"adding the {purpose.value} network", error, steps.rollback()) from error

    def _claim_management(self, call: Call, network: Network, port: BaremetalPort,
                          purpose: Purpose) -> bmdb.VifFact:
        """An address on ``network`` for ``port``'s MAC. The port is the
        "instance" of its management VIFs, so each port has one per network."""
        try:
            allocation = db.allocate_for_instance(
                network.id, port.uuid, port.address, str(uuidlib.uuid4()),
                instance={"hostname": call.node.name, "host": call.host.host, "display_name": call.node.name})
        except exception.MacAddressInUse:
            raise exception.NodeInvalidState(
                node=call.node.name, reason=f"MAC {port.address} is bound to a tenant VIF; unconfigure the "
                "tenant networks first") from None
        vif = allocation.vif
        bmdb.vif_binding_create(vif.uuid, call.node.id, purpose.value, port_id=port.id)
        return bmdb.VifFact(vif.id, vif.uuid, vif.address, network.id, port.uuid, allocation.address, False,
                            purpose.value, port.id, None, False, False, True)

    def _detach_management(self, call: Call, purpose: Purpose) -> None:
        if call.phase != purpose.phase:
            # Not there: only what a crashed or failed call left behind.
            if self._drop_management(call, [purpose]):
                LOG.info("node %s: removed left-over %s VIFs", call.node.name, purpose.value)
            return
        call.guard(f"removing it from the {purpose.value} network")
        layout = call.layout
        mine = [v for v in layout.vifs if v.purpose == purpose.value]
        steps = Steps(call.node.name)
        try:
            moving = list({c.key: c for c in (carrier_of_port(layout, p) for p in layout.ports
                                              if p.network_id is not None)}.values())
            self._cut(steps, call, moving, None)
            for vif in mine:
                if vif.address is not None:
                    self._unserve(steps, call, db.network_get(vif.network_id),
                                  DhcpHost(vif.mac, vif.address, call.node.name, vif.vif_uuid, pxe=True))
            bmdb.node_commit(call.node.id, Phase.IDLE.value, None, {p.id: None for c in moving for p in c.ports},
                             {v.vif_uuid: bmdb.Binding(bound=False, pxe=False) for v in mine})
            steps.confirm()
        except Exception as error:
            raise _failure(call, f"removing the {purpose.value} network", error, steps.rollback()) from error
        for vif in mine:
            bmdb.vif_delete(vif.vif_id, vif.vif_uuid)

    # -- tenant networks -------------------------------------------------------------

    def _bind_tenant(self, call: Call, phase: Phase, pxe: bool) -> None:
        converging = self._check_phase(call, phase)
        layout = call.layout
        if not layout.ports:
            raise exception.BaremetalNetworkError(node=call.node.name, reason="it has no ports")
        tenant = [v for v in layout.vifs if v.purpose == Purpose.TENANT.value]
        if not tenant:
            raise exception.BaremetalNetworkError(
                node=call.node.name, reason="it has no tenant VIF; attach one first (baremetal node vif attach)")
        tagged = [v for v in tenant if v.tagged]
        if tagged:
            raise exception.BaremetalNetworkError(
                node=call.node.name, reason=f"{len(tagged)} tenant VIF(s) are tagged VLANs, and the switch "
                "driver puts each switch port on one untagged network only")
        call.guard(f"moving it to its {'tenant' if phase is Phase.TENANT else phase.value} network")
        if not converging:
            self._drop_management(call, MANAGEMENT)
            layout = call.layout
            tenant = [v for v in layout.vifs if v.purpose == Purpose.TENANT.value]
        steps = Steps(call.node.name)
        try:
            plan = []
            for vif in tenant:
                network = db.network_get(vif.network_id)
                plan.append((vif, carrier_of_vif(layout, vif), network, call.host.prepare_network(network)))
            for vif, carrier, _network, bridge in plan:
                self._cut(steps, call, [carrier], bridge)
            for vif, carrier, network, _bridge in plan:
                fresh = not (vif.bound and vif.pxe == pxe)
                self._serve(steps, call, network, _dhcp_host(call, carrier.mac, vif, pxe), fresh=fresh)
            for vif, carrier, _network, bridge in plan:
                self._connect(steps, call, [carrier], bridge)
            bmdb.node_commit(call.node.id, phase.value, call.provider,
                             {p.id: network.id for _, carrier, network, _ in plan for p in carrier.ports},
                             {vif.vif_uuid: bmdb.Binding(bound=True, pxe=pxe, mac=carrier.mac)
                              for vif, carrier, _, _ in plan})
            steps.confirm()
        except Exception as error:
            raise _failure(call, f"configuring the {phase.value} networks", error, steps.rollback()) from error

    def _unbind_tenant(self, call: Call, phase: Phase, cut: bool) -> None:
        if call.phase != phase:
            return
        call.guard(f"taking it off its {phase.value} networks")
        layout = call.layout
        bound = [v for v in layout.vifs if v.purpose == Purpose.TENANT.value and v.bound]
        steps = Steps(call.node.name)
        try:
            moving = list({c.key: c for c in (carrier_of_vif(layout, v) for v in bound)}.values()) if cut else []
            self._cut(steps, call, moving, None)
            for vif in bound:
                self._unserve(steps, call, db.network_get(vif.network_id),
                              _dhcp_host(call, carrier_of_vif(layout, vif).mac, vif, vif.pxe))
            bmdb.node_commit(call.node.id, Phase.IDLE.value, None, {p.id: None for c in moving for p in c.ports},
                             {v.vif_uuid: bmdb.Binding(bound=False, pxe=False, mac=own_mac()) for v in bound})
            steps.confirm()
        except Exception as error:
            raise _failure(call, f"leaving the {phase.value} networks", error, steps.rollback()) from error
