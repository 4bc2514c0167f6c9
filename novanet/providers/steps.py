"""Host steps that undo themselves when a later one fails.

A switch is a short list of host steps (cut, serve, connect) followed by
one store commit. :class:`Steps` runs each step and remembers how to undo
it; if a step raises, :meth:`Steps.rollback` undoes the ones already done in
reverse order, so the host is as it was and the store was never told.
An undo that fails is logged and the others still run: the restart
reconciliation heals whatever is left (DESIGN.md "Facts first").
"""

from __future__ import annotations

import logging
from collections.abc import Callable

LOG = logging.getLogger(__name__)


class Steps:
    """Done steps and their undos, newest last."""

    def __init__(self, node: str) -> None:
        self.node = node
        self.done: list[tuple[str, Callable[[], None]]] = []
        #: What to confirm once the store recorded the switch: ``confirm(...)``
        #: calls of the DHCP entries the steps served or unserved.
        self.confirmations: list[Callable[[], None]] = []

    def confirm(self) -> None:
        """Run the confirmations (after the commit); a failure is logged, not raised:
        the store is right, and the restart's rebuild makes the host match it."""
        for confirm in self.confirmations:
            try:
                confirm()
            except Exception:  # the switch is committed; one entry must not undo it
                LOG.exception("node %s: could not confirm a DHCP entry", self.node)

    def do(self, what: str, action: Callable[[], None], undo: Callable[[], None]) -> None:
        """Run ``action``; remember ``undo`` once it succeeded."""
        LOG.debug("node %s: %s", self.node, what)
        action()
        self.done.append((what, undo))

    def rollback(self) -> list[str]:
        """Undo every done step, newest first; the steps whose undo failed."""
        failed: list[str] = []
        while self.done:
            what, undo = self.done.pop()
            try:
                undo()
                LOG.info("node %s: undid %s", self.node, what)
            except Exception:  # one broken undo must not stop the others
                LOG.exception("node %s: could not undo %s", self.node, what)
                failed.append(what)
        return failed
