"""Filter and mangle rules of bridges and local services (nova-network.md
§4.4, §4.5, §4.8): bridge forwarding, dnsmasq's INPUT accepts, the DHCP
checksum fill and the metadata service's INPUT accept.
"""

from __future__ import annotations

from novanet.drivers.iptables.builders.common import RuleConfig, address, family_of
from novanet.drivers.iptables.model import RuleItem, RuleSpec

__all__ = ["bridge_forward_rules", "dhcp_accept_rules", "dhcp_checksum_rules", "metadata_accept_rules"]


def bridge_forward_rules(bridge: str, cfg: RuleConfig, *, gateway: bool = True) -> tuple[RuleItem, ...]:
    """Filter ``$FORWARD`` rules of a bridge (nova ``get_gateway_rules``).

    A gateway bridge forwards to and from anything when
    ``forward_bridge_interface`` contains ``all``; otherwise only to and from
    the listed interfaces and itself, and drops the rest with
    ``iptables_drop_action``. A bridge that is not a gateway drops all
    forwarded traffic.
    """
    drop = cfg.drop_target(4)
    rules: list[str]
    if not gateway:
        rules = [f"-i {bridge} -j {drop}", f"-o {bridge} -j {drop}"]
    elif "all" in cfg.forward_bridge_interface:
        rules = [f"-i {bridge} -j ACCEPT", f"-o {bridge} -j ACCEPT"]
    else:
        rules = []
        for interface in cfg.forward_bridge_interface:
            rules += [f"-i {bridge} -o {interface} -j ACCEPT", f"-i {interface} -o {bridge} -j ACCEPT"]
        rules += [f"-i {bridge} -o {bridge} -j ACCEPT", f"-i {bridge} -j {drop}", f"-o {bridge} -j {drop}"]
    return tuple(RuleSpec("filter", "FORWARD", rule) for rule in rules)


def dhcp_accept_rules(bridge: str) -> tuple[RuleItem, ...]:
    """dnsmasq on ``bridge``: DHCP (67) and DNS (53), UDP and TCP, in ``$INPUT``."""
    return tuple(RuleSpec("filter", "INPUT", f"-i {bridge} -p {proto} -m {proto} --dport {port} -j ACCEPT")
                 for port in (67, 53) for proto in ("udp", "tcp"))


def dhcp_checksum_rules(bridge: str) -> tuple[RuleItem, ...]:
    """Fill in UDP checksums of DHCP replies leaving ``bridge`` (mangle
    ``$POSTROUTING``; some virtio guests drop replies with a partial checksum)."""
    return (RuleSpec("mangle", "POSTROUTING", f"-o {bridge} -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill"),)


def metadata_accept_rules(cfg: RuleConfig) -> tuple[RuleItem, ...]:
    """Let instances reach the metadata service (nova ``metadata_accept``):
    filter ``$INPUT`` of the metadata host's family; a loopback host accepts
    any local destination (the REDIRECT target)."""
    if not cfg.metadata_host:
        return ()
    family = family_of(cfg.metadata_host)
    host = address(cfg.metadata_host, family)
    port = f"-p tcp -m tcp --dport {cfg.metadata_port}"
    if host in ("127.0.0.1/32", "::1/128"):
        rule = f"{port} -m addrtype --dst-type LOCAL -j ACCEPT"
    else:
        rule = f"-d {host} {port} -j ACCEPT"
    return (RuleSpec("filter", "INPUT", rule, family=family),)
