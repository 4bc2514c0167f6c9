"""Parse ``iptables-save`` output into tables, chains and rule texts.

The result is what the kernel holds, as the save tool prints it: per table
the chains in declaration order (built-in chains with their policy, user
chains with ``-``) and per chain its rule texts without ``-A <chain>`` and
without ``[packets:bytes]`` counters. Comment lines are skipped.
"""

from __future__ import annotations

import dataclasses

__all__ = ["LiveChain", "LiveTable", "parse_save", "rule_count"]


@dataclasses.dataclass
class LiveChain:
    name: str
    policy: str | None  # None for a user-defined chain
    rules: list[str] = dataclasses.field(default_factory=list)

    @property
    def builtin(self) -> bool:
        return self.policy is not None


@dataclasses.dataclass
class LiveTable:
    name: str
    chains: dict[str, LiveChain] = dataclasses.field(default_factory=dict)

    def rules(self, chain: str) -> list[str]:
        """The rules of ``chain``; empty when the chain does not exist."""
        found = self.chains.get(chain)
        return found.rules if found else []


def _strip_counters(line: str) -> str:
    if line.startswith("["):
        _, _, line = line.partition("] ")
    return line


def parse_save(text: str) -> dict[str, LiveTable]:
    """Tables by name from the text of ``iptables-save`` (any table order).

    :raises ValueError: a rule line names a chain that was not declared.
    """
    tables: dict[str, LiveTable] = {}
    current: LiveTable | None = None
    for raw in text.splitlines():
        line = _strip_counters(raw.strip())
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            current = tables.setdefault(line[1:], LiveTable(line[1:]))
        elif line == "COMMIT":
            current = None
        elif current is None:
            raise ValueError(f"line outside a table: {raw!r}")
        elif line.startswith(":"):
            name, _, rest = line[1:].partition(" ")
            policy = rest.split(" ", 1)[0] if rest else "-"
            current.chains[name] = LiveChain(name, None if policy == "-" else policy)
        elif line.startswith("-A "):
            parts = line.split(" ", 2)
            chain = parts[1]
            if chain not in current.chains:
                raise ValueError(f"rule for undeclared chain {chain!r}: {raw!r}")
            current.chains[chain].rules.append(parts[2] if len(parts) > 2 else "")
        else:
            raise ValueError(f"unexpected line in iptables-save output: {raw!r}")
    return tables


def rule_count(tables: dict[str, LiveTable]) -> int:
    """Rules plus user-defined chains: zero means "nothing configured"."""
    return sum(len(chain.rules) + (0 if chain.builtin else 1)
               for table in tables.values() for chain in table.chains.values())
