"""NAT rules of networks: SNAT of the fixed range, POSTROUTING accepts,
the metadata forward and the VPN forward (nova-network.md §4.4, §4.6).

Chains (wrapped, nat table unless noted): ``snat`` holds the fixed-range
SNAT (it runs after ``float-snat``, so a floating address wins);
``POSTROUTING`` holds the accepts that keep traffic to the metadata host, to
the DMZ and inside the network un-NATed; ``PREROUTING`` holds the metadata
forward; VPN uses ``PREROUTING``/``OUTPUT`` and filter ``FORWARD``.
"""

from __future__ import annotations

from novanet.drivers.base import NetworkSpec
from novanet.drivers.iptables.builders.common import RuleConfig, address, family_of, network
from novanet.drivers.iptables.model import RuleItem, RuleSpec

__all__ = ["metadata_forward_rules", "postrouting_accept_rules", "snat_rules", "vpn_forward_rules"]

METADATA_ADDRESS = "169.254.169.254/32"
VPN_PRIVATE_PORT = 1194


def _dest(net: str) -> str:
    """`` -d <net>``, or nothing for "anywhere" (iptables-save omits it)."""
    return "" if net == "0.0.0.0/0" else f" -d {net}"


def snat_rules(net: NetworkSpec, cfg: RuleConfig) -> tuple[RuleItem, ...]:
    """SNAT of the network's range to ``routing_source_ip`` (nova ``add_snat_rule``),
    or to the network's own egress (``snat_source`` out of ``snat_interface``).

    An ordinary network gets ``-s <range> [-o <public_interface>] -j SNAT``;
    a network whose router is elsewhere (``is_external``) only gets one rule
    per ``force_snat_range`` destination, and none without such ranges.
    """
    routing_source = net.snat_source or cfg.routing_source_ip
    if not net.cidr or not routing_source or family_of(net.cidr) != 4:
        return ()
    source = network(net.cidr, 4)
    to = address(routing_source, 4).split("/")[0]
    if net.is_external:
        destinations = [network(dest, 4) for dest in cfg.force_snat_range]
        return tuple(RuleSpec("nat", "snat", f"-s {source}{_dest(dest)} -j SNAT --to-source {to}")
                     for dest in destinations)
    public_interface = net.snat_interface or cfg.public_interface
    out = f" -o {public_interface}" if public_interface else ""
    return (RuleSpec("nat", "snat", f"-s {source}{out} -j SNAT --to-source {to}"),)


def postrouting_accept_rules(net: NetworkSpec, cfg: RuleConfig) -> tuple[RuleItem, ...]:
    """Traffic that must keep its fixed source (nova ``init_host``): to the
    metadata host, to each ``dmz_cidr``, and inside the network unless DNATed."""
    if not net.cidr or family_of(net.cidr) != 4:
        return ()
    source = network(net.cidr, 4)
    rules: list[RuleItem] = []
    if cfg.metadata_host and family_of(cfg.metadata_host) == 4:
        rules.append(RuleSpec("nat", "POSTROUTING", f"-s {source} -d {address(cfg.metadata_host, 4)} -j ACCEPT"))
    rules += [RuleSpec("nat", "POSTROUTING", f"-s {source}{_dest(network(dmz, 4))} -j ACCEPT")
              for dmz in cfg.dmz_cidr]
    rules.append(RuleSpec("nat", "POSTROUTING", f"-s {source} -d {source} -m conntrack ! --ctstate DNAT -j ACCEPT"))
    return tuple(rules)


def metadata_forward_rules(cfg: RuleConfig) -> tuple[RuleItem, ...]:
    """169.254.169.254:80 to the metadata service (nova ``metadata_forward``):
    DNAT to ``metadata_host:metadata_port``, or REDIRECT when that is 127.0.0.1."""
    if not cfg.metadata_host or family_of(cfg.metadata_host) != 4:
        return ()
    match = f"-d {METADATA_ADDRESS} -p tcp -m tcp --dport 80"
    host = address(cfg.metadata_host, 4).split("/")[0]
    if host == "127.0.0.1":
        return (RuleSpec("nat", "PREROUTING", f"{match} -j REDIRECT --to-ports {cfg.metadata_port}"),)
    return (RuleSpec("nat", "PREROUTING", f"{match} -j DNAT --to-destination {host}:{cfg.metadata_port}"),)


def vpn_forward_rules(net: NetworkSpec) -> tuple[RuleItem, ...]:
    """The project VPN (cloudpipe, VLAN mode): public UDP port to the VPN
    instance's 1194, and let it through (nova ``ensure_vpn_forward``)."""
    if not (net.vpn_public_address and net.vpn_public_port and net.vpn_private_address):
        return ()
    public = address(net.vpn_public_address, 4)
    private = address(net.vpn_private_address, 4)
    dnat = (f"-d {public} -p udp -m udp --dport {net.vpn_public_port} "
            f"-j DNAT --to-destination {private.split('/')[0]}:{VPN_PRIVATE_PORT}")
    return (
        RuleSpec("filter", "FORWARD", f"-d {private} -p udp -m udp --dport {VPN_PRIVATE_PORT} -j ACCEPT"),
        RuleSpec("nat", "PREROUTING", dnat),
        RuleSpec("nat", "OUTPUT", dnat),
    )
