"""Operator actions behind ``novanet-manage``: decisions and checks, then the store.

These run in the operator's process straight against the fact store, as
nova-manage did (network creation and deletion are
:class:`novanet.manager.networks.NetworkAdmin`'s, shared with the RPC); the daemons pick the changes up (a new network is served
when an instance first uses it; removed floating ranges were never plumbed).
"""

from __future__ import annotations

import dataclasses

import netaddr

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db.models import FloatingIp, Network, Service
from novanet.manager import networks


@dataclasses.dataclass(frozen=True)
class NetworkUsage:
    network: Network
    total: int
    reserved: int
    free: int
    in_use: int


@dataclasses.dataclass(frozen=True)
class ServiceStatus:
    service: Service
    up: bool


def find_network(ident: str) -> Network:
    """A network by uuid or by its IPv4/IPv6 range (one containing ``/``).

    :raises NetworkNotFoundForUUID, NetworkNotFoundForCidr, InvalidCidr.
    """
    if "/" in ident:
        return networks.find_network(fixed_range=ident)
    return networks.find_network(uuid=ident)


def list_networks() -> list[Network]:
    return db.network_get_all()


def network_usage(network: Network) -> NetworkUsage:
    total = db.fixed_ip_count(network.id)
    free = db.fixed_ip_count(network.id, free_only=True)
    reserved = db.network_count_reserved_ips(network.id)
    return NetworkUsage(network=network, total=total, reserved=reserved, free=free,
                        in_use=total - reserved - free)


def modify_network(ident: str, project: str | None = None, host: str | None = None,
                   disassociate_project: bool = False, disassociate_host: bool = False) -> Network:
    """Associate a network with a project/host, or clear them (nova-manage's rules).

    :raises InvalidInput: a disassociate flag combined with a value to set.
    """
    if disassociate_project and project is not None:
        raise exception.InvalidInput(reason="--disassociate-project cannot be combined with --project")
    if disassociate_host and host is not None:
        raise exception.InvalidInput(reason="--disassociate-host cannot be combined with --host")
    network = find_network(ident)
    if disassociate_project or disassociate_host:
        network = db.network_disassociate(network.id, disassociate_host=disassociate_host,
                                          disassociate_project=disassociate_project)
    values: dict[str, str] = {}
    if project is not None:
        if not project.strip():
            raise exception.InvalidInput(reason="--project must not be empty")
        values["project_id"] = project
    if host is not None:
        if not host.strip():
            raise exception.InvalidInput(reason="--host must not be empty")
        values["host"] = host
    if values:
        network = db.network_update(network.id, values)
    return network


def list_fixed(host: str | None = None) -> list[db.FixedIpListing]:
    return db.fixed_ip_list(host=host)


def reserve_fixed(address: str, reserved: bool) -> None:
    try:
        netaddr.IPAddress(address)
    except (netaddr.AddrFormatError, ValueError):
        raise exception.InvalidAddress(address=address)
    db.fixed_ip_set_reserved(address, reserved)


def create_floating(ip_range: str, pool: str | None = None, interface: str | None = None) -> int:
    """Add a floating range to a pool (default ``default_floating_pool``).

    :raises InvalidInput: malformed, too small or too large range; bad names.
    :raises CidrConflict: it overlaps a fixed network.
    :raises FloatingIpExists: an address exists already.
    """
    pool = pool or CONF.default_floating_pool
    interface = interface or CONF.public_interface
    if not pool or len(pool) > 255:
        raise exception.InvalidInput(reason="--pool must be 1 to 255 characters")
    if interface and len(interface) > 15:
        raise exception.InvalidInput(reason=f"--interface {interface} is longer than 15 characters")
    return db.floating_ip_bulk_create(ip_range, pool, interface or None)


def list_floating(host: str | None = None, pool: str | None = None) -> list[FloatingIp]:
    return db.floating_ip_get_all(host=host, pool=pool)


def delete_floating(ip_range: str) -> int:
    return db.floating_ip_bulk_destroy(ip_range)


def list_services() -> list[ServiceStatus]:
    return [ServiceStatus(s, db.service_is_up(s, CONF.service_down_time)) for s in db.service_get_all()]
