"""The fact store's connection ([database])."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "database"

OPTS = [
    cfg.StrOpt(
        "connection",
        secret=True,
        sample_default="sqlite:///$state_path/novanet.sqlite",
        help="SQLAlchemy URL of the fact store. Empty means an SQLite file "
        "under state_path. postgresql:// uses psycopg 3 and mysql:// uses "
        "PyMySQL, e.g. postgresql://novanet@db/novanet or "
        "mysql://novanet:secret@db/novanet?charset=utf8mb4.",
    ),
    cfg.BoolOpt(
        "connection_debug",
        default=False,
        help="Log every SQL statement (very verbose).",
    ),
    cfg.IntOpt(
        "max_retries",
        default=10,
        min=1,
        help="Attempts for a transaction that hits a deadlock, a serialization "
        "failure or a lost compare-and-swap before giving up.",
    ),
    cfg.IntOpt(
        "max_pool_size",
        default=10,
        min=1,
        help="Connections kept open per process (PostgreSQL and MariaDB).",
    ),
    cfg.IntOpt(
        "sqlite_busy_timeout",
        default=30,
        min=1,
        help="Seconds an SQLite writer waits for the write lock.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, OPTS)]
