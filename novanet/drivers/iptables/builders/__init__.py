"""Rule builders: pure functions from driver records and options to rules.

Each builder takes records from :mod:`novanet.drivers.base` (``NetworkSpec``,
``FloatingForward``) and a :class:`RuleConfig`, and returns a tuple of
:class:`~novanet.drivers.iptables.model.ChainSpec` /
:class:`~novanet.drivers.iptables.model.RuleSpec`. They never touch the
firewall; the caller hands their result to
:meth:`IptablesFirewall.ensure(tag, items) <novanet.drivers.iptables.firewall.IptablesFirewall.ensure>`
under a tag that names the fact (``network_tag``, ``floating_tag``), which
makes re-applying idempotent and replacing (re-association) exact.

Rule texts are nova-network's (nova-network.md §4.4-4.6), written in the
canonical spelling ``iptables-save`` prints (``/32`` on hosts, ``-m udp``
after ``-p udp``, ``--to-source`` for ``--to``, basic options first), so the
model compares equal to the kernel at a restart without parsing.

Typical use by a driver facade::

    cfg = RuleConfig.from_conf()
    with firewall.defer_apply():
        firewall.ensure(network_tag(net), network_rules(net, cfg))
        firewall.ensure(ISOLATION_TAG, project_isolation_rules(all_networks, cfg))
    firewall.ensure(floating_tag(fwd.floating), floating_forward_rules(fwd, cfg))
    firewall.apply()
"""

from __future__ import annotations

from novanet.drivers.base import NetworkSpec
from novanet.drivers.iptables.builders import baremetal, filtering, nat
from novanet.drivers.iptables.builders.common import RuleConfig, address, family_of, network
from novanet.drivers.iptables.builders.filtering import (
    bridge_forward_rules, dhcp_accept_rules, dhcp_checksum_rules, metadata_accept_rules)
from novanet.drivers.iptables.builders.floating import floating_forward_rules, floating_tag
from novanet.drivers.iptables.builders.isolation import ISOLATION_TAG, project_isolation_rules
from novanet.drivers.iptables.builders.nat import (
    metadata_forward_rules, postrouting_accept_rules, snat_rules, vpn_forward_rules)
from novanet.drivers.iptables.model import RuleItem

__all__ = [
    "ISOLATION_TAG", "RuleConfig", "address", "bridge_forward_rules", "dhcp_accept_rules", "dhcp_checksum_rules",
    "family_of", "floating_forward_rules", "floating_tag", "metadata_accept_rules", "metadata_forward_rules",
    "network", "network_rules", "network_tag", "postrouting_accept_rules", "project_isolation_rules",
    "snat_rules", "vpn_forward_rules",
]


def network_tag(net: NetworkSpec) -> str:
    """The firewall tag that owns a network's rules."""
    return f"network:{net.uuid}"


def network_rules(net: NetworkSpec, cfg: RuleConfig, *, dhcp: bool | None = None) -> tuple[RuleItem, ...]:
    """Everything one network needs on this host: SNAT, POSTROUTING accepts,
    bridge forwarding, DHCP accepts and checksum fill (when it has DHCP), VPN,
    and for a baremetal management network its lock-down (top rules)."""
    items: list[RuleItem] = []
    if net.gateway_on_host:
        items += nat.snat_rules(net, cfg)
        items += nat.postrouting_accept_rules(net, cfg)
    items += filtering.bridge_forward_rules(net.bridge, cfg, gateway=net.gateway_on_host)
    if net.enable_dhcp if dhcp is None else dhcp:
        items += filtering.dhcp_accept_rules(net.bridge)
        items += filtering.dhcp_checksum_rules(net.bridge)
    items += nat.vpn_forward_rules(net)
    if net.management:
        items += baremetal.management_rules(net, cfg)
    return tuple(items)
