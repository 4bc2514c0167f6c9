"""DHCP and DNS server options ([DEFAULT] nova names, [dnsmasq])."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "dnsmasq"

DEFAULT_OPTS = [
    cfg.MultiStrOpt(
        "dhcpbridge_flagfile",
        default=["/etc/novanet/novanet.conf"],
        help="Configuration files novanet-dhcpbridge reads.",
    ),
    cfg.StrOpt(
        "dhcpbridge",
        default="$bindir/novanet-dhcpbridge",
        help="The dnsmasq --dhcp-script.",
    ),
    cfg.StrOpt(
        "networks_path",
        default="$state_path/networks",
        help="Directory of the dnsmasq configuration, hosts, pid and lease files.",
    ),
    cfg.IntOpt("dhcp_lease_time", default=86400, min=120, help="DHCP lease time in seconds."),
    cfg.MultiStrOpt("dns_server", default=[], help="Upstream DNS servers of dnsmasq."),
    cfg.BoolOpt(
        "use_network_dns_servers",
        default=False,
        help="Also use each network's dns1/dns2 as dnsmasq upstreams.",
    ),
    cfg.StrOpt("dnsmasq_config_file", default="", help="Extra dnsmasq configuration file."),
    cfg.BoolOpt(
        "use_single_default_gateway",
        default=False,
        help="Only an instance's first interface gets a default route by DHCP.",
    ),
]

OPTS: list[cfg.Opt] = [
    cfg.StrOpt(
        "bridge_socket",
        default="$state_path/dhcpbridge.sock",
        help="UNIX socket on which novanet-network takes lease events from "
        "novanet-dhcpbridge (the dhcp-script), instead of the script sending "
        "an RPC cast for each event; reachable from dnsmasq in another "
        "network namespace. Empty: the script always casts.",
    ),
    cfg.StrOpt(
        "binary",
        default="dnsmasq",
        help="The dnsmasq executable (a name looked up in PATH, or a path). "
        "Changing it restarts every dnsmasq on the next ensure.",
    ),
    cfg.StrOpt(
        "release_binary",
        default="dhcp_release",
        help="The dhcp_release executable (from dnsmasq-utils) that ends a lease at once.",
    ),
    cfg.IntOpt(
        "tidy_threshold",
        default=64,
        min=1,
        help="A periodic tidy reloads a network's dnsmasq (SIGHUP, which costs "
        "O(hosts^2): about 0.2 s at 10k and 4.5 s at 50k hosts) only once this "
        "many removed or changed host entries wait to be forgotten. Removals "
        "take effect at once regardless (the entry is rewritten to 'ignore').",
    ),
    cfg.StrOpt(
        "log_dir",
        default="",
        help="If set, each dnsmasq logs to <log_dir>/novanet-<bridge>.log "
        "instead of syslog.",
    ),
    cfg.BoolOpt(
        "log_dhcp",
        default=False,
        help="Log every DHCP transaction with its options and tags (--log-dhcp).",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", DEFAULT_OPTS), (GROUP, OPTS)]
