"""IptablesFirewall: the wrapped-chain model of one namespace, and its apply.

Theory of operation
-------------------
The firewall owns the model tables (IPv4 ``filter``/``nat``/``mangle``, IPv6
``filter``) with nova-network's layout (nova-network.md §4.3):

* filter (v4 and v6): the shared chain ``novanet-filter-top`` jumped from the
  top of ``FORWARD`` and ``OUTPUT``, holding ``-j $local``; wrapped copies
  ``$INPUT``, ``$OUTPUT``, ``$FORWARD`` with one jump each from the built-in;
* nat (v4): wrapped ``$PREROUTING``, ``$OUTPUT``, ``$POSTROUTING``; the shared
  ``novanet-postrouting-bottom`` jumped from ``POSTROUTING`` after
  ``$POSTROUTING``, holding ``-j $snat``; ``$snat`` starts with
  ``-j $float-snat``, so floating SNAT beats the fixed-range SNAT;
* mangle (v4): wrapped ``$POSTROUTING`` (DHCP checksum fill) and, unlike
  nova, ``$PREROUTING`` (where project isolation marks ingress traffic).

Invariants of the apply (:meth:`apply`):

1. **Only changed chains are written**, with one ``iptables-restore
   --noflush -w`` per family carrying one block per changed table
   (:mod:`.plan`). No ``iptables-save`` on that path: the firewall remembers
   what it wrote to its wrapped chains (``_applied``), which nobody else
   writes.
2. **The live tables are read** only at the first apply (or :meth:`sync`,
   the ``init_host`` full converge), after a failed apply, and when
   novanet's rules in built-in/shared chains change (layout changes: rare).
   The first apply is a full converge: stale wrapped chains go, built-in
   jumps are put in place exactly once, unchanged chains are left alone, so a
   restart with the same model writes nothing.
3. **A failed apply heals**: the firewall forgets what it believes about the
   kernel and retries at once as a full converge from a fresh read; only if
   that fails too does the caller see the error.
4. **Group commit**: one apply is in flight at a time. Every model change
   bumps a generation number. :meth:`apply` returns once an apply that
   started after the caller's change has succeeded. A caller that arrives
   while another thread applies waits; when that apply ends, one waiter
   leads the next apply, which covers every change made meanwhile. A
   thousand threads associating floating IPs at once thus cost a handful of
   applies, and each returns only when its rules are in the kernel.
5. :meth:`defer_apply` (per thread, nestable) turns :meth:`apply` into a
   no-op until the outermost block exits, then applies once.

Model mutations are fast and hold the firewall's lock only briefly; the lock
is released during kernel I/O, so threads keep changing the model while an
apply runs. ``apply()`` must not be called while holding
:meth:`IptablesTable.locked`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import threading
import time
from collections.abc import Iterable, Iterator

from oslo_config import cfg
from oslo_log import log as logging

from novanet import exception
from novanet.drivers.iptables import plan as planner
from novanet.drivers.iptables.backend import FirewallBackend, create_backend
from novanet.drivers.iptables.model import (
    DEFAULT_BINARY_NAME, FILTER_TOP, POSTROUTING_BOTTOM, ChainSpec, IptablesTable, RuleItem, RuleSpec, binary_name)
from novanet.drivers.iptables.savefile import LiveTable, parse_save

LOG = logging.getLogger(__name__)

__all__ = ["ApplyStats", "IptablesFirewall"]

_WRAPPED_BUILTINS = {
    (4, "filter"): ("INPUT", "OUTPUT", "FORWARD"),
    (4, "nat"): ("PREROUTING", "OUTPUT", "POSTROUTING"),
    (4, "mangle"): ("PREROUTING", "POSTROUTING"),
    (6, "filter"): ("INPUT", "OUTPUT", "FORWARD"),
}


@dataclasses.dataclass
class ApplyStats:
    """Counters for logs and benchmarks."""

    #: apply rounds that wrote something to the kernel
    applies: int = 0
    #: backend restore calls (one per family per apply)
    restores: int = 0
    #: full reads of a family's tables
    saves: int = 0
    full_syncs: int = 0
    failures: int = 0
    #: seconds spent in the last apply round (planning + I/O)
    last_apply_seconds: float = 0.0


def _for_follower(failure: BaseException) -> BaseException:
    """A fresh copy of the leader's error for a thread whose change it covered."""
    if isinstance(failure, exception.NovanetError):
        copy = type(failure)(failure.message, **failure.kwargs)
    else:
        copy = exception.DriverError(reason=f"iptables apply failed: {failure}")
    copy.__cause__ = failure
    return copy


class _FileLock:
    """A cross-process lock (flock) shared by novanet processes on one namespace."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class IptablesFirewall:
    """The model and its coalesced apply; see the module docstring.

    :param backend: the kernel side (:func:`create_backend`).
    :param binary: wrap prefix of this process's chains (truncated to 16).
    :param use_ipv6: also apply the IPv6 tables.
    :param top_regex: ``iptables_top_regex`` (see :mod:`.plan`).
    :param bottom_regex: ``iptables_bottom_regex``.
    :param lock_path: directory for a cross-process lock file; '' for none.
    :param debug: after each apply, re-read the kernel and raise if a full
        converge would still change something (``debug_iptables_rules``).
    """

    def __init__(self, backend: FirewallBackend, *, binary: str = DEFAULT_BINARY_NAME, use_ipv6: bool = False,
                 top_regex: str = "", bottom_regex: str = "", lock_path: str = "", debug: bool = False,
                 namespace: str = "") -> None:
        self.backend = backend
        self.binary_name = binary_name(binary)
        self.use_ipv6 = use_ipv6
        self.debug = debug
        self.placement = planner.Placement.from_regexes(top_regex, bottom_regex)
        self.stats = ApplyStats()
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._local = threading.local()
        self._generation = 0
        self._applied_generation = 0
        self._round = 0
        self._round_failure: tuple[int, BaseException] | None = None
        self._in_flight = False
        self._synced = False
        self._applied: dict[tuple[int, str], dict[str, tuple[str, ...]]] = {}
        self._tags: dict[str, tuple[RuleItem, ...]] = {}
        self._file_lock = _FileLock(os.path.join(lock_path, f"novanet-iptables-{namespace or 'host'}.lock")
                                    if lock_path else None)

        def table(family: int, name: str) -> IptablesTable:
            return IptablesTable(name, family, self.binary_name, lock=self._lock, on_change=self._bump)

        self.ipv4 = {name: table(4, name) for name in ("filter", "nat", "mangle")}
        self.ipv6 = {"filter": table(6, "filter")}
        self._setup_layout()

    @classmethod
    def from_config(cls, conf: cfg.ConfigOpts | None = None, *, binary: str = DEFAULT_BINARY_NAME,
                    backend: FirewallBackend | None = None) -> IptablesFirewall:
        """Build the firewall (and, unless given, the backend) from options."""
        if conf is None:
            from novanet.conf import CONF
            conf = CONF
        namespace = conf.linux_net.namespace
        if backend is None:
            backend = create_backend(conf.iptables.backend, namespace=namespace, variant=conf.iptables.variant,
                                     xtables_wait=conf.iptables.xtables_wait)
        return cls(backend, binary=binary, use_ipv6=conf.use_ipv6, top_regex=conf.iptables_top_regex,
                   bottom_regex=conf.iptables_bottom_regex, lock_path=conf.iptables.lock_path,
                   debug=conf.iptables.debug_iptables_rules, namespace=namespace)

    def _setup_layout(self) -> None:
        for tables in (self.ipv4, self.ipv6):
            filter_table = tables["filter"]
            filter_table.add_chain(FILTER_TOP, wrap=False)
            filter_table.add_rule("FORWARD", f"-j {FILTER_TOP}", wrap=False, top=True)
            filter_table.add_rule("OUTPUT", f"-j {FILTER_TOP}", wrap=False, top=True)
            filter_table.add_chain("local")
            filter_table.add_rule(FILTER_TOP, "-j $local", wrap=False)
        for (family, name), chains in _WRAPPED_BUILTINS.items():
            table = self.table(family, name)
            for chain in chains:
                table.add_chain(chain)
                table.add_rule(chain, f"-j ${chain}", wrap=False)
        nat = self.ipv4["nat"]
        nat.add_chain(POSTROUTING_BOTTOM, wrap=False)
        nat.add_rule("POSTROUTING", f"-j {POSTROUTING_BOTTOM}", wrap=False)
        nat.add_chain("snat")
        nat.add_rule(POSTROUTING_BOTTOM, "-j $snat", wrap=False)
        nat.add_chain("float-snat")
        nat.add_rule("snat", "-j $float-snat")

    # -- model ----------------------------------------------------------------

    def table(self, family: int, name: str) -> IptablesTable:
        """The model table ``name`` of ``family`` (4 or 6).

        :raises ValueError: not a managed table.
        """
        tables = self.ipv4 if family == 4 else self.ipv6 if family == 6 else {}
        if name not in tables:
            raise ValueError(f"table {name!r} of IPv{family} is not managed")
        return tables[name]

    def wrap(self, name: str) -> str:
        """The kernel name of this firewall's wrapped chain ``name``."""
        return self.ipv4["filter"].wrap(name)

    def _tables(self) -> Iterator[IptablesTable]:
        yield from self.ipv4.values()
        if self.use_ipv6:
            yield from self.ipv6.values()

    def _bump(self) -> None:
        self._generation += 1

    def _validate(self, items: tuple[RuleItem, ...]) -> None:
        declared = {(i.family, i.table, i.name, i.wrap) for i in items if isinstance(i, ChainSpec)}
        for item in items:
            table = self.table(item.family, item.table)
            if isinstance(item, RuleSpec):
                known = table.has_chain(item.chain, item.wrap) or (
                    (item.family, item.table, item.chain, item.wrap) in declared)
                if not known:
                    raise ValueError(f"rule {item.rule!r} names unknown chain {item.chain!r} "
                                     f"of IPv{item.family} {item.table}")
            elif item.wrap:
                table.wrap(item.name)

    def ensure(self, tag: str, items: Iterable[RuleItem]) -> None:
        """Make ``tag`` own exactly ``items`` (chains first, then rules).

        Items the tag owned before and no longer lists are released (removed
        when no other owner holds them); items it keeps stay where they are.
        Atomic with respect to applies. Call :meth:`apply` to commit.

        :raises ValueError: an item names an unknown table or chain; nothing changes.
        """
        new = tuple(dict.fromkeys(items))
        with self._lock:
            self._validate(new)
            old = self._tags.get(tag, ())
            old_set, new_set = set(old), set(new)
            for item in new:
                if isinstance(item, ChainSpec) and item not in old_set:
                    self.table(item.family, item.table).add_chain(item.name, item.wrap, owner=tag)
            for item in new:
                if isinstance(item, RuleSpec) and item not in old_set:
                    self.table(item.family, item.table).add_rule(item.chain, item.rule, item.wrap, item.top,
                                                                 owner=tag)
            for item in reversed(old):
                if isinstance(item, RuleSpec) and item not in new_set:
                    self.table(item.family, item.table).release_rule(item.chain, item.rule, item.wrap,
                                                                     item.top, tag)
            for item in reversed(old):
                if isinstance(item, ChainSpec) and item not in new_set:
                    self.table(item.family, item.table).release_chain(item.name, item.wrap, tag)
            if new:
                self._tags[tag] = new
            else:
                self._tags.pop(tag, None)

    def remove(self, tag: str) -> None:
        """Release everything ``tag`` owns (see :meth:`ensure`)."""
        self.ensure(tag, ())

    def tags(self) -> tuple[str, ...]:
        """Every tag that owns something now."""
        with self._lock:
            return tuple(self._tags)

    def tagged(self, tag: str) -> tuple[RuleItem, ...]:
        """What ``tag`` owns now."""
        with self._lock:
            return self._tags.get(tag, ())

    # -- apply ----------------------------------------------------------------

    @contextlib.contextmanager
    def defer_apply(self) -> Iterator[None]:
        """Batch changes of this thread; apply once when the outermost block exits."""
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
        if depth == 0:
            self.apply()

    def apply(self) -> None:
        """Put every change made so far into the kernel (see invariant 4).

        :raises DriverError: the kernel refused the rules even after a full
            converge (``ProcessExecutionError`` with the offending line).
        """
        if getattr(self._local, "depth", 0):
            return
        with self._cond:
            self._commit(self._generation)

    def sync(self) -> None:
        """Full converge now, from a fresh read of the kernel (``init_host``)."""
        with self._cond:
            self._synced = False
            self._generation += 1
            self._commit(self._generation)

    def _commit(self, target: int) -> None:
        while self._applied_generation < target:
            if not self._in_flight:
                self._lead()
                continue
            round_number = self._round
            self._cond.wait_for(lambda: self._round != round_number)
            failure = self._round_failure
            if failure is not None and failure[0] >= target and self._applied_generation < target:
                raise _for_follower(failure[1])

    @contextlib.contextmanager
    def _unlocked(self) -> Iterator[None]:
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()

    def _lead(self) -> None:
        self._in_flight = True
        covered = self._generation
        started = time.monotonic()
        failure: BaseException | None = None
        with self._unlocked():
            self._file_lock.acquire()
        try:
            covered = self._round_with_retry()
        except BaseException as exc:
            failure = exc
        finally:
            self._file_lock.release()
            self.stats.last_apply_seconds = time.monotonic() - started
            self._round += 1
            self._round_failure = (covered, failure) if failure is not None else None
            self._in_flight = False
            self._cond.notify_all()
        if failure is not None:
            raise failure

    def _round_with_retry(self) -> int:
        full = not self._synced
        while True:
            try:
                covered = self._apply_once(full)
            except Exception as exc:
                self._synced = False
                self.stats.failures += 1
                if full:
                    raise
                LOG.warning("iptables apply failed (%s); retrying as a full converge", exc)
                full = True
                continue
            if self.debug:
                self._verify()
            self._applied_generation = max(self._applied_generation, covered)
            return covered

    def _families(self) -> list[int]:
        return [4, 6] if self.use_ipv6 else [4]

    def _apply_once(self, full: bool) -> int:
        """One round; called and returns with the lock held (released for I/O)."""
        live: dict[int, dict[str, LiveTable]] = {}
        while True:
            need = {table.family for table in self._tables() if full or table.pending_unwrapped()}
            missing = sorted(need - set(live))
            if not missing:
                break
            with self._unlocked():
                for family in missing:
                    live[family] = parse_save(self.backend.save(family))
                    self.stats.saves += 1
        covered = self._generation
        plans: list[planner.TablePlan] = []
        for table in self._tables():
            key = (table.family, table.name)
            changes = table.take_changes()
            live_table = live.get(table.family, {}).get(table.name)
            if full:
                plans.append(planner.plan_full(table, live_table or LiveTable(table.name), self.placement))
            else:
                plans.append(planner.plan_changes(table, changes, self._applied.get(key, {}), live_table,
                                                  self.placement))
        texts = {family: "".join(p.text() for p in plans if p.family == family) for family in self._families()}
        with self._unlocked():
            for family, text in texts.items():
                if text:
                    self.backend.restore(family, text)
                    self.stats.restores += 1
        for table_plan in plans:
            key = (table_plan.family, table_plan.table)
            if full:
                self._applied[key] = dict(table_plan.applied)
            else:
                applied = self._applied.setdefault(key, {})
                applied.update(table_plan.applied)
                for name in table_plan.dropped:
                    applied.pop(name, None)
        if any(texts.values()):
            self.stats.applies += 1
        if full:
            self._synced = True
            self.stats.full_syncs += 1
        return covered

    def _verify(self) -> None:
        """``debug_iptables_rules``: a full converge now must find nothing to do."""
        generation = self._generation
        with self._unlocked():
            live = {family: parse_save(self.backend.save(family)) for family in self._families()}
        if generation != self._generation:
            return  # the model moved on meanwhile; nothing to compare
        for table in self._tables():
            check = planner.plan_full(table, live[table.family].get(table.name, LiveTable(table.name)),
                                      self.placement)
            if check:
                self._synced = False  # the next apply converges
                raise exception.DriverError(reason=(
                    f"iptables did not converge in IPv{table.family} {table.name}; "
                    f"a full converge would still write:\n{check.text()}"))

    def close(self) -> None:
        """Release the backend's threads and handles."""
        self.backend.close()
