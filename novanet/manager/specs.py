"""Pure translations from store rows to what drivers and guests are told.

No I/O here: these functions take rows and option values and return the
records of :mod:`novanet.drivers.base` and IPv6 addresses, so they are
tested without a store or a host.
"""

from __future__ import annotations

import hashlib
import re

import netaddr

from novanet.db.leases import HostEntry
from novanet.db.models import Network
from novanet.drivers.base import DhcpHost, NetworkSpec

_HOSTNAME_BAD = re.compile(r"[^a-z0-9-]+")


def network_spec(network: Network, *, dhcp_server: str | None, should_create_bridge: bool,
                 uplink_override: str | None, gateway_on_host: bool = True,
                 share_address: bool = False, egress: tuple[str, str] | None = None,
                 management: bool = False) -> NetworkSpec:
    """The driver's view of a network as this host serves it.

    :param dhcp_server: the address this host uses on the bridge (the
        network's, or this host's own in multi_host).
    :param uplink_override: ``vlan_interface``/``flat_interface``, which win
        over the network's own ``bridge_interface`` (nova-network bug 833426).
    :param egress: (public interface, SNAT source) of the network's egress profile.
    :param management: a baremetal provisioning, cleaning or rescuing network
        (its firewall lets nodes reach only this host's boot services).
    """
    return NetworkSpec(
        id=network.id,
        uuid=network.uuid,
        label=network.label or "",
        bridge=network.bridge or "",
        bridge_interface=uplink_override or network.bridge_interface,
        vlan=network.vlan,
        mtu=network.mtu,
        cidr=network.cidr,
        cidr_v6=network.cidr_v6,
        gateway=network.gateway,
        gateway_v6=network.gateway_v6,
        dhcp_server=dhcp_server,
        dhcp_start=network.dhcp_start,
        netmask=network.netmask,
        broadcast=network.broadcast,
        dns1=network.dns1,
        dns2=network.dns2,
        enable_dhcp=network.enable_dhcp,
        multi_host=network.multi_host,
        share_address=network.share_address or share_address,
        project_id=network.project_id,
        should_create_bridge=should_create_bridge,
        gateway_on_host=gateway_on_host,
        snat_interface=egress[0] if egress else None,
        snat_source=egress[1] if egress else None,
        vpn_public_address=network.vpn_public_address,
        vpn_public_port=network.vpn_public_port,
        vpn_private_address=network.vpn_private_address,
        management=management,
    )


def hostname_for(hostname: str | None, address: str) -> str:
    """A DNS-safe host name: the instance's, cleaned, or one made from its address.

    Names longer than 63 characters keep their first 2 and last 60
    characters (nova-network's rule for dnsmasq's limit, bug 1238910).
    """
    name = _HOSTNAME_BAD.sub("-", (hostname or "").lower()).strip("-")
    if not name:
        name = "host-" + re.sub(r"[.:]", "-", address)
    if len(name) > 63:
        name = name[:2] + "-" + name[-60:]
    return name


def dhcp_host(entry: HostEntry) -> DhcpHost:
    return DhcpHost(
        mac=entry.vif_address.lower(),
        address=entry.address,
        hostname=hostname_for(entry.hostname, entry.address),
        vif_uuid=entry.vif_uuid,
        default_route=entry.default_route,
        pxe=entry.pxe,
    )


def ipv6_address(cidr_v6: str, mac: str, project_id: str | None, backend: str = "rfc2462") -> str:
    """The instance's IPv6 address in ``cidr_v6``, derived from its MAC.

    ``rfc2462``: the EUI-64 interface id (what SLAAC gives the guest).
    ``account_identifier``: 32 bits of SHA-1 of the project, then
    ``0xff`` and the low 24 bits of the MAC (nova-network's alternative).
    """
    prefix = netaddr.IPNetwork(cidr_v6)
    eui = netaddr.EUI(mac)
    if backend == "account_identifier":
        project_hash = int(hashlib.sha1((project_id or "").encode()).hexdigest()[:8], 16) << 32
        interface = project_hash ^ (0xFF << 24) ^ (int(eui) & 0xFFFFFF)
        return str(netaddr.IPAddress(int(prefix.network) | interface, 6))
    return str(eui.ipv6(int(prefix.network)))
