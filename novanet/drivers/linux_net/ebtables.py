"""ebtables rules for a DHCP address shared by every host (§4.7).

With ``share_dhcp_address`` (or a network's ``share_address``) every
multi_host host puts the same DHCP/gateway address on its bridge. Four filter
rules on the uplink keep that address local: ARP for it neither enters from
nor leaves through the uplink, and DHCP (UDP 67-68) is not forwarded across
it, so each host answers only its own instances.

Theory of operation
-------------------
* Rules are rendered purely (:func:`dhcp_isolation_rules`) and applied one by
  one: ``-D`` first (an absent rule is fine), then ``-I``, so applying twice
  leaves exactly one copy. Removal is the ``-D`` alone.
* NOTE(ebtables): the legacy ebtables binary takes a lock and fails with
  "Multiple ebtables programs were executing simultaneously" when another
  instance holds it (nova bugs 1316621, 1501366). Only that message is
  retried, up to ``ebtables_exec_attempts`` times, sleeping
  ``ebtables_retry_interval`` times the attempt number; any other failure of
  ``-I`` is raised at once.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence

from novanet import exception
from novanet.drivers.linux_net.backend import LinkBackend
from novanet.drivers.linux_net.records import ToolResult

LOG = logging.getLogger(__name__)

LOCK_MESSAGE = "Multiple ebtables programs"


@dataclasses.dataclass(frozen=True, slots=True)
class EbtablesRule:
    """One rule: ``ebtables -t <table> -I|-D <chain> <args...>``."""

    chain: str
    args: tuple[str, ...]
    table: str = "filter"

    def argv(self, op: str) -> tuple[str, ...]:
        return ("ebtables", "--concurrent", "-t", self.table, op, self.chain, *self.args)


def dhcp_isolation_rules(interface: str, address: str) -> tuple[EbtablesRule, ...]:
    """nova-network's four isolation rules for ``address`` on ``interface``."""
    return (
        EbtablesRule("INPUT", ("-p", "ARP", "-i", interface, "--arp-ip-dst", address, "-j", "DROP")),
        EbtablesRule("OUTPUT", ("-p", "ARP", "-o", interface, "--arp-ip-src", address, "-j", "DROP")),
        EbtablesRule(
            "FORWARD",
            ("-p", "IPv4", "-i", interface, "--ip-protocol", "udp", "--ip-destination-port", "67:68", "-j", "DROP"),
        ),
        EbtablesRule(
            "FORWARD",
            ("-p", "IPv4", "-o", interface, "--ip-protocol", "udp", "--ip-destination-port", "67:68", "-j", "DROP"),
        ),
    )


class Ebtables:
    """Runs ebtables in ``namespace`` with the lock-contention retry."""

    def __init__(
        self,
        backend: LinkBackend,
        namespace: str | None,
        attempts: int = 3,
        interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.backend = backend
        self.namespace = namespace
        self.attempts = max(1, attempts)
        self.interval = interval
        self._sleep = sleep

    def run(self, argv: Sequence[str], check: bool = True) -> ToolResult:
        """Run ``argv``, retrying only on lock contention.

        :raises ProcessExecutionError: it failed and ``check`` is set.
        """
        result = self.backend.run_tool(self.namespace, argv)
        attempt = 1
        while result.returncode != 0 and LOCK_MESSAGE in result.stderr and attempt < self.attempts:
            LOG.debug("ebtables is locked by another program; attempt %d of %d", attempt, self.attempts)
            self._sleep(self.interval * attempt)
            attempt += 1
            result = self.backend.run_tool(self.namespace, argv)
        if result.returncode != 0 and check:
            raise exception.ProcessExecutionError(
                cmd=" ".join(argv), exit_code=result.returncode, stderr=result.stderr.strip()
            )
        return result

    def ensure_rules(self, rules: Sequence[EbtablesRule]) -> None:
        """Make each rule present exactly once (``-D`` then ``-I``)."""
        for rule in rules:
            self.run(rule.argv("-D"), check=False)
            self.run(rule.argv("-I"))

    def remove_rules(self, rules: Sequence[EbtablesRule]) -> None:
        """Remove the rules; absent ones are fine."""
        for rule in rules:
            self.run(rule.argv("-D"), check=False)
