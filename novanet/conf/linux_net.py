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
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", DEFAULT_OPTS), (GROUP, OPTS)]
