#!/usr/bin/env python3
"""Fact-store benchmark: creating a /16, and allocating in an empty vs a nearly full /16.

Run by hand (not in CI):  .venv/bin/python tools/bench_store.py [sqlite] [postgresql] [mysql]

For each backend it creates a throw-away database (a temporary SQLite file, or
a uniquely named database on the local PostgreSQL/MariaDB, dropped at the
end), migrates it, and prints:
  * the time to create a /16 network (65,536 fixed-IP rows, one transaction);
  * the mean time of one allocation (associate_pool) in the empty /16, and
    in the same /16 with only 200 addresses left, and their ratio.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from novanet.conf import CONF  # noqa: E402

PG_URL = os.environ.get("NOVANET_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("NOVANET_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
SAMPLES = 300
LEFT = 200


def make_database(backend: str) -> tuple[str, object]:
    from novanet.db import session

    if backend == "sqlite":
        tmp = tempfile.mkdtemp(prefix="novanet-bench-")
        return f"sqlite:///{tmp}/bench.sqlite", None
    base = PG_URL if backend == "postgresql" else MYSQL_URL
    name = f"novanet_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(session.normalize_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    return url, (admin, name)


def drop_database(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
    admin.dispose()


def time_allocations(network_id: int) -> list[float]:
    from novanet.db import api as db

    times = []
    for _ in range(SAMPLES):
        instance = str(uuid.uuid4())
        start = time.perf_counter()
        db.fixed_ip_associate_pool(network_id, instance)
        times.append(time.perf_counter() - start)
    return times


def bench(backend: str) -> None:
    from novanet.db import api as db
    from novanet.db import migration, models, session
    from novanet.context import get_admin_context
    from novanet.manager.flat import FlatDHCPManager
    from novanet.manager.networks import NetworkAdmin

    url, handle = make_database(backend)
    try:
        session.dispose_engines()
        CONF.set_override("connection", url, group="database")
        migration.sync(url)
        admin = NetworkAdmin(FlatDHCPManager.create_rules(), "bench")
        start = time.perf_counter()
        (network,) = admin.create_networks(get_admin_context(), label="big", cidr="10.0.0.0/16", network_size=65536,
                                           bridge="brbench")
        create_s = time.perf_counter() - start
        assert db.fixed_ip_count(network.id) == 65536

        empty = time_allocations(network.id)
        # Fill the /16 up to LEFT free addresses in one statement (setup only).
        with session.writer() as s:
            free_ids = list(s.scalars(
                sa.select(models.FixedIp.id).where(models.FixedIp.network_id == network.id,
                                                   models.FixedIp.instance_uuid.is_(None),
                                                   models.FixedIp.reserved.is_(False))
                .order_by(models.FixedIp.id)))
            keep = free_ids[-(LEFT + SAMPLES):]
            s.execute(sa.update(models.FixedIp)
                      .where(models.FixedIp.network_id == network.id, models.FixedIp.instance_uuid.is_(None),
                             models.FixedIp.reserved.is_(False), models.FixedIp.id.not_in(keep))
                      .values(instance_uuid="00000000-0000-0000-0000-000000000000", allocated=True))
        if backend == "postgresql":
            # The one-statement fill leaves 65k dead index entries; autovacuum
            # would clear them within a minute in a real deployment.
            with session.get_engine().execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
                conn.exec_driver_sql("VACUUM ANALYZE fixed_ips")
        elif backend == "mysql":
            # InnoDB purges the delete-marked index entries of the fill in the
            # background; give it the moment a real deployment would have had.
            with session.get_engine().connect() as conn:
                conn.exec_driver_sql("ANALYZE TABLE fixed_ips").all()
            time.sleep(10)
        full = time_allocations(network.id)
        left = db.fixed_ip_count(network.id, free_only=True)
        e_ms, f_ms = statistics.mean(empty) * 1000, statistics.mean(full) * 1000
        print(f"{backend:10}  create /16: {create_s:6.2f} s   allocate: empty {e_ms:6.2f} ms, "
              f"nearly full ({left} left after) {f_ms:6.2f} ms, full/empty {f_ms / e_ms:4.2f}x   "
              f"p95 empty {sorted(empty)[int(SAMPLES * .95)] * 1000:.2f} ms, "
              f"full {sorted(full)[int(SAMPLES * .95)] * 1000:.2f} ms", flush=True)
    finally:
        session.dispose_engines()
        drop_database(handle)


def main() -> None:
    CONF([], project="novanet", default_config_files=[])
    backends = sys.argv[1:] or ["sqlite", "postgresql", "mysql"]
    print(f"fact store benchmark: {SAMPLES} allocations each, nearly full = {LEFT + SAMPLES} free of 65,536")
    for backend in backends:
        bench(backend)


if __name__ == "__main__":
    main()
