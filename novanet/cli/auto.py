"""``novanet-manage subnet-pool``, ``egress`` and ``auto-allocate``: get me a network, for operators.

Pools and egress profiles are facts in the store, written here directly like
every other ``novanet-manage`` command. The dry-run (``auto-allocate show
--check-resources``) runs the same checks as a boot's, in this process, and
writes nothing. Deleting a project's network changes its network host (the
bridge, the rules, dnsmasq), so ``auto-allocate delete`` asks the daemon over
RPC (``transport_url``, ``control_exchange`` and ``network_topic`` as the
daemons have them).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any, TextIO

from novanet import exception
from novanet.cli import output
from novanet.conf import CONF
from novanet.db import auto_allocation as store
from novanet.db.models import Network
from novanet.manager import loader
from novanet.manager.autoalloc import admin
from novanet.manager.autoalloc.allocator import AutoAllocator

LOG = logging.getLogger(__name__)

Command = Callable[[argparse.Namespace, TextIO], None]


def register(categories: Any) -> None:
    """Add the three command categories to ``novanet-manage``'s parser."""
    pool = categories.add_parser("subnet-pool", help="address space for networks built on demand")
    pools = pool.add_subparsers(dest="action", metavar="ACTION")
    pools.required = True
    create = pools.add_parser("create", help="define a subnet pool",
                              description="novanet-manage subnet-pool create NAME --prefix 10.128.0.0/16 "
                              "--default-prefixlen 26 --default")
    create.add_argument("name")
    create.add_argument("--prefix", action="append", default=[], required=True, metavar="CIDR",
                        help="IPv4 range of the pool (repeatable)")
    create.add_argument("--default-prefixlen", type=int, required=True, metavar="N",
                        help="prefix length of each network carved from the pool")
    create.add_argument("--default", action="store_true", help="the pool 'auto' carves from")
    _format(create)
    create.set_defaults(func=cmd_pool_create)
    _named_actions(pools, "subnet pool", cmd_pool_list, cmd_pool_show, cmd_pool_set, cmd_pool_delete,
                   "a pool no network was carved from")

    egress = categories.add_parser("egress", help="how networks built on demand reach the outside")
    egresses = egress.add_subparsers(dest="action", metavar="ACTION")
    egresses.required = True
    ecreate = egresses.add_parser("create", help="define an egress (SNAT source and public interface)",
                                  description="novanet-manage egress create NAME --public-interface eth0 "
                                  "--snat-source 203.0.113.5 --default")
    ecreate.add_argument("name")
    ecreate.add_argument("--public-interface", required=True, metavar="IF", help="interface towards the outside")
    ecreate.add_argument("--snat-source", required=True, metavar="IP", help="source address of SNATed traffic")
    ecreate.add_argument("--default", action="store_true", help="the egress of networks 'auto' builds")
    _format(ecreate).set_defaults(func=cmd_egress_create)
    _named_actions(egresses, "egress", cmd_egress_list, cmd_egress_show, cmd_egress_set, cmd_egress_delete,
                   "an egress no network uses")

    auto = categories.add_parser("auto-allocate", help="projects' networks built on their first 'auto' boot")
    autos = auto.add_subparsers(dest="action", metavar="ACTION")
    autos.required = True
    ashow = autos.add_parser("show", help="a project's auto-allocated network, or the dry-run")
    ashow.add_argument("--project", required=True, help="project id")
    ashow.add_argument("--check-resources", action="store_true",
                       help="dry-run: could 'auto' give the project a network now? (changes nothing)")
    _format(ashow).set_defaults(func=cmd_auto_show)
    _format(autos.add_parser("list", help="every project's auto-allocation")).set_defaults(func=cmd_auto_list)
    adelete = autos.add_parser("delete", help="delete a project's auto-allocated network (none of its "
                               "instances may hold an address); asks the network host over RPC")
    adelete.add_argument("--project", required=True, help="project id")
    adelete.set_defaults(func=cmd_auto_delete)


def _named_actions(actions: Any, kind: str, listing: Command, show: Command, change: Command, delete: Command,
                   deletable: str) -> None:
    """``list``, ``show NAME``, ``set NAME --default|--no-default`` and ``delete NAME`` of ``kind``."""
    _format(actions.add_parser("list", help=f"list each {kind}")).set_defaults(func=listing)
    for action, func, help_text in (("show", show, f"show a {kind}"),
                                    ("set", change, f"make a {kind} the default, or not"),
                                    ("delete", delete, f"delete {deletable}")):
        parser = actions.add_parser(action, help=help_text)
        parser.add_argument("name", help="name or uuid")
        if action == "show":
            _format(parser)
        if action == "set":
            flag = parser.add_mutually_exclusive_group(required=True)
            flag.add_argument("--default", dest="default", action="store_true")
            flag.add_argument("--no-default", dest="default", action="store_false")
        parser.set_defaults(func=func)


def _format(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    return parser


# -- subnet pools --------------------------------------------------------------------


def _pool_row(pool: store.PoolRecord, free: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"uuid": pool.uuid, "name": pool.name, "prefixes": ", ".join(pool.prefixes),
                           "default_prefixlen": pool.default_prefixlen, "default": pool.is_default,
                           "generation": pool.generation}
    if free is not None:
        row["free_networks"] = free
    return row


def cmd_pool_create(args: argparse.Namespace, out: TextIO) -> None:
    pool = admin.create_pool(args.name, args.prefix, args.default_prefixlen, args.default)
    output.mapping(out, args.format, _pool_row(pool, admin.pool_free_count(pool)))


def cmd_pool_list(args: argparse.Namespace, out: TextIO) -> None:
    rows = [_pool_row(p, admin.pool_free_count(p)) for p in store.subnet_pool_list()]
    output.records(out, args.format, ("name", "prefixes", "prefixlen", "default", "free", "uuid"),
                   ("name", "prefixes", "default_prefixlen", "default", "free_networks", "uuid"), rows,
                   "No subnet pools defined.")


def cmd_pool_show(args: argparse.Namespace, out: TextIO) -> None:
    pool = store.subnet_pool_get(args.name)
    output.mapping(out, args.format, _pool_row(pool, admin.pool_free_count(pool)))


def cmd_pool_set(args: argparse.Namespace, out: TextIO) -> None:
    pool = store.subnet_pool_set_default(args.name, args.default)
    out.write(f"subnet pool {pool.name} is {'now' if pool.is_default else 'not'} the default\n")


def cmd_pool_delete(args: argparse.Namespace, out: TextIO) -> None:
    pool = store.subnet_pool_delete(args.name)
    out.write(f"deleted subnet pool {pool.name} ({', '.join(pool.prefixes)})\n")


# -- egress --------------------------------------------------------------------------------


def _egress_row(egress: store.EgressRecord) -> dict[str, Any]:
    return {"uuid": egress.uuid, "name": egress.name, "public_interface": egress.public_interface,
            "snat_source": egress.snat_source, "default": egress.is_default}


def cmd_egress_create(args: argparse.Namespace, out: TextIO) -> None:
    egress = admin.create_egress(args.name, args.public_interface, args.snat_source, args.default)
    output.mapping(out, args.format, _egress_row(egress))


def cmd_egress_list(args: argparse.Namespace, out: TextIO) -> None:
    rows = [_egress_row(e) for e in store.egress_list()]
    output.records(out, args.format, ("name", "public interface", "SNAT source", "default", "uuid"),
                   ("name", "public_interface", "snat_source", "default", "uuid"), rows, "No egress defined.")


def cmd_egress_show(args: argparse.Namespace, out: TextIO) -> None:
    output.mapping(out, args.format, _egress_row(store.egress_get(args.name)))


def cmd_egress_set(args: argparse.Namespace, out: TextIO) -> None:
    egress = store.egress_set_default(args.name, args.default)
    out.write(f"egress {egress.name} is {'now' if egress.is_default else 'not'} the default\n")


def cmd_egress_delete(args: argparse.Namespace, out: TextIO) -> None:
    egress = store.egress_delete(args.name)
    out.write(f"deleted egress {egress.name}\n")


# -- projects' networks ----------------------------------------------------------------------


class OperatorHost:
    """The host as the operator's process sees it: it looks, it never changes anything."""

    def setup_network(self, network: Network) -> None:
        raise exception.InvalidRequest(reason="only novanet-network makes networks on the host")

    def discard_network(self, network: Network) -> None:
        raise exception.InvalidRequest(reason="only novanet-network removes networks from the host")

    def device_exists(self, name: str) -> bool | None:
        if CONF.network_driver != "linux_net":
            return None
        try:
            from novanet.drivers.linux_net.links import Links

            links = Links.from_conf(CONF)
            try:
                return links.device_exists(name)
            finally:
                links.close()
        except Exception as error:  # not root, no such namespace: the daemon checks when it builds
            LOG.debug("cannot look at this host's interfaces: %s", error)
            return None


def allocator() -> AutoAllocator:
    """The configured manager's auto-allocation, as this process may run it (checks and reads)."""
    manager = loader.manager_class(CONF.network_manager)
    return AutoAllocator(CONF.host, manager.STRATEGY(), manager.create_rules(), OperatorHost())


def cmd_auto_show(args: argparse.Namespace, out: TextIO) -> None:
    auto = allocator()
    if args.check_resources:
        verdict = auto.check(args.project)
        if not verdict.ok:
            assert verdict.reason is not None
            from novanet.manager.autoalloc.allocator import failure

            raise failure(args.project, verdict.reason, verdict.detail)
        data = {"dry-run": "pass", "project_id": args.project, "detail": verdict.detail}
        output.mapping(out, args.format, data)
        return
    view = auto.show(args.project)
    network = view.network
    output.mapping(out, args.format, {
        "project_id": view.project_id, "status": view.status,
        "network": network.uuid if network else None, "cidr": network.cidr if network else None,
        "vlan": network.vlan if network else None, "bridge": network.bridge if network else None,
        "host": network.host if network else view.claimed_by, "instances": len(view.instances),
        "reason": view.reason, "last_error": view.last_error,
    })


def cmd_auto_list(args: argparse.Namespace, out: TextIO) -> None:
    rows = []
    for row in store.topology_list():
        network = store.network_any_status(row.network_id) if row.network_id is not None else None
        rows.append({"project_id": row.project_id, "status": row.status.value,
                     "network": network.uuid if network else None, "cidr": network.cidr if network else None,
                     "vlan": network.vlan if network else None, "host": network.host if network else row.claimed_by,
                     "reason": row.reason})
    output.records(out, args.format, ("project", "status", "IPv4", "VLAN", "host", "reason", "network"),
                   ("project_id", "status", "cidr", "vlan", "host", "reason", "network"), rows,
                   "No auto-allocated networks.")


def cmd_auto_delete(args: argparse.Namespace, out: TextIO) -> None:
    from novanet.rpc.client import NetworkAPI
    from novanet.context import get_admin_context

    deleted = NetworkAPI().delete_auto_allocated_network(get_admin_context(), args.project)
    if deleted:
        out.write(f"deleted network {deleted} of project {args.project}\n")
    else:
        out.write(f"project {args.project} has no auto-allocated network\n")
