"""The ``python-iptables`` backend: libiptc, for hosts on legacy iptables.

An optional plugin: never the default, loaded only through its entry point
(``[iptables] backend = python-iptables``), its library only in the ``iptc``
extra. ``tools/bench_iptables.py`` finds it slower than ``iptables-restore``
on every measure (README, design notes); it stays because the design card
names it.

The planner's restore text is translated, line by line, into libiptc calls
(:func:`translate` is pure; :class:`IptcBackend` executes), one handle and
one commit per table, on the namespace's worker thread (:mod:`.privileged`):
libiptc opens its socket in the calling thread's namespace. Rules are parsed
with :mod:`.ruletext`, so exactly novanet's rule vocabulary is supported;
anything else fails before the kernel is touched, naming the line.
Reading the tables (rare: full syncs) uses ``iptables-legacy-save``.

NOTE(python-iptables): ``iptc.Table(name)`` is a process-wide cache of
handles, opened in whatever namespace first asked, and ``Rule.tables`` walks
that cache to tell a chain jump from a target. Both would cross namespaces,
so this backend opens private handles and binds each rule to its handle.

NOTE(libiptc): a commit replaces the whole table blob (cost grows with the
table, see peers-perf-style.md §2.2.2) and fails with EAGAIN if another
process changed the table since the handle was opened. libiptc does not
take the xtables lock that ``iptables-legacy`` takes; this backend takes it
(``/run/xtables.lock``, or ``$XTABLES_LOCKFILE``) around its commits.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from oslo_log import log as logging

from novanet import exception
from novanet.drivers.iptables import detect
from novanet.drivers.iptables import ruletext
from novanet.drivers.iptables.backend import describe_restore_failure
from novanet.drivers.iptables.privileged import Completed, NamespaceExecutor, read_file

LOG = logging.getLogger(__name__)

__all__ = ["IptcBackend", "Op", "TableOps", "translate"]


@dataclasses.dataclass(frozen=True)
class Op:
    """One libiptc operation; ``rule`` for -A/-I/-D, ``position`` for -I."""

    verb: str  # "declare", "-A", "-I", "-D", "-N", "-F", "-X"
    chain: str
    line: int
    rule: ruletext.ParsedRule | None = None
    position: int = 1
    policy: str = "-"


@dataclasses.dataclass
class TableOps:
    table: str
    ops: list[Op] = dataclasses.field(default_factory=list)


def _fail(text: str, number: int, reason: str) -> exception.ProcessExecutionError:
    return exception.ProcessExecutionError(
        cmd="python-iptables", exit_code=2,
        stderr=describe_restore_failure(text, f"{reason}. Error occurred at line: {number}"))


def translate(text: str, family: int) -> list[TableOps]:
    """Restore text -> operations per table.

    :raises ProcessExecutionError: a line outside the supported vocabulary
        (the message names it); nothing has been applied.
    """
    blocks: list[TableOps] = []
    current: TableOps | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            current = TableOps(line[1:])
            continue
        if current is None:
            raise _fail(text, number, "line outside a table")
        if line == "COMMIT":
            blocks.append(current)
            current = None
        elif line.startswith(":"):
            name, _, rest = line[1:].partition(" ")
            current.ops.append(Op("declare", name, number, policy=(rest.split(" ") or ["-"])[0] or "-"))
        else:
            verb, _, rest = line.partition(" ")
            chain, _, rule = rest.partition(" ")
            if verb in ("-N", "-F", "-X") and not rule:
                current.ops.append(Op(verb, chain, number))
                continue
            if verb not in ("-A", "-I", "-D"):
                raise _fail(text, number, f"python-iptables backend does not support {verb!r}")
            position = 1
            if verb == "-I" and rule.split(" ", 1)[0].isdigit():
                first, _, rule = rule.partition(" ")
                position = int(first)
            if verb == "-D" and rule.isdigit():
                raise _fail(text, number, "deleting by rule number is not supported")
            try:
                parsed = ruletext.parse_rule(rule, family)
            except ruletext.UnsupportedRule as exc:
                raise _fail(text, number, f"cannot translate rule for libiptc: {exc}") from exc
            current.ops.append(Op(verb, chain, number, parsed, position))
    if current is not None:
        raise _fail(text, len(text.splitlines()), "COMMIT expected at end of input")
    return blocks


class _XtablesLock:
    """The lock iptables-legacy commands take (flock on the lock file)."""

    def __init__(self, wait: int) -> None:
        self.wait = wait
        self.path = os.environ.get("XTABLES_LOCKFILE", "/run/xtables.lock")

    def __enter__(self) -> None:
        self._fd = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self._fd)
                    raise exception.DriverError(reason=f"xtables lock {self.path} busy for {self.wait}s") from None
                time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


class _Handle:
    """A private libiptc handle for one table, and rules bound to it."""

    def __init__(self, iptc: Any, family: int, table: str) -> None:
        self.iptc = iptc
        cls = iptc.Table if family == 4 else iptc.Table6
        self.table = object.__new__(cls)
        self.table._init(table, False)  # bypasses the process-wide cache
        handle = self.table
        base = iptc.Rule if family == 4 else iptc.Rule6

        class _BoundRule(base):  # type: ignore[misc, valid-type]
            @property
            def tables(self) -> list[Any]:
                return [handle]

        self.rule_class = _BoundRule

    def rule(self, parsed: ruletext.ParsedRule) -> Any:
        rule = self.rule_class()
        for attr, field in (("src", parsed.source), ("dst", parsed.destination),
                            ("in_interface", parsed.in_interface), ("out_interface", parsed.out_interface),
                            ("protocol", parsed.protocol)):
            if field is not None:
                setattr(rule, attr, ("!" if field.negated else "") + field.value)
        for match in parsed.matches:
            created = rule.create_match(match.name)
            for option in match.options:
                created.set_parameter(option.name[2:], ("!" if option.negated else "") + " ".join(option.args))
        if parsed.target is not None:
            target = rule.create_target(parsed.target, goto=parsed.goto)
            for option in parsed.target_options:
                target.set_parameter(option.name[2:], " ".join(option.args))
        return rule

    def run(self, op: Op) -> None:
        table, name = self.table, op.chain
        if op.verb == "declare":
            if table.builtin_chain(name):
                if op.policy != "-":
                    table.set_policy(name, op.policy)
            elif table.is_chain(name):
                table.flush_entries(name)
            else:
                table.create_chain(name)
        elif op.verb == "-N":
            table.create_chain(name)
        elif op.verb == "-F":
            table.flush_entries(name)
        elif op.verb == "-X":
            table.delete_chain(name)
        else:
            assert op.rule is not None
            chain = self.iptc.Chain(table, name)
            if not table.is_chain(name):
                raise ValueError(f"chain {name} does not exist")
            rule = self.rule(op.rule)
            if op.verb == "-A":
                chain.append_rule(rule)
            elif op.verb == "-I":
                chain.insert_rule(rule, position=op.position - 1)
            else:
                chain.delete_rule(rule)

    def close(self) -> None:
        self.table.close()


class IptcBackend:
    """Entry point ``python-iptables`` (legacy hosts only); see module docstring.

    :raises InvalidConfig: python-iptables is not installed, or the
        namespace uses iptables-nft.
    """

    variant = "legacy"

    def __init__(self, namespace: str = "", variant: str = "auto", xtables_wait: int = 10, *,
                 runner: Callable[[Sequence[str], str | None], Completed] | None = None,
                 read_proc: Callable[[str], str | None] | None = None) -> None:
        try:
            import iptc
        except ImportError as exc:
            raise exception.InvalidConfig(reason=(
                "[iptables] backend python-iptables needs the python-iptables package "
                "(pip install 'novanet[iptc]')")) from exc
        self._iptc: Any = iptc
        self.namespace = namespace
        self.xtables_wait = xtables_wait
        self._executor = NamespaceExecutor(namespace)
        executor = self._executor
        self._run = runner or executor.run
        reader = read_proc or (lambda path: executor.call(read_file, path))
        try:
            found = detect.detect_variant(self._run, reader, variant, namespace)
            if found != "legacy":
                raise exception.InvalidConfig(reason=(
                    f"[iptables] backend python-iptables drives legacy iptables only (libiptc), but "
                    f"{'namespace ' + repr(namespace) if namespace else 'this host'} uses iptables-{found}; "
                    "use backend iptables-restore (or set [iptables] variant = legacy if this host "
                    "is meant to use legacy iptables)"))
        except Exception:
            self.close()
            raise

    def save(self, family: int) -> str:
        result = self._run([f"{'ip6tables' if family == 6 else 'iptables'}-legacy-save"], None)
        if result.returncode != 0:
            raise exception.ProcessExecutionError(cmd=" ".join(result.argv), exit_code=result.returncode,
                                                  stderr=result.stderr.strip())
        return result.stdout

    def restore(self, family: int, text: str) -> None:
        blocks = translate(text, family)
        self._executor.call(self._apply, family, text, blocks)

    def _apply(self, family: int, text: str, blocks: list[TableOps]) -> None:
        with _XtablesLock(self.xtables_wait):
            for block in blocks:
                self._apply_block(family, text, block)

    def _apply_block(self, family: int, text: str, block: TableOps) -> None:
        errors = (self._iptc.IPTCError, self._iptc.XTablesError, ValueError, AttributeError)
        try:
            handle = _Handle(self._iptc, family, block.table)
        except errors as exc:
            raise _fail(text, block.ops[0].line if block.ops else 1, f"cannot open table {block.table}: {exc}")
        try:
            for op in block.ops:
                try:
                    handle.run(op)
                except errors as exc:
                    error = _fail(text, op.line, f"libiptc refused it: {exc}")
                    LOG.error("python-iptables apply failed: %s", error)
                    raise error from exc
            try:
                handle.table.commit()
            except errors as exc:
                error = exception.ProcessExecutionError(
                    cmd="python-iptables", exit_code=1, stderr=f"commit of table {block.table} failed: {exc}")
                LOG.error("python-iptables apply failed: %s", error)
                raise error from exc
        finally:
            handle.close()

    def close(self) -> None:
        self._executor.close()
