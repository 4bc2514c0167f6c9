"""Plan an apply: the ``--noflush`` restore text that makes the kernel match.

Theory of operation
-------------------
Pure functions from a model table (plus what novanet last wrote, plus, when
needed, the live table as ``iptables-save`` printed it) to the lines of one
``*table ... COMMIT`` block of an ``iptables-restore --noflush`` run. Nothing
here does I/O.

Wrapped chains (``<binary>-<name>``) belong to novanet alone, so a changed
one is written whole: ``:<chain> - [0:0]`` flushes (or creates) it and its
rules follow (the KEP-3453 pattern: the cost is the size of the changed
chains, not of the table). Only chains whose rendered content differs from
what novanet last wrote are written; the others are not mentioned, and
``--noflush`` leaves everything not mentioned alone: other tools' chains,
rules and counters. A chain removed from the model is flushed and deleted
(``-X``) in the same transaction, after every reference to it is gone.

Unwrapped chains (built-in chains, shared ``novanet-*`` chains) hold other
tools' rules too, so they are never flushed. Their edits need the live
chain, which is why the firewall reads the table (``iptables-save``) only at
a full sync or when novanet's rules in an unwrapped chain changed (the
layout jumps: rare), never for floating IP or network changes. The rule for
them, :func:`unwrapped_edits`:

* "ours" in a chain are rules naming one of our wrapped chains, plus the
  shared rules the model wants there (``-j novanet-filter-top``);
* if ours appear exactly once each, in the model's order, and respect the
  placement regexes, nothing is written (so a restart changes nothing, and
  novanet never fights other tools for position);
* rules of ours the model no longer wants, and extra copies, are deleted;
  if the rest is then in order, that is all;
* otherwise the rest is deleted too and the block is inserted (``-I <n>``)
  at the top of the chain, below any foreign rule matching
  ``iptables_top_regex``. ``-D`` by text rather than by number: if
  another tool changed the chain since it was read, the restore fails (and
  the firewall retries with a fresh read) instead of deleting its rule.

``iptables_top_regex`` / ``iptables_bottom_regex`` (matched against
``-A <chain> <rule>`` of *foreign* rules in unwrapped chains): nova moved
the matching foreign rules above/below its own on every apply. A
``--noflush`` design never rewrites foreign rules (that would reset their
counters and race with their owner), so novanet moves its own block
instead: foreign rules matching the top regex must stay above novanet's
rules in the chain, those matching the bottom regex below; a violation found
at a full sync (or an unwrapped edit) re-places novanet's block.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Mapping, Sequence

from oslo_log import log as logging

from novanet.drivers.iptables import model
from novanet.drivers.iptables import ruletext
from novanet.drivers.iptables.savefile import LiveTable

LOG = logging.getLogger(__name__)

__all__ = ["Placement", "TablePlan", "plan_changes", "plan_full", "unwrapped_edits"]


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where novanet's block goes in an unwrapped chain (see module docstring)."""

    top: re.Pattern[str] | None = None
    bottom: re.Pattern[str] | None = None

    @classmethod
    def from_regexes(cls, top: str = "", bottom: str = "") -> Placement:
        return cls(re.compile(top) if top else None, re.compile(bottom) if bottom else None)

    @staticmethod
    def _hit(pattern: re.Pattern[str] | None, chain: str, text: str) -> bool:
        return pattern is not None and pattern.search(f"-A {chain} {text}") is not None

    def satisfied(self, chain: str, rules: Sequence[str], is_ours: Callable[[str], bool]) -> bool:
        """No pinned foreign rule is on the wrong side of novanet's rules."""
        ours = [index for index, text in enumerate(rules) if is_ours(text)]
        if not ours:
            return True
        for index, text in enumerate(rules):
            if is_ours(text):
                continue
            if index > ours[0] and self._hit(self.top, chain, text):
                return False
            if index < ours[-1] and self._hit(self.bottom, chain, text):
                return False
        return True

    def position(self, chain: str, foreign: Sequence[str]) -> int:
        """0-based index in ``foreign`` where novanet's block starts."""
        position = 0
        for index, text in enumerate(foreign):
            if self._hit(self.top, chain, text):
                position = index + 1
        for index, text in enumerate(foreign[:position]):
            if self._hit(self.bottom, chain, text):
                LOG.warning("iptables_bottom_regex rule %r of %s is above an iptables_top_regex "
                            "rule; novanet's rules go below the latter", text, chain)
                break
        return position


def _is_private(text: str, prefix: str) -> bool:
    return any(token.startswith(prefix) for token in text.split())


def unwrapped_edits(chain: str, live: Sequence[str], desired: Sequence[str], prefix: str,
                    placement: Placement = Placement(), removed: Collection[str] = ()) -> list[str]:
    """``-D``/``-I`` lines that put novanet's ``desired`` rules into ``chain``.

    :param live: the chain's rules now (canonical text, kernel order).
    :param desired: novanet's rules for the chain (canonical, in order).
    :param prefix: ``<binary>-``; a rule naming such a chain is novanet's.
    :param removed: shared (unprefixed) rule texts the model dropped; every
        live copy is deleted.
    """
    wanted = set(desired)

    def is_ours(text: str) -> bool:
        return text in wanted or _is_private(text, prefix)

    edits: list[str] = []
    rules = list(live)

    def delete(text: str) -> None:
        # "-D <chain> <rule>" removes the first copy of the rule.
        edits.append(f"-D {chain} {text}")
        rules.remove(text)

    for text in sorted(set(removed) - wanted):
        if not _is_private(text, prefix):
            for _ in range(rules.count(text)):
                delete(text)
    # Rules of ours the model does not want, and extra copies, go first;
    # if what remains is in order, nothing of ours moves.
    for text in list(dict.fromkeys(rule for rule in rules if is_ours(rule))):
        for _ in range(rules.count(text) - (1 if text in wanted else 0)):
            delete(text)
    ours = [text for text in rules if is_ours(text)]
    if ours == list(desired) and placement.satisfied(chain, rules, is_ours):
        return edits
    for text in ours:
        delete(text)
    start = placement.position(chain, rules)
    edits += [f"-I {chain} {start + offset + 1} {text}" for offset, text in enumerate(desired)]
    return edits


@dataclasses.dataclass
class TablePlan:
    """One table's part of a restore, and what the kernel holds after it."""

    table: str
    family: int
    declare: list[str] = dataclasses.field(default_factory=list)
    rules: list[str] = dataclasses.field(default_factory=list)
    edits: list[str] = dataclasses.field(default_factory=list)
    delete: list[str] = dataclasses.field(default_factory=list)
    #: wrapped chain -> rule texts in the kernel once this plan is applied
    applied: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    #: wrapped chains no longer in the kernel once this plan is applied
    dropped: set[str] = dataclasses.field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.declare or self.edits or self.delete)

    def write_chain(self, full: str, texts: tuple[str, ...]) -> None:
        self.declare.append(full)
        self.rules += [f"-A {full} {text}" for text in texts]
        self.applied[full] = texts

    def drop_chain(self, full: str, delete: bool = True) -> None:
        self.declare.append(full)
        if delete:
            self.delete.append(full)
        self.dropped.add(full)

    def text(self) -> str:
        """The ``*table`` block, or '' when there is nothing to write."""
        # NOTE(iptables-restore): with --noflush, ":<user chain> - [0:0]"
        # flushes an existing chain in both iptables-nft-restore and
        # iptables-legacy-restore 1.8.9, and "-D"/"-I <n>" positions are
        # evaluated in order inside the one transaction (checked against the
        # real tools by tests/functional/drivers/iptables/test_apply.py).
        # NOTE(nft): the cost of such a restore follows the chains it names
        # (one 100-rule chain in a 100k-rule table: 32-43 ms), while legacy
        # replaces the whole table blob per commit (~0.2 s at 100k); see
        # peers-perf-style.md §2.2.1 and tools/bench_iptables.py.
        if not self:
            return ""
        lines = [f"*{self.table}"]
        lines += [f":{name} - [0:0]" for name in self.declare]
        lines += self.rules + self.edits
        lines += [f"-X {name}" for name in self.delete]
        lines.append("COMMIT")
        return "\n".join(lines) + "\n"


def _same(texts: Sequence[str], live: Sequence[str], family: int) -> bool:
    if len(texts) != len(live):
        return False
    return list(texts) == list(live) or [ruletext.canonical(t, family) for t in texts] == list(live)


def _desired_unwrapped(table: model.IptablesTable, chain: str) -> list[str]:
    return list(dict.fromkeys(ruletext.canonical(text, table.family) for text in table.render_chain(chain)))


def _unwrapped_part(plan: TablePlan, table: model.IptablesTable, live: LiveTable, placement: Placement,
                    removed: Collection[tuple[str, str]] = ()) -> set[str]:
    """Add shared-chain creation and unwrapped edits to ``plan``; return the chains edited."""
    for name in table.shared_chains():
        if name not in live.chains:
            plan.declare.append(name)
    chains = set(table.unwrapped_chains()) | {name for name in table.shared_chains()}
    chains |= {name for name, chain in live.chains.items() if chain.builtin or name in model.SHARED_CHAINS}
    chains |= {chain for chain, _ in removed}
    for chain in sorted(chains):
        dropped = [ruletext.canonical(text, table.family) for name, text in removed if name == chain]
        plan.edits += unwrapped_edits(chain, live.rules(chain), _desired_unwrapped(table, chain),
                                      table.prefix, placement, dropped)
    return chains


def plan_changes(table: model.IptablesTable, changes: model.TableChanges, applied: Mapping[str, tuple[str, ...]],
                 live: LiveTable | None, placement: Placement = Placement()) -> TablePlan:
    """The incremental plan: only the chains named in ``changes``.

    :param applied: wrapped chain -> texts novanet last wrote (the kernel's).
    :param live: the live table; required when ``changes`` touch unwrapped
        chains (:meth:`IptablesTable.pending_unwrapped`).
    """
    plan = TablePlan(table.name, table.family)
    in_model = set(table.wrapped_chains())
    for full in sorted(changes.changed | changes.removed):
        if full in in_model:
            texts = table.render_chain(full)
            if applied.get(full) != texts:
                plan.write_chain(full, texts)
        elif full in applied:
            plan.drop_chain(full)
    if changes.unwrapped or changes.unwrapped_removed:
        if live is None:
            raise ValueError(f"unwrapped changes in {table.name} need the live table")
        _unwrapped_part(plan, table, live, placement, changes.unwrapped_removed)
    return plan


def plan_full(table: model.IptablesTable, live: LiveTable, placement: Placement = Placement()) -> TablePlan:
    """The converging plan: afterwards the kernel holds exactly the model's
    wrapped chains and novanet's unwrapped rules; foreign rules untouched."""
    plan = TablePlan(table.name, table.family)
    wanted = table.wrapped_chains()
    for full in wanted:
        texts = table.render_chain(full)
        found = live.chains.get(full)
        if found is not None and not found.builtin and _same(texts, found.rules, table.family):
            plan.applied[full] = texts
        else:
            plan.write_chain(full, texts)
    edited = _unwrapped_part(plan, table, live, placement)
    stale = [name for name in live.chains if table.is_ours(name) and name not in set(wanted)]
    for name in stale:
        # A foreign chain that jumps to a stale chain of ours keeps it alive
        # (flushed): deleting the chain would mean deleting a foreign rule.
        holders = [chain.name for chain in live.chains.values()
                   if not table.is_ours(chain.name) and chain.name not in edited
                   and any(ruletext.jump_target(text) == name for text in chain.rules)]
        if holders:
            LOG.warning("Stale chain %s is still referenced from %s; flushing it but leaving it in place",
                        name, ", ".join(holders))
        plan.drop_chain(name, delete=not holders)
    return plan
