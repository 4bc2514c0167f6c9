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

OPTS: list[cfg.Opt] = [
    cfg.StrOpt(
        "metadata_listen",
        default="0.0.0.0",
        help="Address the metadata service listens on. It must cover "
        "[DEFAULT] metadata_host, where the 169.254.169.254 rule points.",
    ),
    cfg.PortOpt(
        "metadata_listen_port",
        default="$metadata_port",
        sample_default="$metadata_port",
        help="Port the metadata service listens on; must equal [DEFAULT] metadata_port.",
    ),
    cfg.IntOpt(
        "metadata_workers",
        default=8,
        min=1,
        help="Request-serving threads of the metadata service (nova: processes; "
        "novanet serves from one process with a cheroot thread pool).",
    ),
    cfg.BoolOpt(
        "service_metadata_proxy",
        default=False,
        help="Identify instances by X-Instance-ID/X-Tenant-ID headers signed by "
        "a metadata proxy (HMAC-SHA256 in X-Instance-ID-Signature) instead of "
        "by the request's source address.",
    ),
    cfg.StrOpt(
        "metadata_proxy_shared_secret",
        default="",
        secret=True,
        help="Key of the proxy's X-Instance-ID-Signature. Required when "
        "service_metadata_proxy is set.",
    ),
    cfg.ListOpt(
        "trusted_proxies",
        default=[],
        help="Addresses or CIDRs of proxies whose X-Forwarded-For is believed "
        "(and, in proxy mode, the only peers allowed to send identity "
        "headers). A request carrying X-Forwarded-For from any other peer is "
        "refused.",
    ),
    cfg.IntOpt(
        "metadata_cache_expiration",
        default=15,
        min=0,
        help="Seconds an instance lookup is cached by the metadata service; 0 disables.",
    ),
    cfg.StrOpt(
        "injected_network_template",
        help="Jinja2 template of the interfaces file written for flat_injected "
        "networks; default: the one shipped in novanet/metadata/templates.",
    ),
    cfg.StrOpt(
        "config_drive_format",
        default="iso9660",
        choices=[("iso9660", "ISO 9660 with Joliet and Rock Ridge (attach as cdrom)"), ("vfat", "FAT (attach as disk)")],
        help="File system of config drives.",
    ),
    cfg.BoolOpt(
        "force_config_drive",
        default=False,
        help="Build a config drive for every new instance (needed on networks "
        "without DHCP, where cloud-init cannot reach the metadata service).",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", DEFAULT_OPTS), (GROUP, OPTS)]
