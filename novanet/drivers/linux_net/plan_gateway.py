"""What to change so a bridge is a network's gateway; floating and metadata
addresses. Pure functions from a :class:`~.records.Snapshot` to actions.

Theory of operation (nova-network's ``initialize_gateway_device``, §4.2)
-----------------------------------------------------------------------
* The namespace forwards IPv4 (``net/ipv4/ip_forward`` = 1); the sysctl is
  per namespace, so it is set where the bridge lives and nowhere else.
* dnsmasq binds the *first* IPv4 address of the device, so the network's DHCP
  address (``dhcp_server/prefix brd broadcast``) must come first. When it
  already does, nothing is touched. Otherwise every global IPv4 address and
  every route through the device is removed, the DHCP address is added, the
  other addresses are added back after it (minus any other copy of the DHCP
  address, e.g. one with a wrong prefix), and the routes are restored; with
  ``send_arp_for_ha`` the new address is announced by gratuitous ARP.
* The IPv6 gateway address, when the network has one, is added if missing.
* A floating address is a /32 (/128) on the public interface, announced by
  gratuitous ARP when asked; binding twice or unbinding an absent address does
  nothing. The metadata address 169.254.169.254/32 lives on ``lo`` with link
  scope, as nova-network's ``ensure_metadata_ip`` put it.
"""

from __future__ import annotations

from collections.abc import Sequence

import dataclasses
import ipaddress

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net.plan_bridge import movable_addresses, movable_routes
from novanet.drivers.linux_net.records import (
    SCOPE_LINK,
    Action,
    AddAddress,
    Address,
    AddRoute,
    DeleteAddress,
    DeleteRoute,
    Query,
    SendArp,
    SetSysctl,
    Snapshot,
)

IP_FORWARD = "net/ipv4/ip_forward"
METADATA_ADDRESS = "169.254.169.254"
LOOPBACK = "lo"


@dataclasses.dataclass(frozen=True, slots=True)
class GatewaySpec:
    """The addresses a network's bridge carries on this host."""

    address: str
    prefixlen: int
    broadcast: str | None = None
    address_v6: str | None = None
    prefixlen_v6: int | None = None

    @classmethod
    def from_network(cls, network: NetworkSpec) -> GatewaySpec:
        """The DHCP address (per-host in multi_host), its broadcast and the
        IPv6 gateway of ``network``.

        :raises InvalidInput: the network has no IPv4 cidr or DHCP address.
        """
        if not network.cidr:
            raise exception.InvalidInput(reason=f"network {network.uuid} has no IPv4 cidr for a gateway")
        address = network.dhcp_server or network.gateway
        if not address:
            raise exception.InvalidInput(reason=f"network {network.uuid} has neither dhcp_server nor gateway")
        net = ipaddress.ip_network(network.cidr, strict=False)
        if ipaddress.ip_address(address) not in net:
            raise exception.AddressOutOfRange(address=address, cidr=network.cidr)
        broadcast = network.broadcast or str(net.broadcast_address)
        v6 = v6len = None
        if network.gateway_v6 and network.cidr_v6:
            v6 = str(ipaddress.ip_address(network.gateway_v6))
            v6len = ipaddress.ip_network(network.cidr_v6, strict=False).prefixlen
        return cls(address=address, prefixlen=net.prefixlen, broadcast=broadcast, address_v6=v6, prefixlen_v6=v6len)

    @property
    def primary(self) -> Address:
        return Address(address=self.address, prefixlen=self.prefixlen, family=4, broadcast=self.broadcast)

    @property
    def v6(self) -> Address | None:
        if self.address_v6 is None or self.prefixlen_v6 is None:
            return None
        return Address(address=self.address_v6, prefixlen=self.prefixlen_v6, family=6)


def gateway_query(device: str) -> Query:
    return Query(links=(device,), addresses=(device,), routes=(device,), sysctls=(IP_FORWARD,))


def _same_broadcast(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    return ipaddress.ip_address(a) == ipaddress.ip_address(b)


def order_addresses(current: list[Address], wanted: Address) -> list[Address]:
    """The global IPv4 addresses of the device after the change, in order:
    ``wanted`` first, then the others as they were, minus copies of it."""
    rest = [a.fresh() for a in current if ipaddress.ip_address(a.address) != ipaddress.ip_address(wanted.address)]
    return [wanted, *rest]


def primary_is_correct(current: list[Address], wanted: Address) -> bool:
    """Whether ``wanted`` is already the first global IPv4 address."""
    return bool(current) and current[0].same_ip(wanted) and _same_broadcast(current[0].broadcast, wanted.broadcast)


def plan_gateway(snap: Snapshot, device: str, spec: GatewaySpec, arp_count: int = 0) -> list[Action]:
    """Actions that make ``device`` the gateway described by ``spec``.

    :raises DriverError: the device does not exist.
    """
    if snap.link(device) is None:
        raise exception.DriverError(reason=f"gateway device {device} does not exist")
    actions: list[Action] = []
    if snap.sysctls.get(IP_FORWARD) != "1":
        actions.append(SetSysctl(IP_FORWARD, "1"))
    addresses = snap.addrs(device)
    current = movable_addresses(addresses)
    wanted = spec.primary
    if not primary_is_correct(current, wanted):
        routes = movable_routes(snap.routes.get(device, ()))
        # Delete everything, then add back in the new order: the kernel keeps
        # addresses in insertion order and offers no "insert first".
        actions += [DeleteRoute(rt) for rt in routes]
        actions += [DeleteAddress(device, a) for a in reversed(current)]
        actions += [AddAddress(device, a) for a in order_addresses(current, wanted)]
        actions += [AddRoute(rt) for rt in routes]
        if arp_count > 0:
            actions.append(SendArp(device, wanted.address, arp_count))
    v6 = spec.v6
    if v6 is not None and not any(a.same_ip(v6) for a in addresses):
        actions.append(AddAddress(device, v6))
    return actions


def host_address(address: str) -> Address:
    """``address`` as a host address (/32 or /128)."""
    ip = ipaddress.ip_address(address)
    return Address(address=str(ip), prefixlen=ip.max_prefixlen, family=ip.version)


def address_query(device: str) -> Query:
    return Query(links=(device,), addresses=(device,))


def plan_bind_address(snap: Snapshot, device: str, address: str, arp_count: int = 0) -> list[Action]:
    """Actions that put the floating ``address`` on ``device``.

    :raises NoFloatingIpInterface: the device does not exist.
    """
    if snap.link(device) is None:
        raise exception.NoFloatingIpInterface(interface=device)
    wanted = host_address(address)
    if any(a.same_ip(wanted) for a in snap.addrs(device)):
        return []
    actions: list[Action] = [AddAddress(device, wanted)]
    if arp_count > 0 and wanted.family == 4:
        actions.append(SendArp(device, wanted.address, arp_count))
    return actions


def plan_bind_addresses(snap: Snapshot, device: str, addresses: Sequence[str], arp_count: int = 0) -> list[Action]:
    """:func:`plan_bind_address` for many addresses against one snapshot.

    NOTE(scale): at a restart with 1,000 floating IPs, one snapshot per
    address made binding quadratic (each dump returns every bound address);
    one snapshot and a set lookup keep it linear.
    """
    if snap.link(device) is None:
        raise exception.NoFloatingIpInterface(interface=device)
    present = {(a.family, a.address) for a in snap.addrs(device) if a.prefixlen in (32, 128)}
    actions: list[Action] = []
    for address in addresses:
        wanted = host_address(address)
        if (wanted.family, wanted.address) in present:
            continue
        present.add((wanted.family, wanted.address))
        actions.append(AddAddress(device, wanted))
        if arp_count > 0 and wanted.family == 4:
            actions.append(SendArp(device, wanted.address, arp_count))
    return actions


def plan_unbind_addresses(snap: Snapshot, device: str, addresses: Sequence[str]) -> list[Action]:
    """:func:`plan_unbind_address` for many addresses against one snapshot."""
    unwanted = {host_address(a).address for a in addresses}
    return [DeleteAddress(device, a) for a in snap.addrs(device) if a.address in unwanted and a.prefixlen in (32, 128)]


def plan_unbind_address(snap: Snapshot, device: str, address: str) -> list[Action]:
    """Actions that take the floating ``address`` off ``device`` (if there)."""
    wanted = host_address(address)
    return [DeleteAddress(device, a) for a in snap.addrs(device) if a.same_ip(wanted)]


def plan_metadata_ip(snap: Snapshot) -> list[Action]:
    """Actions that put 169.254.169.254/32 (link scope) on ``lo``."""
    wanted = dataclasses.replace(host_address(METADATA_ADDRESS), scope=SCOPE_LINK)
    if any(a.same_ip(wanted) for a in snap.addrs(LOOPBACK)):
        return []
    return [AddAddress(LOOPBACK, wanted)]
