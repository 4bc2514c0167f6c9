"""Engines, transactions and retries for the fact store.

Theory of operation
-------------------
Every fact operation runs in one transaction opened by :func:`reader` or
:func:`writer`. Correctness under concurrency (several processes on several
hosts) comes from the database, never from Python locks:

* allocations are compare-and-swap ``UPDATE ... WHERE <still free>``
  statements; the one that updates 0 rows lost a race and raises
  :class:`RetryRequest`;
* unique constraints decide "exactly one winner" races on insert;
* deadlocks, serialization failures and lost compare-and-swaps are retried by
  :func:`retried` (or the :func:`retry_on_conflict` decorator) with a
  jittered back-off, each attempt in a fresh transaction; it is the store's
  one retry loop.

Per database:

* PostgreSQL and MariaDB run at READ COMMITTED, so each retry sees the rows
  its competitors committed (MariaDB's default REPEATABLE READ would also
  take gap locks that turn concurrent allocations into deadlocks).
* SQLite has no row locks and no ``SELECT ... FOR UPDATE``; writers open
  their transaction with ``BEGIN IMMEDIATE`` so two writers serialise at the
  start instead of deadlocking on a lock upgrade, readers use plain
  ``BEGIN``. WAL lets readers run beside the writer; ``synchronous=FULL``
  means a committed fact survives a power cut, not only a process crash.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from novanet.conf import CONF

LOG = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_makers: dict[str, tuple[sessionmaker[Session], sessionmaker[Session]]] = {}
_write_engines: dict[str, Engine] = {}

_WRITE_OPTION = "novanet_writer"


class RetryRequest(Exception):
    """A compare-and-swap lost to a concurrent transaction: try again."""


def connection_url() -> str:
    """The configured store URL, or the SQLite default under ``state_path``."""
    url = CONF.database.connection
    if not url:
        url = "sqlite:///" + os.path.join(CONF.state_path, "novanet.sqlite")
    return str(url)


def normalize_url(url: str) -> URL:
    """Pick the drivers novanet ships with for bare dialect names."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername=parsed.drivername + "+pymysql")
    return parsed


def _configure_sqlite(engine: Engine) -> None:
    busy_ms = CONF.database.sqlite_busy_timeout * 1000

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured store)."""
    url = url or connection_url()
    with _lock:
        engine = _engines.get(url)
        if engine is not None:
            return engine
        parsed = normalize_url(url)
        kwargs: dict[str, Any] = {"echo": CONF.database.connection_debug, "future": True}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": CONF.database.sqlite_busy_timeout}
        else:
            kwargs.update(
                pool_size=CONF.database.max_pool_size,
                max_overflow=CONF.database.max_pool_size,
                # NOTE(performance): no pool_pre_ping (a round trip per
                # transaction); a connection found dead is invalidated by
                # SQLAlchemy and the transaction retried (is_retryable).
                pool_recycle=3600,
                isolation_level="READ COMMITTED",
            )
        engine = sa.create_engine(parsed, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            _configure_sqlite(engine)
        _engines[url] = engine
        return engine


def _makers_for(url: str | None) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    key = url or connection_url()
    makers = _makers.get(key)
    if makers is None:
        engine = get_engine(key)
        read = sessionmaker(bind=engine, expire_on_commit=False)
        write_engine = engine.execution_options(**{_WRITE_OPTION: True})
        _write_engines[key] = write_engine
        write = sessionmaker(bind=write_engine, expire_on_commit=False)
        makers = _makers[key] = (read, write)
    return makers


def dispose_engines() -> None:
    """Close every pooled connection (tests, and after fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _makers.clear()
        _write_engines.clear()


@contextlib.contextmanager
def reader() -> Iterator[Session]:
    """A read-only transaction."""
    with _makers_for(None)[0]() as session, session.begin():
        yield session


@contextlib.contextmanager
def writer() -> Iterator[Session]:
    """A read-write transaction; committed when the block exits cleanly."""
    with _makers_for(None)[1]() as session, session.begin():
        yield session


@contextlib.contextmanager
def core_writer() -> Iterator[sa.Connection]:
    """A read-write transaction on a bare connection (hot paths: no ORM session)."""
    _makers_for(None)
    engine = _write_engines[connection_url()]
    with engine.begin() as conn:
        yield conn


@contextlib.contextmanager
def core_reader() -> Iterator[sa.Connection]:
    """A read-only transaction on a bare connection (hot paths: no ORM session)."""
    with get_engine().connect() as conn, conn.begin():
        yield conn


_PG_RETRY_CODES = {"40001", "40P01", "55P03"}
_MYSQL_RETRY_CODES = {1213, 1205}


def is_retryable(error: BaseException) -> bool:
    """Deadlock, serialization failure, lock timeout, or a lost compare-and-swap."""
    if isinstance(error, RetryRequest):
        return True
    if not isinstance(error, exc.DBAPIError) or isinstance(error, exc.IntegrityError):
        return False
    if error.connection_invalidated:
        return True  # the server restarted or dropped us: a fresh connection will do
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _PG_RETRY_CODES:
        return True
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _MYSQL_RETRY_CODES:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "deadlock" in text


def retried(operation: Callable[[int], T], exhausted: Callable[[], Exception] | None = None) -> T:
    """Run ``operation(attempt)`` (which opens its own transaction) until it hits no conflict.

    ``attempt`` counts from 0, so a claim can take the first candidate first
    and step aside at random after losing a race. After ``[database]
    max_retries`` attempts that all hit a conflict, the error ``exhausted()``
    makes is raised (default: the last conflict itself).
    """
    attempts = CONF.database.max_retries
    for attempt in range(attempts):
        try:
            return operation(attempt)
        except Exception as error:
            if not is_retryable(error):
                raise
            if attempt == attempts - 1:
                if exhausted is not None:
                    raise exhausted() from error
                raise
            LOG.debug("retrying after %s (attempt %d)", type(error).__name__, attempt + 1)
            backoff(attempt + 1)
    raise AssertionError("unreachable")


def retry_on_conflict(func: Callable[P, T]) -> Callable[P, T]:
    """Re-run ``func`` (which opens its own transaction) when it hits a conflict (see :func:`retried`)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return retried(lambda attempt: func(*args, **kwargs))

    return wrapper


def backoff(attempt: int) -> None:
    """Sleep a jittered, growing moment before retry number ``attempt``."""
    time.sleep(min(0.5, 0.005 * (2 ** min(attempt, 6))) * random.uniform(0.5, 1.5))


def by_primary_key(statement: Any) -> Any:
    """Make MariaDB find an UPDATE's row by primary key.

    NOTE(mariadb): for ``UPDATE ... WHERE id = ? AND instance_uuid IS NULL``
    MariaDB 10.11 picked the ``instance_uuid`` index and scanned every free
    row (30-60 ms per allocation in a /16, measured with tools/bench_store.py)
    instead of the one-row primary key lookup.
    """
    return statement.with_hint("FORCE INDEX (PRIMARY)", dialect_name="mysql").with_hint(
        "FORCE INDEX (PRIMARY)", dialect_name="mariadb")


def claim_candidates(session: Session | sa.Connection, query: Any, limit: int,
                     params: dict[str, Any] | None = None) -> list[Any]:
    """Rows a claim may take: the first free one(s) in ``query``'s order.

    NOTE(concurrency): on PostgreSQL and MariaDB, concurrent allocators that
    all read "the first free row" would all lose the compare-and-swap but
    one, and retry with back-off (8 threads allocating through one daemon on
    PostgreSQL ran slower than 1). There each gets its own row at once with
    ``FOR UPDATE SKIP LOCKED`` (one row, so nobody hoards candidates); the
    compare-and-swap stays the guard. When every free row is locked by
    others, :class:`RetryRequest` is raised (they may still roll back), and
    an empty result means the pool really is exhausted. SQLite's writers are
    serialised by BEGIN IMMEDIATE: it reads ``limit`` candidates, no locks.
    """
    conn = session.connection() if isinstance(session, Session) else session
    claim = query if isinstance(query, ClaimQuery) else ClaimQuery(query, limit)
    if conn.dialect.name == "sqlite":
        return list(conn.execute(claim.candidates, params))
    rows = list(conn.execute(claim.locked, params))
    if not rows and conn.execute(claim.plain, params).first() is not None:
        raise RetryRequest()
    return rows


class ClaimQuery:
    """The statements :func:`claim_candidates` runs for ``query``, built once.

    Hot paths build one at import time: building a Core statement costs about
    five times what executing a prebuilt one does.
    """

    def __init__(self, query: Any, limit: int) -> None:
        self.candidates = query.limit(limit)
        self.locked = query.limit(1).with_for_update(skip_locked=True)
        self.plain = query.limit(1)


def rows_changed(result: Any) -> int:
    """Rows an UPDATE or DELETE matched (``Result`` is a ``CursorResult`` then)."""
    return int(result.rowcount)


def backend_name() -> str:
    """``sqlite``, ``postgresql`` or ``mysql`` for the configured store."""
    return get_engine().url.get_backend_name()
