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

OPTS: list[cfg.Opt] = [
    cfg.StrOpt(
        "backend",
        default="iptables-restore",
        help="Firewall backend, by entry point name in novanet.firewall_backends: "
        "'iptables-restore' (iptables-nft-restore or iptables-legacy-restore, whichever "
        "the host uses) or 'python-iptables' (an optional plugin: libiptc, hosts using legacy "
        "iptables only, needs pip install 'novanet[iptc]'; slower than iptables-restore in "
        "tools/bench_iptables.py).",
    ),
    cfg.StrOpt(
        "variant",
        default="auto",
        choices=[
            ("auto", "use the variant that holds rules; on an empty host the iptables command's default"),
            ("nft", "iptables-nft (nf_tables kernel API)"),
            ("legacy", "iptables-legacy (x_tables kernel API)"),
        ],
        help="Which iptables the host uses. A host (namespace) with rules in both is refused.",
    ),
    cfg.IntOpt(
        "xtables_wait",
        default=10,
        min=0,
        help="Seconds iptables-restore (and the python-iptables backend) wait for the xtables lock.",
    ),
    cfg.StrOpt(
        "lock_path",
        default="",
        help="Directory of a lock file that serialises the iptables applies of every novanet "
        "process on the same namespace. Empty: serialise within the process only.",
    ),
    cfg.BoolOpt(
        "debug_iptables_rules",
        default=False,
        help="After every apply, re-read the tables and fail if a full converge would still "
        "change them. Costs a full iptables-save per apply; for debugging.",
    ),
    cfg.IntOpt(
        "floating_ip_buckets",
        default=256,
        choices=[0, 1, 2, 4, 8, 16, 32, 64, 128, 256],
        help="Spread floating IP NAT rules over this many chains per kind, chosen by the last "
        "bits of the address, so that one association rewrites a small chain instead of one "
        "holding every floating IP. 0: nova-network's layout (all rules in the wrapped "
        "PREROUTING, OUTPUT, float-snat and POSTROUTING chains).",
    ),
    cfg.BoolOpt(
        "project_isolation",
        default=True,
        help="Drop traffic forwarded between project bridges of different projects on this host.",
    ),
    cfg.StrOpt(
        "project_mark_mask",
        default="0x0fff0000",
        help="Packet mark bits project isolation uses to tag the ingress project (one value per "
        "project on this host, 0 = not from a project bridge). Choose bits no other tool uses.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", DEFAULT_OPTS), (GROUP, OPTS)]
