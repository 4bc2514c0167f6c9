"""The firewall backend interface and its loader.

A backend is the only thing that touches the kernel's iptables. It speaks
the text the planner produces (:mod:`.plan`) and the text ``iptables-save``
prints, so every backend, including the in-memory fake, is driven by the
same restore blocks:

* ``save(family)``: the family's tables as ``iptables-save`` prints them;
* ``restore(family, text)``: apply one or more ``*table ... COMMIT`` blocks
  with ``--noflush`` semantics (a declared chain is flushed, everything not
  mentioned stays); all or nothing per table;
* ``close()``.

Backends are stevedore plugins in the ``novanet.firewall_backends`` group,
chosen by ``[iptables] backend``; each constructor takes the keywords
``namespace`` (``[linux_net] namespace``), ``variant`` (``[iptables]
variant``) and ``xtables_wait``.
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from oslo_log import log as logging

from novanet.plugins import load_plugin

LOG = logging.getLogger(__name__)

__all__ = ["ENTRY_POINT_GROUP", "FirewallBackend", "create_backend", "describe_restore_failure"]

ENTRY_POINT_GROUP = "novanet.firewall_backends"


@runtime_checkable
class FirewallBackend(Protocol):
    """Applies restore text to, and reads save text from, one namespace."""

    #: "nft", "legacy" (or "fake"): which kernel tables this backend drives.
    variant: str

    def save(self, family: int) -> str:
        """Every table of ``family`` (4 or 6) in ``iptables-save`` format."""

    def restore(self, family: int, text: str) -> None:
        """Apply ``text`` (``*table ... COMMIT`` blocks) with ``--noflush``.

        :raises ProcessExecutionError: the kernel or tool refused it; nothing
            of the failing table was applied.
        """

    def close(self) -> None:
        """Release threads and handles."""


def create_backend(name: str, *, namespace: str = "", variant: str = "auto",
                   xtables_wait: int = 10) -> FirewallBackend:
    """Load backend ``name`` from ``novanet.firewall_backends`` and build it.

    :raises InvalidConfig: no backend of that name is installed (or it
        cannot be imported).
    :raises IptablesMixedBackends: the namespace has rules in both variants.
    """
    # Built here rather than by stevedore, so that the backend's own typed
    # errors (mixed backends, missing namespace) reach the caller as they are.
    factory = load_plugin(ENTRY_POINT_GROUP, name, "[iptables] backend")
    backend: FirewallBackend = factory(namespace=namespace, variant=variant, xtables_wait=xtables_wait)
    return backend


_LINE_RE = re.compile(r"line:? (\d+)")


def describe_restore_failure(text: str, stderr: str) -> str:
    """The tool's complaint plus the offending input line with context.

    ``iptables-restore`` names the failing line ("Error occurred at line: 5"
    for nft, "line 5 failed" for legacy); the line and two neighbours on each
    side are quoted so the log shows *what* was refused.
    """
    message = " ".join(stderr.split()) or "no error output"
    found = _LINE_RE.search(stderr)
    if not found:
        return message
    number = int(found.group(1))
    lines = text.splitlines()
    if 0 < number <= len(lines) and lines[number - 1].strip() == "COMMIT":
        # NOTE(iptables-nft-restore): errors found when the batch is sent
        # are reported at the COMMIT line; the message names the culprit
        # ("Chain 'X' does not exist"), so point at the line that uses it.
        for name in re.findall(r"[`']([^`']+)'", stderr):
            users = [index for index in range(number - 1) if name in lines[index].split()]
            if users:
                number = users[-1] + 1
                break
    first, last = max(number - 3, 0), min(number + 2, len(lines))
    context = "; ".join(f"{'>' if index + 1 == number else ' '}{index + 1}: {lines[index]}"
                        for index in range(first, last))
    offending = lines[number - 1] if 0 < number <= len(lines) else "?"
    return f"{message} | offending line {number}: {offending} | context: {context}"
