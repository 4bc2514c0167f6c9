"""The apply boundary of the link layer: read a snapshot, apply actions.

The planners (:mod:`.plan_bridge`, :mod:`.plan_gateway`, :mod:`.plan_segment`)
are pure: they turn a :class:`~.records.Snapshot` into a list of actions. A
:class:`LinkBackend` is the thin part that reads and applies, bound to one
network namespace. :class:`PrivilegedBackend` is the real one (it calls
:mod:`.privileged`); :class:`~.fake.FakeBackend` keeps a kernel in memory for
unit tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from novanet.drivers.linux_net import privileged
from novanet.drivers.linux_net.records import Action, Link, Query, Snapshot, ToolResult


class LinkBackend(Protocol):
    """Reads and changes the links of one namespace (``namespace``; None = own)."""

    namespace: str | None

    def snapshot(self, query: Query) -> Snapshot:
        """Read the devices, addresses, routes, FDB entries and sysctls asked for."""

    def apply(self, actions: Sequence[Action]) -> None:
        """Apply ``actions`` in order; each tolerates "already done".

        :raises DriverError: on the first action the kernel refuses.
        """

    def list_links(self) -> tuple[Link, ...]:
        """Every device of the namespace."""

    def run_tool(self, argv: Sequence[str]) -> ToolResult:
        """Run ``arping``, ``conntrack`` or ``ebtables`` in the namespace."""

    def link_kind_supported(self, kind: str) -> bool:
        """Whether the kernel can create ``kind`` devices (found by trying)."""


class PrivilegedBackend:
    """The real backend: netlink on one long-lived socket per namespace."""

    def __init__(self, namespace: str | None = None) -> None:
        self.namespace = namespace or None

    def snapshot(self, query: Query) -> Snapshot:
        return privileged.snapshot(self.namespace, query)

    def apply(self, actions: Sequence[Action]) -> None:
        privileged.apply(self.namespace, actions)

    def list_links(self) -> tuple[Link, ...]:
        return privileged.list_links(self.namespace)

    def run_tool(self, argv: Sequence[str]) -> ToolResult:
        return privileged.run_tool(self.namespace, argv)

    def link_kind_supported(self, kind: str) -> bool:
        return privileged.link_kind_supported(self.namespace, kind)

    def close(self) -> None:
        """Release the namespace's netlink socket (it keeps the namespace alive)."""
        privileged.close(self.namespace)

    def __repr__(self) -> str:
        return f"PrivilegedBackend(namespace={self.namespace!r})"
