"""Nodes, ports and port groups as the operator and the conductor record them.

Store-only operations (no host is touched): input is checked here and turned
into typed errors before anything is written; the store functions then
refuse, in the same transaction, changes that would move live switch ports
(see :mod:`novanet.db.baremetal`). :func:`describe` is the node's state as
``novanet-manage baremetal node show`` prints it.
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

from novanet import exception
from novanet.db import api as db
from novanet.db import baremetal as bmdb
from novanet.db.baremetal_models import BaremetalNode, BaremetalPort, BaremetalPortgroup
from novanet.drivers.dnsmasq.paths import normalize_mac
from novanet.metadata import tiered
from novanet.providers import loader
from novanet.providers.base import PowerState

#: Linux bonding modes (the ones cloud-init's network-config schema accepts).
BOND_MODES = ("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb")
XMIT_HASH_POLICIES = ("layer2", "layer2+3", "layer3+4", "encap2+3", "encap3+4")
DRIVER_INFO_KEYS = ("provisioning_network", "cleaning_network", "rescuing_network")

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
_UNSET: Any = object()


def check_name(name: str, what: str = "node name") -> str:
    """A DNS label: it becomes the node's DHCP host name."""
    if not isinstance(name, str) or not _LABEL.match(name):
        raise exception.InvalidParameterValue(
            reason=f"{what} {name!r} must be 1-63 letters, digits and inner '-' (it is the DHCP host name)")
    return name


def check_mac(mac: str) -> str:
    """``mac`` in lower case with colons, if it is a unicast MAC (a NIC's)."""
    try:
        value = normalize_mac(mac)
    except exception.InvalidInput:
        value = ""
    if not value or int(value[:2], 16) & 1:
        raise exception.InvalidParameterValue(reason=f"MAC address {mac!r} is not a unicast MAC like 52:54:00:12:34:56")
    return value


def check_switch_port(port: str) -> str:
    if not isinstance(port, str) or not _IFNAME.match(port) or port in (".", ".."):
        raise exception.InvalidParameterValue(
            reason=f"switch port {port!r} must be an interface name: 1-15 letters, digits, '_', '.' or '-'")
    return port


def check_power(state: str) -> str:
    try:
        return PowerState(state).value
    except ValueError:
        raise exception.InvalidParameterValue(reason=f"power state {state!r} is not on, off or unknown") from None


def _check_uuid(value: str, what: str) -> str:
    try:
        return str(uuidlib.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise exception.InvalidParameterValue(reason=f"{what} {value!r} is not a uuid") from None


def _check_driver_info(info: Mapping[str, str]) -> dict[str, str]:
    unknown = set(info) - set(DRIVER_INFO_KEYS)
    if unknown:
        raise exception.InvalidParameterValue(
            reason=f"driver_info keys {sorted(unknown)} are unknown; known: {', '.join(DRIVER_INFO_KEYS)}")
    return {k: str(v) for k, v in info.items() if v}


# -- nodes ---------------------------------------------------------------------------------


def create_node(conf: Any, name: str, network_provider: str | None = None, power_state: str | None = None,
                instance_uuid: str | None = None, project_id: str | None = None,
                driver_info: Mapping[str, str] | None = None) -> BaremetalNode:
    check_name(name)
    if network_provider is not None:
        loader.check_name(network_provider, conf)
    return bmdb.node_create(
        name, network_provider=network_provider,
        instance_uuid=_check_uuid(instance_uuid, "instance uuid") if instance_uuid else None,
        project_id=project_id, driver_info=_check_driver_info(driver_info or {}),
        power_state=check_power(power_state) if power_state else PowerState.UNKNOWN.value)


def set_node(conf: Any, ident: str, network_provider: Any = _UNSET, power_state: str | None = None,
             instance_uuid: str | None = None, project_id: str | None = None,
             driver_info: Mapping[str, str] | None = None) -> BaremetalNode:
    """Change a node. ``network_provider=None`` unsets it (the default applies).

    The power state (what the conductor reports) changes at any time; the
    provider, instance and driver_info only while the node is on no network.
    """
    node = bmdb.node_get(ident)
    resting: dict[str, Any] = {}
    if network_provider is not _UNSET:
        if network_provider is not None:
            loader.check_name(network_provider, conf)
        resting["network_provider"] = network_provider
    if instance_uuid is not None:
        if db.virtual_interface_get_by_instance(node.instance_uuid):
            raise exception.NodeInvalidState(node=node.name, reason="it has tenant VIFs; detach them first")
        resting["instance_uuid"] = _check_uuid(instance_uuid, "instance uuid")
    if project_id is not None:
        resting["project_id"] = project_id or None
    if driver_info is not None:
        merged = {**json.loads(node.driver_info or "{}"), **driver_info}
        resting["driver_info"] = json.dumps(_check_driver_info(merged)) or None
    if resting:
        node = bmdb.node_update(node.id, resting, resting_only=True)
    if power_state is not None:
        node = bmdb.node_update(node.id, {"power_state": check_power(power_state)})
    return node


def delete_node(ident: str) -> BaremetalNode:
    node = bmdb.node_get(ident)
    bmdb.node_delete(node.id)
    return node


# -- ports and groups -----------------------------------------------------------------------


def create_portgroup(node_ident: str, name: str | None = None, mode: str = "active-backup",
                     mac: str | None = None, miimon: int | None = None, xmit_hash_policy: str | None = None,
                     standalone_ports_supported: bool = True) -> BaremetalPortgroup:
    node = bmdb.node_get(node_ident)
    if mode not in BOND_MODES:
        raise exception.InvalidParameterValue(reason=f"bond mode {mode!r} is not one of {', '.join(BOND_MODES)}")
    properties: dict[str, Any] = {}
    if miimon is not None:
        if not 0 <= int(miimon) <= 60000:
            raise exception.InvalidParameterValue(reason=f"miimon {miimon} is not 0..60000 ms")
        properties["miimon"] = int(miimon)
    if xmit_hash_policy is not None:
        if xmit_hash_policy not in XMIT_HASH_POLICIES:
            raise exception.InvalidParameterValue(
                reason=f"xmit_hash_policy {xmit_hash_policy!r} is not one of {', '.join(XMIT_HASH_POLICIES)}")
        properties["xmit_hash_policy"] = xmit_hash_policy
    if name is None:
        name = f"bond{len(bmdb.node_layout(node.id).groups)}"
    return bmdb.portgroup_create(node.id, check_name(name, "port group name"), check_mac(mac) if mac else None,
                                 mode, properties, standalone_ports_supported)


def create_port(node_ident: str, mac: str, switch_port: str, pxe: bool = True,
                portgroup: str | None = None) -> BaremetalPort:
    node = bmdb.node_get(node_ident)
    group_id = None
    if portgroup is not None:
        group = bmdb.portgroup_get(node.id, portgroup)
        if pxe and not group.standalone_ports_supported:
            raise exception.InvalidParameterValue(
                reason=f"port group {group.name} does not support standalone ports: its members cannot PXE boot "
                "on their own (use --no-pxe)")
        group_id = group.id
    return bmdb.port_create(node.id, check_mac(mac), pxe, check_switch_port(switch_port), group_id)


def delete_port(ident: str) -> BaremetalPort:
    port = bmdb.port_get(check_mac(ident) if ":" in ident else ident)
    bmdb.port_delete(port.id)
    return port


def delete_portgroup(node_ident: str, ident: str) -> BaremetalPortgroup:
    node = bmdb.node_get(node_ident)
    group = bmdb.portgroup_get(node.id, ident)
    bmdb.portgroup_delete(group.id)
    return group


# -- what a node looks like ---------------------------------------------------------------------


def describe(conf: Any, ident: str) -> dict[str, Any]:
    """The node's provider in effect, phase, power state, ports (switch port,
    current network, lease), groups and VIFs."""
    node = bmdb.node_get(ident)
    layout = bmdb.node_layout(node.id)
    networks: dict[int, Any] = {}

    def net(network_id: int | None) -> str | None:
        if network_id is None:
            return None
        if network_id not in networks:
            networks[network_id] = db.network_get(network_id)
        found = networks[network_id]
        return str(found.label or found.uuid)

    groups = {g.id: g for g in layout.groups}
    served = [v for v in layout.vifs if v.bound]
    ports = []
    for port in layout.ports:
        lease = None
        for vif in served:
            on_port = vif.port_id == port.id or (vif.portgroup_id is not None and vif.portgroup_id == port.portgroup_id)
            if on_port and not vif.tagged and vif.network_id == port.network_id:
                lease = {"address": vif.address, "leased": vif.leased, "network": net(vif.network_id),
                         "vif": vif.vif_uuid, "pxe": vif.pxe}
        ports.append({"uuid": port.uuid, "mac": port.address, "pxe": port.pxe_enabled,
                      "switch_port": port.switch_port,
                      "portgroup": groups[port.portgroup_id].name if port.portgroup_id in groups else None,
                      "network": net(port.network_id), "lease": lease})
    return {
        "uuid": node.uuid, "name": node.name,
        "network_provider": node.network_provider,
        "provider": loader.effective_name(node.network_provider, conf),
        "phase": node.net_phase, "phase_provider": node.phase_provider, "power_state": node.power_state,
        "instance_uuid": node.instance_uuid, "project_id": node.project_id,
        "driver_info": json.loads(node.driver_info or "{}"), "reservation": node.reservation,
        "last_error": node.last_error, "ports": ports,
        "portgroups": [{"uuid": g.uuid, "name": g.name, "mac": g.address, "mode": g.mode,
                        "properties": json.loads(g.properties or "{}"),
                        "standalone_ports_supported": g.standalone_ports_supported} for g in layout.groups],
        "vifs": [{"uuid": v.vif_uuid, "purpose": v.purpose, "network": net(v.network_id), "address": v.address,
                  "mac": v.mac, "bound": v.bound, "pxe": v.pxe, "tagged": v.tagged,
                  "carrier": groups[v.portgroup_id].name if v.portgroup_id in groups
                  else next((p.address for p in layout.ports if p.id == v.port_id), None)} for v in layout.vifs],
    }


def list_nodes(conf: Any) -> list[dict[str, Any]]:
    return [{"uuid": n.uuid, "name": n.name, "provider": loader.effective_name(n.network_provider, conf),
             "phase": n.net_phase, "power_state": n.power_state} for n in bmdb.node_list()]


def placements(instance_uuid: str) -> dict[str, tiered.Placement]:
    """Where each tenant VIF of the node carrying ``instance_uuid`` sits, for
    network_data.json's tiered links ({} for an instance on no node)."""
    node = bmdb.node_get_by_instance(instance_uuid)
    if node is None:
        return {}
    layout = bmdb.node_layout(node.id)
    found: dict[str, tiered.Placement] = {}
    for vif in layout.vifs:
        if vif.purpose != "tenant":
            continue
        carrier: tiered.PortLink | tiered.GroupLink
        group = layout.group(vif.portgroup_id)
        if group is not None:
            members = tuple(tiered.PortLink(p.uuid, p.address) for p in layout.members(group.id))
            carrier = tiered.GroupLink(group.uuid, group.name, group.address or members[0].mac, group.mode, members,
                                       json.loads(group.properties or "{}"))
        else:
            port = layout.port(vif.port_id)
            if port is None:
                continue
            carrier = tiered.PortLink(port.uuid, port.address)
        vlan = db.network_get(vif.network_id).vlan if vif.tagged else None
        found[vif.vif_uuid] = tiered.Placement(carrier, vif.tagged, vlan)
    return found
