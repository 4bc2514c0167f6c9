"""Firewall of a management network (baremetal provisioning, cleaning, rescue).

Nodes on such a network run a deploy, cleaning or rescue ramdisk and must
reach this host's DHCP (67), TFTP (69), DNS (53) and the conductor's ports
(``[baremetal] conductor_ports``) on its address on that network, and
nothing else; the host forwards
nothing from or to the network (no route to tenants, the outside or other
management networks), and its address on the network answers nobody who
comes from elsewhere (a tenant node must not reach the conductor through
the host's other addresses: Linux answers for every local address on every
interface). All rules are "top" rules, so they come before the accepts every
bridge gets from :func:`~.filtering.bridge_forward_rules` and
:func:`~.filtering.dhcp_accept_rules`.

Replies (TFTP data from an ephemeral port, the conductor's answers) pass as
conntrack RELATED/ESTABLISHED.
"""

from __future__ import annotations

from novanet.drivers.base import NetworkSpec
from novanet.drivers.iptables.builders.common import RuleConfig, address
from novanet.drivers.iptables.model import RuleItem, RuleSpec

__all__ = ["management_rules"]

#: (protocol, port) a node may always reach on the host: DHCP, TFTP, DNS.
SERVICE_PORTS = (("udp", 67), ("udp", 69), ("udp", 53), ("tcp", 53))


def management_rules(net: NetworkSpec, cfg: RuleConfig) -> tuple[RuleItem, ...]:
    """INPUT accepts and drop, FORWARD drops, and the guard of the host's
    address on ``net``'s bridge."""
    bridge = net.bridge
    drop = cfg.drop_target(4)
    local = net.dhcp_server or net.gateway
    # DHCP requests are broadcast; everything else must be for the host's
    # address on this network, not for its addresses on other networks.
    to_us = f"-d {address(local, 4)} " if local else ""
    inbound = [f"-i {bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"]
    inbound += [f"{'' if port == 67 else to_us}-i {bridge} -p {proto} -m {proto} --dport {port} -j ACCEPT"
                for proto, port in SERVICE_PORTS]
    inbound += [f"{to_us}-i {bridge} -p tcp -m tcp --dport {port} -j ACCEPT" for port in cfg.conductor_ports]
    inbound.append(f"-i {bridge} -j {drop}")
    if local:
        inbound.append(f"-d {address(local, 4)} ! -i {bridge} -m addrtype ! --src-type LOCAL -j {drop}")
    items: list[RuleItem] = [RuleSpec("filter", "INPUT", rule, top=True) for rule in inbound]
    items += [RuleSpec("filter", "FORWARD", rule, top=True) for rule in (f"-i {bridge} -j {drop}",
                                                                         f"-o {bridge} -j {drop}")]
    return tuple(items)
