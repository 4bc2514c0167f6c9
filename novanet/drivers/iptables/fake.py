"""An in-memory kernel for tests: entry point ``fake``.

:class:`FakeBackend` keeps tables the way the kernel would after a sequence
of restores, and checks what a real ``iptables-restore --noflush`` checks:
rules only go into existing chains, a jump needs its chain, ``-D`` needs the
rule, ``-X`` needs an empty, unreferenced user chain, and a failing table
leaves nothing behind. Rules are stored as :func:`ruletext.canonical` text,
so :meth:`save` reads like ``iptables-save``. Every call is recorded in
:attr:`history`; :attr:`fail_next` and :attr:`on_restore` let tests inject a
failure or a pause. Other tools are simulated with :meth:`foreign`.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable

from novanet import exception
from novanet.drivers.iptables import model
from novanet.drivers.iptables import ruletext
from novanet.drivers.iptables.backend import describe_restore_failure
from novanet.drivers.iptables.savefile import LiveChain, LiveTable

__all__ = ["FakeBackend"]

_TARGETS = set(ruletext._TARGETS) | {"QUEUE", "LOG", "NFQUEUE", "CT", "NOTRACK", "TCPMSS"}


class _Refused(Exception):
    pass


class FakeBackend:
    """See the module docstring. Constructor keywords as every backend's."""

    variant = "fake"

    def __init__(self, namespace: str = "", variant: str = "auto", xtables_wait: int = 10) -> None:
        self.namespace = namespace
        self.tables: dict[tuple[int, str], LiveTable] = {}
        self.history: list[tuple[str, int, str]] = []
        self.fail_next: Exception | None = None
        self.on_restore: Callable[[int, str], None] | None = None
        self._lock = threading.Lock()

    # -- the kernel -----------------------------------------------------------

    def _table(self, family: int, name: str, tables: dict[tuple[int, str], LiveTable] | None = None) -> LiveTable:
        tables = self.tables if tables is None else tables
        key = (family, name)
        if key not in tables:
            if key not in model.BUILTIN_CHAINS:
                raise _Refused(f"table {name!r} does not exist")
            tables[key] = LiveTable(name, {chain: LiveChain(chain, "ACCEPT")
                                           for chain in model.BUILTIN_CHAINS[key]})
        return tables[key]

    @staticmethod
    def _check_jump(table: LiveTable, text: str) -> None:
        target = ruletext.jump_target(text)
        if target is not None and target not in _TARGETS and target not in table.chains:
            raise _Refused(f"Chain '{target}' does not exist")

    def _command(self, table: LiveTable, family: int, line: str) -> None:
        verb, _, rest = line.partition(" ")
        chain_name, _, rule = rest.partition(" ")
        if verb == "-N":
            if chain_name in table.chains:
                raise _Refused(f"chain {chain_name} already exists")
            table.chains[chain_name] = LiveChain(chain_name, None)
            return
        chain = table.chains.get(chain_name)
        if chain is None:
            raise _Refused(f"chain {chain_name!r} does not exist")
        if verb == "-F":
            chain.rules.clear()
        elif verb == "-X":
            if chain.builtin or chain.rules:
                raise _Refused(f"cannot delete chain {chain_name}: built-in or not empty")
            if any(ruletext.jump_target(text) == chain_name for other in table.chains.values()
                   for text in other.rules):
                raise _Refused(f"cannot delete chain {chain_name}: still referenced")
            del table.chains[chain_name]
        elif verb == "-A":
            self._check_jump(table, rule)
            chain.rules.append(ruletext.canonical(rule, family))
        elif verb == "-I":
            first, _, tail = rule.partition(" ")
            position, rule = (int(first), tail) if first.isdigit() else (1, rule)
            if not 1 <= position <= len(chain.rules) + 1:
                raise _Refused(f"index {position} of insertion too big")
            self._check_jump(table, rule)
            chain.rules.insert(position - 1, ruletext.canonical(rule, family))
        elif verb == "-D":
            if rule.isdigit():
                if not 1 <= int(rule) <= len(chain.rules):
                    raise _Refused("index of deletion too big")
                del chain.rules[int(rule) - 1]
                return
            text = ruletext.canonical(rule, family)
            if text not in chain.rules:
                raise _Refused("Couldn't find the rule to delete (does a matching rule exist in that chain?)")
            chain.rules.remove(text)
        else:
            raise _Refused(f"unknown command {verb!r}")

    def _restore(self, family: int, text: str) -> None:
        staged: dict[tuple[int, str], LiveTable] | None = None
        current: LiveTable | None = None
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            try:
                if not line or line.startswith("#"):
                    continue
                if line.startswith("*"):
                    staged = copy.deepcopy(self.tables)
                    current = self._table(family, line[1:], staged)
                elif current is None or staged is None:
                    raise _Refused("line outside a table")
                elif line == "COMMIT":
                    self.tables = staged
                    current = staged = None
                elif line.startswith(":"):
                    name, _, policy = line[1:].partition(" ")
                    found = current.chains.get(name)
                    if found is None:
                        current.chains[name] = LiveChain(name, None)
                    elif found.builtin:
                        found.policy = policy.split(" ")[0] if policy.split(" ")[0] != "-" else found.policy
                    else:
                        found.rules.clear()
                else:
                    self._command(current, family, line)
            except _Refused as exc:
                raise exception.ProcessExecutionError(
                    cmd="fake-restore --noflush", exit_code=1,
                    stderr=describe_restore_failure(text, f"fake-restore: {exc}. Error occurred at line: {number}"),
                ) from None
        if current is not None:
            raise exception.ProcessExecutionError(cmd="fake-restore --noflush", exit_code=1,
                                                  stderr="COMMIT expected at end of input")

    # -- the backend interface ------------------------------------------------

    def save(self, family: int) -> str:
        with self._lock:
            self.history.append(("save", family, ""))
            lines: list[str] = []
            for (fam, name), table in sorted(self.tables.items()):
                if fam != family:
                    continue
                lines.append(f"*{name}")
                lines += [f":{chain.name} {chain.policy or '-'} [0:0]" for chain in table.chains.values()]
                lines += [f"-A {chain.name} {text}" for chain in table.chains.values() for text in chain.rules]
                lines.append("COMMIT")
            return "\n".join(lines) + "\n"

    def restore(self, family: int, text: str) -> None:
        if self.on_restore is not None:
            self.on_restore(family, text)
        with self._lock:
            self.history.append(("restore", family, text))
            if self.fail_next is not None:
                failure, self.fail_next = self.fail_next, None
                raise failure
            self._restore(family, text)

    def close(self) -> None:
        pass

    # -- helpers for tests ----------------------------------------------------

    def foreign(self, family: int, text: str) -> None:
        """Apply ``text`` as another tool would (not recorded in history)."""
        with self._lock:
            self._restore(family, text)

    def rules(self, family: int, table: str, chain: str) -> list[str]:
        """The chain's rules now (empty if the chain does not exist)."""
        with self._lock:
            found = self.tables.get((family, table))
            return list(found.rules(chain)) if found else []

    def chains(self, family: int, table: str) -> list[str]:
        with self._lock:
            found = self.tables.get((family, table))
            return list(found.chains) if found else []

    def restores(self) -> list[str]:
        """The texts of every restore so far."""
        return [text for kind, _, text in self.history if kind == "restore"]
