"""Metadata service options ([DEFAULT] nova names, [metadata])."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "metadata"

DEFAULT_OPTS = [
    cfg.StrOpt(
        "metadata_host",
        default="$my_ip",
        help="Address the 169.254.169.254 forward rule sends instances to.",
    ),
    cfg.PortOpt("metadata_port", default=8775, help="Port of the metadata service."),
]

OPTS: list[cfg.Opt] = []


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", DEFAULT_OPTS), (GROUP, OPTS)]
