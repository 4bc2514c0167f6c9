"""Which iptables a host (network namespace) uses: nf_tables or legacy.

Both kernels' rule sets are live at once when both hold rules: a packet
walks the legacy tables *and* the nft ``ip filter``/``ip nat`` tables, so a
DNAT or an ACCEPT in one can be undone by the other. A host must use one.
:func:`detect_variant` looks at both and

* refuses (:class:`~novanet.exception.IptablesMixedBackends`) when both hold
  rules, or when the configured variant is not the one holding rules;
* otherwise picks the variant that holds rules, or the configured one, or,
  on an empty host, the one the ``iptables`` command defaults to.

NOTE(legacy): ``iptables-legacy-save`` instantiates the legacy tables it
reads (the x_tables modules register them in the namespace), which would
leave empty legacy tables beside nft ones. Legacy tables are therefore only
read when ``/proc/thread-self/net/ip_tables_names`` (per namespace, and per
thread: see :mod:`.privileged`) already lists some.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from oslo_log import log as logging

from novanet import exception
from novanet.drivers.iptables.privileged import Completed
from novanet.drivers.iptables.savefile import parse_save, rule_count

LOG = logging.getLogger(__name__)

__all__ = ["VARIANTS", "count_rules", "detect_variant"]

VARIANTS = ("nft", "legacy")
Runner = Callable[[Sequence[str], str | None], Completed]
ProcReader = Callable[[str], str | None]

_PROC_NAMES = {4: "/proc/thread-self/net/ip_tables_names", 6: "/proc/thread-self/net/ip6_tables_names"}


def _save_command(variant: str, family: int) -> list[str]:
    return [f"{'ip6tables' if family == 6 else 'iptables'}-{variant}-save"]


def count_rules(run: Runner, read_proc: ProcReader, variant: str) -> int:
    """Rules plus user chains in both families of ``variant``'s tables."""
    total = 0
    for family in (4, 6):
        if variant == "legacy" and not (read_proc(_PROC_NAMES[family]) or "").strip():
            continue
        result = run(_save_command(variant, family), None)
        if result.returncode != 0:
            if "not found" in result.stderr or result.returncode == 127:
                continue
            LOG.warning("%s failed (%s): %s", " ".join(result.argv), result.returncode, result.stderr.strip())
            continue
        total += rule_count(parse_save(result.stdout))
    return total


def default_variant(run: Runner) -> str:
    """What plain ``iptables`` is on this host (Debian alternatives)."""
    result = run(["iptables", "--version"], None)
    return "legacy" if "legacy" in result.stdout else "nft"


def detect_variant(run: Runner, read_proc: ProcReader, configured: str = "auto", where: str = "") -> str:
    """The variant to use: ``"nft"`` or ``"legacy"``.

    :param run: runs a command in the target namespace.
    :param read_proc: reads a ``/proc`` file in the target namespace (None if absent).
    :param configured: ``auto``, ``nft`` or ``legacy``.
    :param where: the namespace name, for messages.
    :raises IptablesMixedBackends: both variants hold rules, or the
        configured one is not the one in use.
    :raises InvalidConfig: ``configured`` is not a known variant.
    """
    if configured not in ("auto", *VARIANTS):
        raise exception.InvalidConfig(reason=f"[iptables] variant must be auto, nft or legacy, not {configured!r}")
    place = f"network namespace {where!r}" if where else "this host"
    counts = {variant: count_rules(run, read_proc, variant) for variant in VARIANTS}
    used = [variant for variant in VARIANTS if counts[variant]]
    if len(used) == 2:
        raise exception.IptablesMixedBackends(reason=(
            f"{place} has iptables rules in both the nf_tables ({counts['nft']} rules/chains, see "
            f"iptables-nft-save) and the legacy ({counts['legacy']}, see iptables-legacy-save) backends; "
            "packets traverse both, so novanet refuses to add a third party to that. Remove one set "
            "(or move its owner to the other backend) and restart."))
    if used and configured != "auto" and used[0] != configured:
        raise exception.IptablesMixedBackends(reason=(
            f"[iptables] variant is {configured} but {place} has {counts[used[0]]} rules/chains in the "
            f"{used[0]} backend; using {configured} would mix both. Set variant to {used[0]} or auto."))
    if used:
        return used[0]
    if configured != "auto":
        return configured
    return default_variant(run)
