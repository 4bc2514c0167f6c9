"""Firewall and NAT options ([DEFAULT] nova names, [iptables])."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "iptables"

DEFAULT_OPTS = [
    cfg.StrOpt(
        "routing_source_ip",
        default="$my_ip",
        help="Source address of the SNAT for fixed ranges. Empty: no SNAT.",
    ),
    cfg.ListOpt("dmz_cidr", default=[], help="Destinations exempt from SNAT."),
    cfg.MultiStrOpt(
        "force_snat_range",
        default=[],
        help="Destinations always SNATed, also for networks with an external gateway.",
    ),
    cfg.StrOpt("iptables_top_regex", default="", help="Foreign rules matching this stay at the top of our tables."),
    cfg.StrOpt("iptables_bottom_regex", default="", help="Foreign rules matching this stay at the bottom."),
    cfg.StrOpt("iptables_drop_action", default="DROP", help="Target of drop rules (e.g. REJECT)."),
    cfg.MultiStrOpt(
        "forward_bridge_interface",
        default=["all"],
        help="Interfaces a bridge may forward to; 'all' allows any.",
    ),
]

OPTS: list[cfg.Opt] = []


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", DEFAULT_OPTS), (GROUP, OPTS)]
