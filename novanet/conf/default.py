"""Host identity, paths and service plumbing ([DEFAULT])."""

from __future__ import annotations

import socket

from oslo_config import cfg
from oslo_utils import netutils

OPTS = [
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<current_hostname>",
        help="Name of this host: the RPC server name (queue network.<host>) and "
        "the key of this host's rows in the fact store. Must be unique among "
        "the network hosts sharing a database.",
    ),
    cfg.IPOpt(
        "my_ip",
        default=netutils.get_my_ipv4(),
        sample_default="<host_ipv4>",
        help="This host's IPv4 address; the default for vpn_ip, "
        "routing_source_ip and metadata_host.",
    ),
    cfg.StrOpt(
        "state_path",
        default="/var/lib/novanet",
        help="Top-level directory for novanet's state: the default SQLite "
        "database and the dnsmasq files live below it.",
    ),
    cfg.StrOpt(
        "bindir",
        default="/usr/local/bin",
        help="Directory where the novanet executables are installed.",
    ),
    cfg.IntOpt(
        "report_interval",
        default=10,
        min=1,
        help="Seconds between heartbeats written to the services table.",
    ),
    cfg.IntOpt(
        "service_down_time",
        default=60,
        min=1,
        help="A service whose last heartbeat is older than this many seconds is down.",
    ),
    cfg.BoolOpt(
        "periodic_enable",
        default=True,
        help="Run periodic tasks (stale fixed IP disassociation, DNS refresh).",
    ),
    cfg.IntOpt(
        "periodic_fuzzy_delay",
        default=60,
        min=0,
        help="Largest random delay, in seconds, before the first periodic task "
        "run, so that hosts started together do not hit the database together.",
    ),
    cfg.IntOpt(
        "periodic_interval",
        default=60,
        min=1,
        help="Seconds between runs of the periodic tasks.",
    ),
    cfg.IntOpt(
        "graceful_shutdown_timeout",
        default=60,
        min=0,
        help="On SIGTERM, seconds to wait for in-flight requests before exiting.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", OPTS)]
