"""``novanet-manage``: the operator's command line.

Every command either succeeds or exits non-zero with one line on stderr
naming what is wrong (exit 1; 2 for something that does not exist) and
changes nothing. Networks are created with the rules of the configured
``network_manager``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from oslo_config import cfg

from novanet import exception
from novanet.cli import auto as auto_cli
from novanet.cli import baremetal as baremetal_cli
from novanet.cli import output
from novanet.conf import CONF
from novanet.context import get_admin_context
from novanet.db import migration
from novanet.manager import admin, loader
from novanet.manager.networks import NetworkAdmin

LOG = logging.getLogger(__name__)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and raise instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


CREATE_OPTIONS: tuple[tuple[str, str, str], ...] = (
    # (option, destination in create_networks, help)
    ("--label", "label", "name of the network(s); several get _0, _1, ... (default: private)"),
    ("--fixed_range_v4", "cidr", "IPv4 range to carve the networks from, e.g. 10.0.0.0/8"),
    ("--num_networks", "num_networks", "how many networks to create (default: num_networks option)"),
    ("--network_size", "network_size", "addresses per network, rounded up to a power of two"),
    ("--multi_host", "multi_host", "T or F: every compute host serves its own instances"),
    ("--vlan", "vlan", "the VLAN of a single network (VLAN manager)"),
    ("--vlan_start", "vlan_start", "first VLAN for several networks (VLAN manager)"),
    ("--vpn", "vpn_start", "first public VPN port (VLAN manager)"),
    ("--fixed_range_v6", "cidr_v6", "IPv6 range, carved into /64s"),
    ("--gateway", "gateway", "IPv4 gateway (default: the first address)"),
    ("--gateway_v6", "gateway_v6", "IPv6 gateway"),
    ("--bridge", "bridge", "bridge name, at most 15 characters"),
    ("--bridge_interface", "bridge_interface", "uplink of the bridge (VLAN trunk in VLAN mode)"),
    ("--dns1", "dns1", "first DNS server handed to instances"),
    ("--dns2", "dns2", "second DNS server"),
    ("--project_id", "project_id", "project owning the network"),
    ("--priority", "priority", "accepted for nova-manage compatibility; unused"),
    ("--uuid", "uuid", "uuid of the (single) network"),
    ("--fixed_cidr", "fixed_cidr", "only addresses of this sub-range are handed out"),
    ("--mtu", "mtu", "MTU of the network"),
    ("--enable_dhcp", "enable_dhcp", "T or F: serve DHCP (default T)"),
    ("--share_address", "share_address", "T or F: multi_host hosts share one DHCP address"),
    ("--dhcp_server", "dhcp_server", "DHCP server address (default: the gateway)"),
    ("--allowed_start", "allowed_start", "first address handed to instances"),
    ("--allowed_end", "allowed_end", "last address handed to instances"),
)


def build_parser() -> _Parser:
    parser = _Parser(prog="novanet-manage", description="Manage novanet's networks, addresses and services.")
    parser.add_argument("--config-file", action="append", default=[], metavar="PATH",
                        help="configuration file (repeatable; default: novanet's standard locations)")
    parser.add_argument("--config-dir", action="append", default=[], metavar="DIR",
                        help="directory of *.conf files")
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    categories = parser.add_subparsers(dest="category", metavar="CATEGORY", parser_class=_Parser)
    categories.required = True

    db = categories.add_parser("db", help="the fact store's schema").add_subparsers(dest="action", metavar="ACTION")
    db.required = True
    db.add_parser("sync", help="create or upgrade the schema").set_defaults(func=cmd_db_sync)
    db.add_parser("version", help="print the schema revision").set_defaults(func=cmd_db_version)

    net = categories.add_parser("network", help="networks").add_subparsers(dest="action", metavar="ACTION")
    net.required = True
    create = net.add_parser("create", help="create networks with the configured manager's rules",
                            description="Create networks: novanet-manage network create 10.0.0.0/8 3 16 "
                            "means range, number of networks, addresses per network.")
    create.add_argument("range_positional", nargs="?", metavar="FIXED_RANGE_V4")
    create.add_argument("num_positional", nargs="?", metavar="NUM_NETWORKS")
    create.add_argument("size_positional", nargs="?", metavar="NETWORK_SIZE")
    for option, dest, help_text in CREATE_OPTIONS:
        create.add_argument(option, dest=f"opt_{dest}", metavar=dest.upper(), help=help_text)
    _add_format(create)
    create.set_defaults(func=cmd_network_create)
    listing = net.add_parser("list", help="list networks")
    _add_format(listing)
    listing.set_defaults(func=cmd_network_list)
    show = net.add_parser("show", help="show one network and its address usage")
    show.add_argument("network", help="uuid or range")
    _add_format(show)
    show.set_defaults(func=cmd_network_show)
    delete = net.add_parser("delete", help="delete an unused network without a project")
    delete.add_argument("network", nargs="?", help="uuid or range")
    delete.add_argument("--fixed_range", help="range of the network")
    delete.add_argument("--uuid", help="uuid of the network")
    delete.set_defaults(func=cmd_network_delete)
    modify = net.add_parser("modify", help="associate a network with a project/host, or clear them")
    modify.add_argument("network", help="uuid or range")
    modify.add_argument("--project", help="project to associate")
    modify.add_argument("--host", help="network host to associate")
    modify.add_argument("--disassociate-project", action="store_true", help="clear the project")
    modify.add_argument("--disassociate-host", action="store_true", help="clear the host")
    modify.set_defaults(func=cmd_network_modify)

    fixed = categories.add_parser("fixed", help="fixed IPs").add_subparsers(dest="action", metavar="ACTION")
    fixed.required = True
    fixed_list = fixed.add_parser("list", help="list fixed IPs")
    fixed_list.add_argument("--host", help="only addresses of instances on this host")
    _add_format(fixed_list)
    fixed_list.set_defaults(func=cmd_fixed_list)
    for name, reserve in (("reserve", True), ("unreserve", False)):
        sub = fixed.add_parser(name, help=f"{name} an address")
        sub.add_argument("--address", required=True, help="the fixed IP")
        sub.set_defaults(func=cmd_fixed_reserve, reserve=reserve)

    floating = categories.add_parser("floating", help="floating IPs").add_subparsers(dest="action", metavar="ACTION")
    floating.required = True
    fcreate = floating.add_parser("create", help="add a range of floating IPs to a pool")
    fcreate.add_argument("--ip_range", required=True, help="an address or a CIDR (its host addresses)")
    fcreate.add_argument("--pool", help="pool name (default: default_floating_pool)")
    fcreate.add_argument("--interface", help="interface to bind on (default: public_interface)")
    fcreate.set_defaults(func=cmd_floating_create)
    flist = floating.add_parser("list", help="list floating IPs")
    flist.add_argument("--host", help="only addresses plumbed on this host")
    flist.add_argument("--pool", help="only this pool")
    _add_format(flist)
    flist.set_defaults(func=cmd_floating_list)
    fdelete = floating.add_parser("delete", help="delete a range of floating IPs")
    fdelete.add_argument("--ip_range", required=True, help="an address or a CIDR")
    fdelete.set_defaults(func=cmd_floating_delete)

    drive = categories.add_parser("configdrive", help="config drives").add_subparsers(dest="action",
                                                                                       metavar="ACTION")
    drive.required = True
    build = drive.add_parser("build", help="write an instance's config drive (network_data.json and more)")
    build.add_argument("--instance", required=True, help="instance uuid")
    build.add_argument("--output", required=True, help="image file to write")
    build.add_argument("--format", dest="drive_format", choices=("iso9660", "vfat"),
                       help="file system (default: the config_drive_format option)")
    build.set_defaults(func=cmd_configdrive_build)

    baremetal_cli.register(categories)

    service = categories.add_parser("service", help="novanet services").add_subparsers(dest="action",
                                                                                        metavar="ACTION")
    service.required = True
    slist = service.add_parser("list", help="list services and whether they are up")
    _add_format(slist)
    slist.set_defaults(func=cmd_service_list)
    auto_cli.register(categories)
    return parser


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")


# -- commands ------------------------------------------------------------------


def cmd_db_sync(args: argparse.Namespace, out: TextIO) -> None:
    migration.sync()
    out.write(f"schema at revision {migration.current_revision()}\n")


def cmd_db_version(args: argparse.Namespace, out: TextIO) -> None:
    out.write(f"{migration.current_revision() or 'empty'} (latest {migration.head_revision()})\n")


def _network_admin() -> NetworkAdmin:
    """Network creation and deletion with the configured manager's rules (no host side here)."""
    return NetworkAdmin(loader.manager_class(CONF.network_manager).create_rules())


def _network_row(n: Any) -> dict[str, Any]:
    return {
        "id": n.id, "uuid": n.uuid, "label": n.label, "cidr": n.cidr, "cidr_v6": n.cidr_v6,
        "gateway": n.gateway, "dhcp_start": n.dhcp_start, "dns1": n.dns1, "dns2": n.dns2,
        "vlan": n.vlan, "bridge": n.bridge, "bridge_interface": n.bridge_interface,
        "project_id": n.project_id, "host": n.host, "multi_host": n.multi_host,
    }


def cmd_network_create(args: argparse.Namespace, out: TextIO) -> None:
    kwargs: dict[str, Any] = {dest: getattr(args, f"opt_{dest}") for _, dest, _ in CREATE_OPTIONS}
    for positional, dest in (("range_positional", "cidr"), ("num_positional", "num_networks"),
                             ("size_positional", "network_size")):
        value = getattr(args, positional)
        if value is not None:
            if kwargs[dest] is not None and kwargs[dest] != value:
                raise exception.InvalidInput(reason=f"{dest} given twice ({value} and {kwargs[dest]})")
            kwargs[dest] = value
    if kwargs["label"] is None:
        kwargs["label"] = "private"
    created = _network_admin().create_networks(get_admin_context(), **kwargs)
    rows = [_network_row(n) for n in created]
    output.records(out, args.format, ("uuid", "label", "IPv4", "IPv6", "gateway", "VLAN", "bridge"),
                   ("uuid", "label", "cidr", "cidr_v6", "gateway", "vlan", "bridge"), rows, "")


def cmd_network_list(args: argparse.Namespace, out: TextIO) -> None:
    rows = [_network_row(n) for n in admin.list_networks()]
    output.records(out, args.format,
                   ("id", "IPv4", "IPv6", "start address", "DNS1", "DNS2", "VlanID", "bridge", "project",
                    "host", "uuid"),
                   ("id", "cidr", "cidr_v6", "dhcp_start", "dns1", "dns2", "vlan", "bridge", "project_id",
                    "host", "uuid"),
                   rows, "No networks found")


def cmd_network_show(args: argparse.Namespace, out: TextIO) -> None:
    usage = admin.network_usage(admin.find_network(args.network))
    n = usage.network
    data = _network_row(n) | {
        "netmask": n.netmask, "broadcast": n.broadcast, "gateway_v6": n.gateway_v6, "dhcp_server": n.dhcp_server,
        "vpn_private_address": n.vpn_private_address, "vpn_public_port": n.vpn_public_port, "mtu": n.mtu,
        "enable_dhcp": n.enable_dhcp, "share_address": n.share_address, "injected": n.injected,
        "addresses": usage.total, "reserved": usage.reserved, "in_use": usage.in_use, "free": usage.free,
    }
    output.mapping(out, args.format, data)


def cmd_network_delete(args: argparse.Namespace, out: TextIO) -> None:
    given = [v for v in (args.network, args.fixed_range, args.uuid) if v]
    if len(given) != 1:
        raise exception.InvalidInput(reason="name exactly one network: a uuid or range, --uuid or --fixed_range")
    ident = given[0]
    network = admin.find_network(ident) if args.network else None
    deleted = _network_admin().delete_network(get_admin_context(), uuid=args.uuid or (network.uuid if network else None),
                                              fixed_range=args.fixed_range)
    out.write(f"deleted network {deleted.uuid} ({deleted.cidr or deleted.cidr_v6})\n")


def cmd_network_modify(args: argparse.Namespace, out: TextIO) -> None:
    network = admin.modify_network(args.network, project=args.project, host=args.host,
                                   disassociate_project=args.disassociate_project,
                                   disassociate_host=args.disassociate_host)
    out.write(f"network {network.uuid}: project {network.project_id or '-'}, host {network.host or '-'}\n")


def cmd_fixed_list(args: argparse.Namespace, out: TextIO) -> None:
    rows = [
        {"network": r.network_cidr, "address": r.address, "hostname": r.hostname, "host": r.host,
         "instance_uuid": r.instance_uuid, "reserved": r.reserved, "allocated": r.allocated, "leased": r.leased}
        for r in admin.list_fixed(host=args.host)
    ]
    output.records(out, args.format,
                   ("network", "IP address", "hostname", "host", "instance", "reserved", "leased"),
                   ("network", "address", "hostname", "host", "instance_uuid", "reserved", "leased"),
                   rows, "No fixed IP found.")


def cmd_fixed_reserve(args: argparse.Namespace, out: TextIO) -> None:
    admin.reserve_fixed(args.address, args.reserve)
    out.write(f"{args.address} {'reserved' if args.reserve else 'unreserved'}\n")


def cmd_floating_create(args: argparse.Namespace, out: TextIO) -> None:
    count = admin.create_floating(args.ip_range, pool=args.pool, interface=args.interface)
    out.write(f"created {count} floating IP(s) from {args.ip_range}\n")


def cmd_floating_list(args: argparse.Namespace, out: TextIO) -> None:
    rows = [
        {"project_id": f.project_id, "address": f.address, "fixed_ip_id": f.fixed_ip_id, "pool": f.pool,
         "interface": f.interface, "host": f.host, "auto_assigned": f.auto_assigned}
        for f in admin.list_floating(host=args.host, pool=args.pool)
    ]
    output.records(out, args.format, ("project", "address", "pool", "interface", "host", "auto"),
                   ("project_id", "address", "pool", "interface", "host", "auto_assigned"),
                   rows, "No floating IP addresses have been defined.")


def cmd_floating_delete(args: argparse.Namespace, out: TextIO) -> None:
    count = admin.delete_floating(args.ip_range)
    out.write(f"deleted {count} floating IP(s) of {args.ip_range}\n")


def cmd_configdrive_build(args: argparse.Namespace, out: TextIO) -> None:
    from novanet.manager.instances import StoreInstanceSource
    from novanet.metadata.configdrive import build_config_drive
    from novanet.metadata.options import MetadataOptions

    source = StoreInstanceSource.for_manager(loader.manager_class(CONF.network_manager))
    record = source.by_uuid(args.instance)
    fmt = args.drive_format or CONF.metadata.config_drive_format
    files = build_config_drive(record, args.output, fmt=fmt, options=MetadataOptions.from_conf(CONF))
    out.write(f"wrote {fmt} config drive {args.output} for instance {record.uuid} ({len(files)} files)\n")


def cmd_service_list(args: argparse.Namespace, out: TextIO) -> None:
    rows = [
        {"host": s.service.host, "binary": s.service.binary, "topic": s.service.topic,
         "status": "up" if s.up else "down", "disabled": s.service.disabled,
         "updated_at": s.service.last_seen_up, "reports": s.service.report_count}
        for s in admin.list_services()
    ]
    output.records(out, args.format, ("host", "binary", "status", "last heartbeat", "reports"),
                   ("host", "binary", "status", "updated_at", "reports"), rows, "No services found.")


# -- running ---------------------------------------------------------------------


def _exit_code(error: exception.NovanetError) -> int:
    return 2 if isinstance(error, exception.NotFound) else 1


def run(argv: Sequence[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr,
        configure: bool = True) -> int:
    """Run one command; return the exit status.

    :param configure: parse configuration files (tests that already set
        options pass False).
    """
    try:
        args = build_parser().parse_args(list(argv))
    except UsageError as error:
        err.write(f"error: {error}\n")
        return 2
    if configure:
        try:
            cfg_args = [a for path in args.config_file for a in ("--config-file", path)]
            cfg_args += [a for path in args.config_dir for a in ("--config-dir", path)]
            CONF(cfg_args, project="novanet")
        except (cfg.Error, OSError) as error:
            err.write(f"error: configuration: {error}\n")
            return 1
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    func: Callable[[argparse.Namespace, TextIO], None] = args.func
    try:
        func(args, out)
    except exception.NovanetError as error:
        err.write(f"error: {error}\n")
        return _exit_code(error)
    except Exception as error:  # the store is unreachable, a disk is full, ...
        LOG.debug("command failed", exc_info=True)
        err.write(f"error: {type(error).__name__}: {error}\n")
        return 1
    return 0
