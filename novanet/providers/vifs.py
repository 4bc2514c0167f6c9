"""Tenant VIFs of a node, and the dry-run checks of the switching providers.

A tenant VIF is an ordinary novanet VIF with a fixed IP on a tenant network,
owned by the node's instance, and attached to a carrier (a port group or a
standalone port; see :mod:`.common`). Attaching picks, as Ironic does,
groups first, then PXE-enabled ports, then the others, skipping carriers
that already carry an untagged VIF; a *tagged* VIF (a VLAN on top of its
carrier) shares the carrier of the first untagged one. The VIF keeps a MAC
of its own until it is bound, so the port's MAC stays free for the
provisioning VIF; it is served by DHCP only while bound.
"""

from __future__ import annotations

import uuid as uuidlib

from novanet import exception
from novanet.db import api as db
from novanet.db import baremetal as bmdb
from novanet.db.models import Network
from novanet.drivers.base import DhcpHost
from novanet.providers.base import Call, Phase, Purpose
from novanet.providers.common import (
    Carrier,
    Switching,
    carrier_of_group,
    carrier_of_port,
    carrier_of_vif,
    carriers,
    own_mac,
    pxe_ports,
    resolve_network,
)
from novanet.providers.steps import Steps


def _named_carrier(call: Call, port: str | None, portgroup: str | None) -> Carrier:
    layout = call.layout
    if portgroup is not None:
        group = next((g for g in layout.groups if portgroup in (g.uuid, g.name)), None)
        if group is None:
            raise exception.BaremetalPortgroupNotFound(portgroup=portgroup)
        return carrier_of_group(layout, group.id)
    found = next((p for p in layout.ports if port in (p.uuid, p.address)), None)
    if found is None:
        raise exception.BaremetalPortNotFound(port=port)
    group = layout.group(found.portgroup_id)
    if group is not None:
        alone = "" if group.standalone_ports_supported else " (and it does not support standalone ports)"
        raise exception.InvalidParameterValue(
            reason=f"port {found.address} is a member of port group {group.name}{alone}; attach to the group")
    return carrier_of_port(layout, found)


class VifMethods(Switching):
    """VIF attach/detach and validation for the switching providers."""

    def configure_tenant_networks(self, call: Call) -> None:
        raise NotImplementedError

    def vif_attach(self, call: Call, network: Network, tagged: bool, port: str | None,
                   portgroup: str | None) -> str | None:
        layout = call.layout
        tenant = [v for v in layout.vifs if v.purpose == Purpose.TENANT.value]
        for vif in tenant:
            if vif.network_id == network.id:
                raise exception.VifAlreadyAttached(node=call.node.name, network=network.label or network.uuid,
                                                   vif=vif.vif_uuid)
        if tagged and network.vlan is None:
            raise exception.InvalidParameterValue(
                reason=f"network {network.label or network.uuid} has no VLAN id; a tagged VIF needs one")
        used = {carrier_of_vif(layout, v).key for v in tenant if not v.tagged}
        if port is not None or portgroup is not None:
            carrier = _named_carrier(call, port, portgroup)
            if not tagged and carrier.key in used:
                raise exception.NoFreePhysicalPorts(node=call.node.name)
        elif tagged:
            untagged = [v for v in tenant if not v.tagged]
            choices = [carrier_of_vif(layout, untagged[0])] if untagged else carriers(layout)
            if not choices:
                raise exception.NoFreePhysicalPorts(node=call.node.name)
            carrier = choices[0]
        else:
            free = [c for c in carriers(layout) if c.key not in used]
            if not free:
                raise exception.NoFreePhysicalPorts(node=call.node.name)
            carrier = free[0]
        allocation = db.allocate_for_instance(
            network.id, call.node.instance_uuid, own_mac(), str(uuidlib.uuid4()),
            instance={"project_id": call.node.project_id or network.project_id, "hostname": call.node.name,
                      "display_name": call.node.name, "host": call.host.host})
        made = allocation.vif
        bmdb.vif_binding_create(made.uuid, call.node.id, Purpose.TENANT.value, port_id=carrier.port_id,
                                portgroup_id=carrier.group_id, tagged=tagged)
        if call.phase is Phase.TENANT and not tagged:
            # Hot attach: bind it now, like the others.
            try:
                call.layout = bmdb.node_layout(call.node.id)
                self.configure_tenant_networks(call)
            except Exception:
                bmdb.vif_delete(made.id, made.uuid)
                raise
        return made.uuid

    def vif_detach(self, call: Call, network: Network) -> None:
        layout = call.layout
        vif = next((v for v in layout.vifs if v.purpose == Purpose.TENANT.value and v.network_id == network.id),
                   None)
        if vif is None:
            raise exception.VifNotAttached(node=call.node.name, network=network.label or network.uuid)
        if vif.bound:
            call.guard("detaching a VIF it is on")
            carrier = carrier_of_vif(layout, vif)
            steps = Steps(call.node.name)
            try:
                moving = [] if vif.tagged else [carrier]
                self._cut(steps, call, moving, None)
                if vif.address is not None:
                    self._unserve(steps, call, network,
                                  DhcpHost(carrier.mac, vif.address, call.node.name, vif.vif_uuid, pxe=vif.pxe))
                bmdb.node_commit(call.node.id, None, None, {p.id: None for c in moving for p in c.ports},
                                 {vif.vif_uuid: bmdb.Binding(bound=False, pxe=False, mac=own_mac())})
                steps.confirm()
            except Exception as error:
                steps.rollback()
                raise exception.BaremetalNetworkError(node=call.node.name, reason=f"VIF detach failed: {error}") \
                    from error
        bmdb.vif_delete(vif.vif_id, vif.vif_uuid)

    # -- dry runs ----------------------------------------------------------------------

    @staticmethod
    def _check_switch_ports(call: Call, ports: list[str]) -> list[str]:
        missing = [p for p in ports if not call.host.switch.exists(p)]
        if missing:
            raise exception.InvalidParameterValue(reason=f"switch port(s) {', '.join(missing)} do not exist")
        return [f"switch ports {', '.join(ports)} exist"]

    def _validate_management(self, call: Call, purpose: Purpose) -> list[str]:
        network = resolve_network(call, purpose)
        ports = pxe_ports(call.layout)
        if not ports:
            raise exception.InvalidParameterValue(reason=f"node {call.node.name} has no PXE-enabled port")
        notes = [f"{purpose.value} network {network.label} ({network.uuid}, {network.cidr})",
                 f"PXE ports {', '.join(p.address for p in ports)}"]
        moving = {c.key: c for c in (carrier_of_port(call.layout, p) for p in ports)}.values()
        return notes + self._check_switch_ports(call, [s for c in moving for s in c.switch_ports])

    def _validate_tenant(self, call: Call) -> list[str]:
        layout = call.layout
        if not layout.ports:
            raise exception.InvalidParameterValue(reason=f"node {call.node.name} has no ports")
        tenant = [v for v in layout.vifs if v.purpose == Purpose.TENANT.value]
        if not tenant:
            raise exception.InvalidParameterValue(reason=f"node {call.node.name} has no tenant VIF")
        notes = []
        switch_ports: list[str] = []
        for vif in tenant:
            carrier = carrier_of_vif(layout, vif)
            network = db.network_get(vif.network_id)
            notes.append(f"tenant VIF {vif.vif_uuid} {vif.address} on {network.label} via {carrier.key}"
                         f"{' (tagged)' if vif.tagged else ''}")
            switch_ports += carrier.switch_ports
        return notes + self._check_switch_ports(call, list(dict.fromkeys(switch_ports)))
