"""Links, segments and the host namespace ([DEFAULT] nova names, [linux_net])."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "linux_net"

DEFAULT_OPTS = [
    cfg.StrOpt(
        "public_interface",
        default="eth0",
        help="Interface floating IPs are bound to and SNAT leaves by; "
        "overrides each floating IP's own interface when non-empty.",
    ),
    cfg.BoolOpt("send_arp_for_ha", default=False, help="Send gratuitous ARPs when binding addresses."),
    cfg.IntOpt("send_arp_for_ha_count", default=3, min=0, help="Gratuitous ARPs per bind."),
    cfg.IntOpt("ebtables_exec_attempts", default=3, min=1, help="Attempts of an ebtables command."),
    cfg.FloatOpt(
        "ebtables_retry_interval",
        default=1.0,
        min=0,
        help="Seconds, times the attempt number, between ebtables attempts.",
    ),
]

OPTS = [
    cfg.StrOpt(
        "namespace",
        default="",
        help="Network namespace (by name, as in 'ip netns') that every host "
        "operation targets. Empty: the host's own namespace.",
    ),
    cfg.StrOpt(
        "segment_driver",
        default="vlan",
        help="How a network with a segment number (its 'vlan') reaches the "
        "other hosts, by entry point name in novanet.segment_drivers: 'vlan' "
        "(802.1Q vlan<N> on vlan_interface) or 'vxlan' (one VXLAN device per "
        "network, VNI = the network's vlan). Networks without a number use "
        "the 'flat' driver.",
    ),
    cfg.IPOpt(
        "vxlan_local_ip",
        version=4,
        help="vxlan: this host's underlay address (the VXLAN source). Empty: "
        "the kernel picks one by route.",
    ),
    cfg.ListOpt(
        "vxlan_peers",
        item_type=cfg.types.IPAddress(version=4),
        default=[],
        help="vxlan: underlay addresses of the other network hosts; broadcast "
        "and unknown traffic is flooded to each (static FDB entries). "
        "vxlan_local_ip is skipped, so every host can share one list. "
        "Mutually exclusive with vxlan_group.",
    ),
    cfg.IPOpt(
        "vxlan_group",
        version=4,
        help="vxlan: multicast group for broadcast and unknown traffic, "
        "instead of vxlan_peers. Needs vxlan_interface.",
    ),
    cfg.StrOpt(
        "vxlan_interface",
        help="vxlan: underlay device the VXLAN devices are bound to (required "
        "with vxlan_group; optional with vxlan_peers).",
    ),
    cfg.PortOpt("vxlan_port", default=4789, help="vxlan: UDP destination port (IANA 4789)."),
    cfg.BoolOpt(
        "vxlan_learning",
        default=True,
        help="vxlan: learn remote MAC addresses from received traffic, so "
        "known unicast is sent to one peer instead of flooded to all.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", DEFAULT_OPTS), (GROUP, OPTS)]
