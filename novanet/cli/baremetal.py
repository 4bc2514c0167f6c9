"""``novanet-manage baremetal``: nodes, ports, port groups, and switching them.

Recording nodes, ports and groups and reporting a node's power state write
the fact store directly (like ``network create``). Everything that changes
the host — moving a node between networks, attaching a tenant VIF, the dry
run that checks switch ports — goes over RPC to the network host that owns
the switch ports (``[baremetal] network_host``), which does it under the
node's lock; the command waits for the answer and prints the node's state.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from novanet.cli import output
from novanet.conf import CONF
from novanet.db import baremetal as bmdb
from novanet.providers import inventory

#: ``node network`` actions and the provider methods they run.
NETWORK_ACTIONS = {
    "add-provisioning": "add_provisioning_network",
    "remove-provisioning": "remove_provisioning_network",
    "add-cleaning": "add_cleaning_network",
    "remove-cleaning": "remove_cleaning_network",
    "add-rescuing": "add_rescuing_network",
    "remove-rescuing": "remove_rescuing_network",
    "configure-tenant": "configure_tenant_networks",
    "unconfigure-tenant": "unconfigure_tenant_networks",
}


def register(categories: Any) -> None:
    """Add the ``baremetal`` category to ``novanet-manage``'s parser."""
    objects = categories.add_parser("baremetal", help="baremetal nodes and their networks").add_subparsers(
        dest="object", metavar="OBJECT")
    objects.required = True

    node = objects.add_parser("node", help="nodes").add_subparsers(dest="action", metavar="ACTION")
    node.required = True
    create = node.add_parser("create", help="record a node")
    create.add_argument("name", help="node name (a DNS label: its DHCP host name)")
    _node_options(create)
    create.set_defaults(func=cmd_node_create)
    change = node.add_parser("set", help="change a node (the power state is what the conductor reports)")
    change.add_argument("name")
    _node_options(change)
    change.add_argument("--unset-network-provider", action="store_true",
                        help="use [baremetal] default_network_provider")
    change.set_defaults(func=cmd_node_set)
    show = node.add_parser("show", help="provider, phase, power state, ports, VIFs")
    show.add_argument("name")
    _format(show)
    show.set_defaults(func=cmd_node_show)
    listing = node.add_parser("list", help="list nodes")
    _format(listing)
    listing.set_defaults(func=cmd_node_list)
    delete = node.add_parser("delete", help="delete a node on no network, without VIFs")
    delete.add_argument("name")
    delete.set_defaults(func=cmd_node_delete)
    ops = node.add_parser("ops", help="the audit of a node's switching calls")
    ops.add_argument("name")
    _format(ops)
    ops.set_defaults(func=cmd_node_ops)
    validate = node.add_parser("validate", help="dry run: what a purpose would use, or why it would fail")
    validate.add_argument("name")
    validate.add_argument("--purpose", required=True, choices=("deploy", "clean", "rescue", "tenant"))
    validate.set_defaults(func=cmd_node_validate)
    network = node.add_parser("network", help="move a node between networks (through the network host)")
    network.add_argument("name")
    network.add_argument("operation", choices=tuple(NETWORK_ACTIONS), metavar="OPERATION",
                         help=" | ".join(NETWORK_ACTIONS))
    network.add_argument("--allow-powered-on", action="store_true",
                         help="switch even though the node is reported powered on")
    _format(network)
    network.set_defaults(func=cmd_node_network)
    vif = node.add_parser("vif", help="tenant VIFs of a node").add_subparsers(dest="vif_action", metavar="ACTION")
    vif.required = True
    attach = vif.add_parser("attach", help="give the node a fixed IP on a tenant network")
    attach.add_argument("name")
    attach.add_argument("--network", required=True, help="network uuid or unique label")
    attach.add_argument("--tagged", action="store_true", help="a VLAN on top of the node's first VIF's carrier")
    attach.add_argument("--port", help="the standalone port (MAC or uuid) to put it on")
    attach.add_argument("--portgroup", help="the port group (name or uuid) to put it on")
    attach.add_argument("--allow-powered-on", action="store_true")
    attach.set_defaults(func=cmd_vif_attach)
    detach = vif.add_parser("detach", help="take a tenant VIF (and its fixed IP) away")
    detach.add_argument("name")
    detach.add_argument("--network", required=True, help="network uuid or unique label")
    detach.add_argument("--allow-powered-on", action="store_true")
    detach.set_defaults(func=cmd_vif_detach)

    port = objects.add_parser("port", help="a node's NICs").add_subparsers(dest="action", metavar="ACTION")
    port.required = True
    pcreate = port.add_parser("create", help="record a NIC and the switch port it is cabled to")
    pcreate.add_argument("--node", required=True)
    pcreate.add_argument("--mac", required=True)
    pcreate.add_argument("--pxe", dest="pxe", action="store_true", default=True, help="it PXE boots (default)")
    pcreate.add_argument("--no-pxe", dest="pxe", action="store_false")
    pcreate.add_argument("--switch-port", required=True, help="the switch port (with linux_bridge: a host "
                         "interface)")
    pcreate.add_argument("--portgroup", help="the node's port group it belongs to")
    pcreate.set_defaults(func=cmd_port_create)
    pdelete = port.add_parser("delete", help="delete a port of a node on no network")
    pdelete.add_argument("port", help="MAC or uuid")
    pdelete.set_defaults(func=cmd_port_delete)

    group = objects.add_parser("portgroup", help="bonds of a node's NICs").add_subparsers(dest="action",
                                                                                          metavar="ACTION")
    group.required = True
    gcreate = group.add_parser("create", help="record a port group")
    gcreate.add_argument("--node", required=True)
    gcreate.add_argument("--name", help="default bond<N>")
    gcreate.add_argument("--mode", default="active-backup", choices=inventory.BOND_MODES)
    gcreate.add_argument("--mac", help="the bond's MAC (default: its first member's)")
    gcreate.add_argument("--miimon", type=int, help="link monitoring interval, ms")
    gcreate.add_argument("--xmit-hash-policy", choices=inventory.XMIT_HASH_POLICIES)
    gcreate.add_argument("--no-standalone-ports", action="store_true",
                         help="members never act alone (no PXE, no VIF of their own)")
    gcreate.set_defaults(func=cmd_portgroup_create)
    gdelete = group.add_parser("delete", help="delete an empty port group")
    gdelete.add_argument("--node", required=True)
    gdelete.add_argument("portgroup", help="name or uuid")
    gdelete.set_defaults(func=cmd_portgroup_delete)


def _node_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network-provider", help="none | flat | isolated (default: [baremetal] "
                        "default_network_provider)")
    parser.add_argument("--power-state", choices=("on", "off", "unknown"))
    parser.add_argument("--instance", help="uuid of the instance the node's tenant VIFs belong to")
    parser.add_argument("--project", help="project of the node's tenant VIFs")
    for purpose in ("provisioning", "cleaning", "rescuing"):
        parser.add_argument(f"--{purpose}-network", help=f"this node's {purpose} network (uuid or label)")


def _format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")


def _driver_info(args: argparse.Namespace) -> dict[str, str]:
    return {f"{p}_network": getattr(args, f"{p}_network") for p in ("provisioning", "cleaning", "rescuing")
            if getattr(args, f"{p}_network") is not None}


def _api() -> Any:
    from novanet.rpc.client.baremetal import BaremetalAPI

    return BaremetalAPI()


def _context() -> Any:
    from novanet.context import get_admin_context

    return get_admin_context()


def _show(out: TextIO, fmt: str, state: dict[str, Any]) -> None:
    if fmt == "json":
        output.mapping(out, "json", state)
        return
    output.mapping(out, "table", {k: state[k] for k in ("name", "uuid", "provider", "phase", "power_state",
                                                        "instance_uuid", "last_error")})
    rows = [{**p, "address": (p["lease"] or {}).get("address"), "leased": (p["lease"] or {}).get("leased")}
            for p in state["ports"]]
    out.write("\n")
    output.records(out, "table", ("MAC", "PXE", "switch port", "group", "network", "address", "leased"),
                   ("mac", "pxe", "switch_port", "portgroup", "network", "address", "leased"), rows, "No ports.")
    if state["vifs"]:
        out.write("\n")
        output.records(out, "table", ("VIF", "purpose", "network", "address", "MAC", "carrier", "bound", "PXE"),
                       ("uuid", "purpose", "network", "address", "mac", "carrier", "bound", "pxe"), state["vifs"], "")


# -- store commands -------------------------------------------------------------------


def cmd_node_create(args: argparse.Namespace, out: TextIO) -> None:
    node = inventory.create_node(CONF, args.name, network_provider=args.network_provider,
                                 power_state=args.power_state, instance_uuid=args.instance,
                                 project_id=args.project, driver_info=_driver_info(args))
    out.write(f"created node {node.name} ({node.uuid})\n")


def cmd_node_set(args: argparse.Namespace, out: TextIO) -> None:
    kwargs: dict[str, Any] = {}
    if args.unset_network_provider:
        kwargs["network_provider"] = None
    elif args.network_provider is not None:
        kwargs["network_provider"] = args.network_provider
    info = _driver_info(args)
    node = inventory.set_node(CONF, args.name, power_state=args.power_state, instance_uuid=args.instance,
                              project_id=args.project, driver_info=info or None, **kwargs)
    out.write(f"node {node.name}: provider {node.network_provider or '(default)'}, power {node.power_state}, "
              f"phase {node.net_phase}\n")


def cmd_node_show(args: argparse.Namespace, out: TextIO) -> None:
    _show(out, args.format, inventory.describe(CONF, args.name))


def cmd_node_list(args: argparse.Namespace, out: TextIO) -> None:
    output.records(out, args.format, ("name", "uuid", "provider", "phase", "power"),
                   ("name", "uuid", "provider", "phase", "power_state"), inventory.list_nodes(CONF), "No nodes.")


def cmd_node_delete(args: argparse.Namespace, out: TextIO) -> None:
    node = inventory.delete_node(args.name)
    out.write(f"deleted node {node.name} ({node.uuid})\n")


def cmd_node_ops(args: argparse.Namespace, out: TextIO) -> None:
    rows = [{"at": op.created_at, "method": op.method, "provider": op.provider, "from": op.from_phase,
             "to": op.to_phase, "result": op.result, "error": op.error, "host": op.host}
            for op in bmdb.ops_of(bmdb.node_get(args.name).uuid)]
    output.records(out, args.format, ("at", "method", "provider", "from", "to", "result", "host"),
                   ("at", "method", "provider", "from", "to", "result", "host"), rows, "No switching calls yet.")


def cmd_port_create(args: argparse.Namespace, out: TextIO) -> None:
    port = inventory.create_port(args.node, args.mac, args.switch_port, pxe=args.pxe, portgroup=args.portgroup)
    out.write(f"created port {port.address} ({port.uuid}) on switch port {port.switch_port}\n")


def cmd_port_delete(args: argparse.Namespace, out: TextIO) -> None:
    port = inventory.delete_port(args.port)
    out.write(f"deleted port {port.address}\n")


def cmd_portgroup_create(args: argparse.Namespace, out: TextIO) -> None:
    group = inventory.create_portgroup(args.node, args.name, mode=args.mode, mac=args.mac, miimon=args.miimon,
                                       xmit_hash_policy=args.xmit_hash_policy,
                                       standalone_ports_supported=not args.no_standalone_ports)
    out.write(f"created port group {group.name} ({group.uuid}, {group.mode})\n")


def cmd_portgroup_delete(args: argparse.Namespace, out: TextIO) -> None:
    group = inventory.delete_portgroup(args.node, args.portgroup)
    out.write(f"deleted port group {group.name}\n")


# -- through the network host ---------------------------------------------------------------


def cmd_node_validate(args: argparse.Namespace, out: TextIO) -> None:
    for line in _api().validate(_context(), args.name, args.purpose):
        out.write(line + "\n")


def cmd_node_network(args: argparse.Namespace, out: TextIO) -> None:
    state = _api().switch(_context(), args.name, NETWORK_ACTIONS[args.operation],
                          allow_powered_on=args.allow_powered_on)
    _show(out, args.format, state)


def cmd_vif_attach(args: argparse.Namespace, out: TextIO) -> None:
    vif = _api().vif_attach(_context(), args.name, args.network, tagged=args.tagged, port=args.port,
                            portgroup=args.portgroup, allow_powered_on=args.allow_powered_on)
    out.write(f"attached VIF {vif or '(none: provider none)'} on {args.network} to node {args.name}\n")


def cmd_vif_detach(args: argparse.Namespace, out: TextIO) -> None:
    _api().vif_detach(_context(), args.name, args.network, allow_powered_on=args.allow_powered_on)
    out.write(f"detached the VIF on {args.network} from node {args.name}\n")
