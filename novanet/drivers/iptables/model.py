"""The in-memory iptables model: wrapped chains, rules, owners, changes.

Theory of operation
-------------------
An :class:`IptablesTable` is one kernel table (``filter``, ``nat``,
``mangle``) of one family (4 or 6) as novanet wants it. It holds two kinds of
chains:

* **wrapped chains**, named ``<binary>-<name>``. novanet owns them outright:
  whenever one changes, the apply rewrites it as a whole (declaring
  ``:<chain> - [0:0]`` in a ``--noflush`` restore flushes it first), so their
  kernel content always equals the model;
* **unwrapped chains**: the built-in chains (``INPUT``, ``POSTROUTING`` ...)
  and the shared chains every novanet binary uses (``novanet-filter-top``,
  ``novanet-postrouting-bottom``). Other tools' rules live there too, so they
  are never flushed: novanet only deletes and inserts its own rules in them
  (see :mod:`novanet.drivers.iptables.plan`).

Rules are identified by (chain, text, top) as in nova: adding an identical
rule again is skipped. A token starting with ``$`` names a wrapped chain:
``-j $local`` becomes ``-j novanet-network-local``. Within a chain the "top"
rules come first, then the others, each in insertion order.

Every rule and chain carries a set of **owners** (tags). Untagged calls use
the owner ``None``; :meth:`IptablesFirewall.ensure` uses its tag. A rule goes
away when its last owner releases it, or at once with :meth:`remove_rule`.
This lets several floating IPs share one dispatch rule, and a re-association
replace exactly the rules of its tag.

Every change is recorded: wrapped chains whose content changed or that were
removed, and unwrapped chains whose novanet rules changed. The apply consumes
these with :meth:`IptablesTable.take_changes` and writes only those chains.
The model is not thread-safe by itself; the firewall passes its lock in.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import threading
from collections.abc import Callable, Iterator

from oslo_log import log as logging

from novanet.drivers.iptables import ruletext

LOG = logging.getLogger(__name__)

#: iptables refuses chain names of 29 characters or more.
MAX_CHAIN_NAME = 28
#: Longest binary name: the longest built-in suffix is "-POSTROUTING" (12).
MAX_BINARY_NAME = MAX_CHAIN_NAME - len("-POSTROUTING")
DEFAULT_BINARY_NAME = "novanet-network"
#: Shared chains, unwrapped: every novanet binary hooks its own chains in.
FILTER_TOP = "novanet-filter-top"
POSTROUTING_BOTTOM = "novanet-postrouting-bottom"
SHARED_CHAINS = (FILTER_TOP, POSTROUTING_BOTTOM)

BUILTIN_CHAINS: dict[tuple[int, str], tuple[str, ...]] = {
    (4, "filter"): ("INPUT", "FORWARD", "OUTPUT"),
    (4, "nat"): ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    (4, "mangle"): ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    (4, "raw"): ("PREROUTING", "OUTPUT"),
    (6, "filter"): ("INPUT", "FORWARD", "OUTPUT"),
    (6, "nat"): ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    (6, "mangle"): ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    (6, "raw"): ("PREROUTING", "OUTPUT"),
}

Owner = str | None


def binary_name(name: str = DEFAULT_BINARY_NAME) -> str:
    """The wrap prefix for ``name``: truncated so every chain name fits.

    :raises ValueError: the name is empty, has whitespace, or would make the
        shared chains look like wrapped chains of this binary.
    """
    name = name[:MAX_BINARY_NAME]
    if not name or any(ch.isspace() for ch in name) or name.startswith(("-", "!", "$")):
        raise ValueError(f"invalid iptables binary name {name!r}")
    if any(shared.startswith(name + "-") for shared in SHARED_CHAINS):
        raise ValueError(f"binary name {name!r} would own the shared chains {SHARED_CHAINS}")
    return name


@dataclasses.dataclass(frozen=True)
class ChainSpec:
    """A chain a rule builder needs (wrapped unless ``wrap`` is False)."""

    table: str
    name: str
    family: int = 4
    wrap: bool = True


@dataclasses.dataclass(frozen=True)
class RuleSpec:
    """One rule as a rule builder returns it; ``$name`` means a wrapped chain."""

    table: str
    chain: str
    rule: str
    family: int = 4
    wrap: bool = True
    top: bool = False


RuleItem = ChainSpec | RuleSpec


@dataclasses.dataclass
class TableChanges:
    """What changed in a table since the last :meth:`IptablesTable.take_changes`."""

    changed: set[str] = dataclasses.field(default_factory=set)
    removed: set[str] = dataclasses.field(default_factory=set)
    unwrapped: set[str] = dataclasses.field(default_factory=set)
    unwrapped_removed: set[tuple[str, str]] = dataclasses.field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed or self.unwrapped or self.unwrapped_removed)


class _ChainRules:
    __slots__ = ("top", "normal")

    def __init__(self) -> None:
        self.top: dict[str, set[Owner]] = {}
        self.normal: dict[str, set[Owner]] = {}

    def texts(self) -> tuple[str, ...]:
        return (*self.top, *self.normal)

    def bucket(self, top: bool) -> dict[str, set[Owner]]:
        return self.top if top else self.normal


class IptablesTable:
    """One table of one family; see the module docstring."""

    def __init__(self, name: str, family: int = 4, binary: str = DEFAULT_BINARY_NAME, *,
                 lock: threading.RLock | None = None, on_change: Callable[[], None] | None = None) -> None:
        self.name = name
        self.family = family
        self.binary_name = binary_name(binary)
        self.prefix = self.binary_name + "-"
        self.builtin_chains = BUILTIN_CHAINS.get((family, name), ())
        self._lock = lock if lock is not None else threading.RLock()
        self._on_change = on_change
        self._chains: dict[str, set[Owner]] = {}  # wrapped, by short name
        self._unwrapped: dict[str, set[Owner]] = {}  # shared chains, by name
        self._rules: dict[str, _ChainRules] = {}  # by full chain name
        self._jumps: dict[str, set[tuple[str, str, bool]]] = {}  # target -> rule keys
        self._changes = TableChanges()

    # -- names ----------------------------------------------------------------

    def wrap(self, name: str) -> str:
        """The kernel name of wrapped chain ``name``.

        :raises ValueError: the name would exceed iptables' 28 characters.
        """
        full = self.prefix + name
        if len(full) > MAX_CHAIN_NAME or not name or any(ch.isspace() for ch in name):
            raise ValueError(f"invalid wrapped chain name {full!r} (at most {MAX_CHAIN_NAME} characters)")
        return full

    def _full(self, chain: str, wrap: bool) -> str:
        if wrap:
            return self.wrap(chain)
        if chain.startswith(self.prefix):
            raise ValueError(f"{chain!r} looks like a wrapped chain; pass its short name with wrap=True")
        return chain

    def _rewrite(self, rule: str) -> str:
        return " ".join(self.wrap(tok[1:]) if tok.startswith("$") else tok for tok in rule.split())

    def is_ours(self, chain: str) -> bool:
        """Is ``chain`` (a kernel name) one of this binary's wrapped chains?"""
        return chain.startswith(self.prefix)

    # -- chains ---------------------------------------------------------------

    def add_chain(self, name: str, wrap: bool = True, *, owner: Owner = None) -> None:
        """Declare a chain; adding it again only records another owner."""
        with self._lock:
            if not wrap and name in self.builtin_chains:
                return
            full = self._full(name, wrap)
            registry = self._chains if wrap else self._unwrapped
            if name in registry:
                registry[name].add(owner)
                return
            registry[name] = {owner}
            self._rules.setdefault(full, _ChainRules())
            if wrap:
                self._changes.changed.add(full)
                self._changes.removed.discard(full)
            else:
                self._changes.unwrapped.add(full)
            self._touch()

    def remove_chain(self, name: str, wrap: bool = True) -> None:
        """Remove a chain, its rules and every rule that jumps to it.

        An unwrapped (shared) chain itself stays in the kernel: other novanet
        binaries may use it; only novanet's rules in and to it go.
        """
        with self._lock:
            registry = self._chains if wrap else self._unwrapped
            if name not in registry:
                LOG.warning("Attempted to remove chain %s which does not exist", name)
                return
            del registry[name]
            full = self._full(name, wrap)
            rules = self._rules.pop(full, _ChainRules())
            for top in (True, False):
                for text in rules.bucket(top):
                    self._unindex(full, text, top)
                    if not wrap:
                        self._changes.unwrapped_removed.add((full, text))
            for chain, text, top in list(self._jumps.get(full, ())):
                self._drop_rule(chain, text, top)
            if wrap:
                self._changes.changed.discard(full)
                self._changes.removed.add(full)
            else:
                self._changes.unwrapped.add(full)
            self._touch()

    def release_chain(self, name: str, wrap: bool, owner: Owner) -> None:
        """Drop ``owner`` from a chain; remove the chain with its last owner."""
        with self._lock:
            owners = (self._chains if wrap else self._unwrapped).get(name)
            if owners is None:
                return
            owners.discard(owner)
            if not owners:
                self.remove_chain(name, wrap)

    def has_chain(self, name: str, wrap: bool = True) -> bool:
        with self._lock:
            if not wrap and name in self.builtin_chains:
                return True
            return name in (self._chains if wrap else self._unwrapped)

    # -- rules ----------------------------------------------------------------

    def _key(self, chain: str, rule: str, wrap: bool) -> tuple[str, str]:
        full = self._full(chain, wrap)
        if wrap and chain not in self._chains:
            raise ValueError(f"Unknown chain: {chain!r}")
        if not wrap and chain not in self.builtin_chains and chain not in self._unwrapped:
            raise ValueError(f"Unknown unwrapped chain: {chain!r}")
        return full, self._rewrite(rule)

    def add_rule(self, chain: str, rule: str, wrap: bool = True, top: bool = False, *,
                 owner: Owner = None) -> bool:
        """Add a rule; an identical rule is skipped (only the owner is recorded).

        :returns: True when the rule is new.
        :raises ValueError: unknown chain, or a ``$name`` that cannot be wrapped.
        """
        with self._lock:
            full, text = self._key(chain, rule, wrap)
            bucket = self._rules.setdefault(full, _ChainRules()).bucket(top)
            if text in bucket:
                bucket[text].add(owner)
                return False
            bucket[text] = {owner}
            target = ruletext.jump_target(text)
            if target is not None:
                self._jumps.setdefault(target, set()).add((full, text, top))
            self._mark(full)
            return True

    def remove_rule(self, chain: str, rule: str, wrap: bool = True, top: bool = False) -> bool:
        """Remove a rule whoever owns it; a missing rule only logs a warning."""
        with self._lock:
            full, text = self._full(chain, wrap), self._rewrite(rule)
            if not self._drop_rule(full, text, top):
                LOG.warning("Tried to remove rule that was not there: %r %r %r %r", chain, rule, wrap, top)
                return False
            return True

    def release_rule(self, chain: str, rule: str, wrap: bool, top: bool, owner: Owner) -> None:
        """Drop ``owner`` from a rule; remove the rule with its last owner."""
        with self._lock:
            full, text = self._full(chain, wrap), self._rewrite(rule)
            rules = self._rules.get(full)
            owners = rules.bucket(top).get(text) if rules else None
            if owners is None:
                return
            owners.discard(owner)
            if not owners:
                self._drop_rule(full, text, top)

    def remove_rules_regex(self, regex: str | re.Pattern[str]) -> int:
        """Remove every rule whose ``-A <chain> <rule>`` line matches ``regex``.

        :returns: how many rules were removed.
        """
        pattern = re.compile(regex) if isinstance(regex, str) else regex
        with self._lock:
            doomed = [(full, text, top) for full, rules in self._rules.items() for top in (True, False)
                      for text in rules.bucket(top) if pattern.search(f"-A {full} {text}")]
            for full, text, top in doomed:
                self._drop_rule(full, text, top)
            return len(doomed)

    def empty_chain(self, chain: str, wrap: bool = True) -> None:
        """Remove every rule of ``chain`` (the chain stays)."""
        with self._lock:
            full = self._full(chain, wrap)
            rules = self._rules.get(full)
            for top in (True, False):
                for text in list(rules.bucket(top)) if rules else ():
                    self._drop_rule(full, text, top)

    def has_rule(self, chain: str, rule: str, wrap: bool = True, top: bool = False) -> bool:
        with self._lock:
            rules = self._rules.get(self._full(chain, wrap))
            return rules is not None and self._rewrite(rule) in rules.bucket(top)

    def rules(self, chain: str, wrap: bool = True) -> tuple[str, ...]:
        """The rule texts of ``chain`` in kernel order (top rules first)."""
        with self._lock:
            rules = self._rules.get(self._full(chain, wrap))
            return rules.texts() if rules else ()

    def _drop_rule(self, full: str, text: str, top: bool) -> bool:
        rules = self._rules.get(full)
        if rules is None or text not in rules.bucket(top):
            return False
        del rules.bucket(top)[text]
        self._unindex(full, text, top)
        if not self.is_ours(full):
            self._changes.unwrapped_removed.add((full, text))
        self._mark(full)
        return True

    def _unindex(self, full: str, text: str, top: bool) -> None:
        target = ruletext.jump_target(text)
        if target is not None and target in self._jumps:
            self._jumps[target].discard((full, text, top))
            if not self._jumps[target]:
                del self._jumps[target]

    def _mark(self, full: str) -> None:
        if self.is_ours(full):
            self._changes.changed.add(full)
        else:
            self._changes.unwrapped.add(full)
        self._touch()

    def _touch(self) -> None:
        if self._on_change is not None:
            self._on_change()

    # -- what the apply reads ---------------------------------------------------

    def wrapped_chains(self) -> list[str]:
        """Kernel names of every wrapped chain of the model."""
        with self._lock:
            return [self.prefix + name for name in self._chains]

    def shared_chains(self) -> list[str]:
        """Unwrapped, non-built-in chains the model declares."""
        with self._lock:
            return list(self._unwrapped)

    def unwrapped_chains(self) -> list[str]:
        """Unwrapped chains (built-in or shared) that hold novanet rules."""
        with self._lock:
            return [full for full, rules in self._rules.items()
                    if not self.is_ours(full) and (rules.top or rules.normal or full in self._unwrapped)]

    def render_chain(self, full: str) -> tuple[str, ...]:
        """Rule texts of the chain with kernel name ``full``."""
        with self._lock:
            rules = self._rules.get(full)
            return rules.texts() if rules else ()

    def pending_unwrapped(self) -> bool:
        """Do novanet's rules in unwrapped chains need an edit?"""
        with self._lock:
            return bool(self._changes.unwrapped or self._changes.unwrapped_removed)

    def take_changes(self) -> TableChanges:
        """Return and reset the record of changes."""
        with self._lock:
            changes, self._changes = self._changes, TableChanges()
            return changes

    def render(self) -> str:
        """The model as restore text (for logs and debugging, not applied)."""
        with self._lock:
            lines = [f"*{self.name}"]
            lines += [f":{name} - [0:0]" for name in self._unwrapped]
            lines += [f":{full} - [0:0]" for full in self.wrapped_chains()]
            for full, rules in self._rules.items():
                lines += [f"-A {full} {text}" for text in rules.texts()]
            return "\n".join(lines + ["COMMIT", ""])

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield
