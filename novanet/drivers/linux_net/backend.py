"""The apply boundary of the link layer: read a snapshot, apply actions.

The planners (:mod:`.plan_bridge`, :mod:`.plan_gateway`, :mod:`.plan_segment`)
are pure: they turn a :class:`~.records.Snapshot` into a list of actions.
:class:`LinkBackend` is what reads and applies them in a network namespace
(named on every call: None is the process's own). Its real implementation is
the module :mod:`.privileged` itself, whose functions have exactly these
names and signatures (mypy checks a module against a protocol like a class),
so :class:`~.links.Links` calls the privileged function directly;
:class:`~.fake.FakeBackend` keeps a kernel in memory for unit tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from novanet.drivers.linux_net.records import Action, Link, Query, Snapshot, ToolResult


class LinkBackend(Protocol):
    """Reads and changes the links of a namespace (``namespace`` None: our own)."""

    def snapshot(self, namespace: str | None, query: Query) -> Snapshot:
        """Read the devices, addresses, routes, FDB entries and sysctls asked for."""

    def apply(self, namespace: str | None, actions: Sequence[Action]) -> None:
        """Apply ``actions`` in order; each tolerates "already done".

        :raises DriverError: on the first action the kernel refuses.
        """

    def list_links(self, namespace: str | None) -> tuple[Link, ...]:
        """Every device of the namespace."""

    def run_tool(self, namespace: str | None, argv: Sequence[str]) -> ToolResult:
        """Run ``arping``, ``conntrack`` or ``ebtables`` in the namespace."""

    def link_kind_supported(self, namespace: str | None, kind: str) -> bool:
        """Whether the kernel can create ``kind`` devices (found by trying)."""

    def close(self, namespace: str | None) -> None:
        """Release what is held open for the namespace (its netlink socket)."""
