"""Isolation between project bridges of one host, in O(networks) rules.

nova-network never isolated projects on a shared network host: any two
project bridges forwarded to each other through the host. novanet does,
with one packet mark per project instead of a rule per pair of bridges:

* mangle ``$PREROUTING``: ``-i <bridge> -j MARK --set-xmark P/M``, one rule
  per project bridge, where P is the bridge's project number (1, 2, ... in
  the sorted order of the project ids on this host) shifted into the mask M
  (``[iptables] project_mark_mask``);
* filter ``$isolation`` (jumped first from ``$FORWARD``, a "top" rule): one
  rule per project bridge, ``-o <bridge> -m mark ! --mark 0x0/M -m mark !
  --mark P/M -m conntrack ! --ctstate DNAT -j <drop>``.

* filter ``$INPUT`` (top): one rule per address the host holds on a project
  bridge (its gateway), ``-d <gateway> -m mark ! --mark 0x0/M -m mark !
  --mark P/M -j <drop>``.

So a packet forwarded *to* a project bridge is dropped when it came in from
a project bridge of another project, and so is a packet for another
project's gateway address (the host itself, but reached as that project's
router; nova-network answered it). It passes when it came from the same
project (same mark), from outside or a non-project network (mark 0: the
uplink, a flat network), or when it was DNATed (a floating IP is a public
address: reaching another project through it is traffic via the outside;
conntrack's DNAT state also covers that connection's replies). Replies of
allowed connections flow back through the uplink or the same project. 3 rules
per project bridge; numbering is recomputed from the whole set, so the
caller passes every network of the host and owns the result under
:data:`ISOLATION_TAG`; the firewall then rewrites only the rules that moved.

A bridge claimed by networks of different projects, and networks without a
project, are left unmarked (treated as outside), with a warning.
"""

from __future__ import annotations

from collections.abc import Iterable

from oslo_log import log as logging

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.iptables.builders.common import RuleConfig, address, family_of
from novanet.drivers.iptables.model import ChainSpec, RuleItem, RuleSpec

LOG = logging.getLogger(__name__)

__all__ = ["ISOLATION_CHAIN", "ISOLATION_TAG", "project_isolation_rules", "project_marks"]

ISOLATION_TAG = "project-isolation"
ISOLATION_CHAIN = "isolation"


def _shift(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def project_marks(networks: Iterable[NetworkSpec], mask: int) -> dict[str, int]:
    """Bridge -> mark value (already shifted into ``mask``) for isolated bridges.

    :raises InvalidConfig: more projects than the mask can number.
    """
    projects: dict[str, set[str]] = {}
    for net in networks:
        if net.bridge and net.project_id:
            projects.setdefault(net.bridge, set()).add(net.project_id)
    bridges: dict[str, str] = {}
    for bridge, owners in sorted(projects.items()):
        if len(owners) > 1:
            LOG.warning("Bridge %s carries networks of projects %s; it is not isolated", bridge, sorted(owners))
            continue
        bridges[bridge] = owners.pop()
    numbers = {project: index + 1 for index, project in enumerate(sorted(set(bridges.values())))}
    shift = _shift(mask)
    if numbers and max(numbers.values()) > mask >> shift:
        raise exception.InvalidConfig(reason=(
            f"project_mark_mask {mask:#x} numbers at most {mask >> shift} projects; this host has {len(numbers)}"))
    return {bridge: numbers[project] << shift for bridge, project in bridges.items()}


def project_isolation_rules(networks: Iterable[NetworkSpec], cfg: RuleConfig) -> tuple[RuleItem, ...]:
    """The isolation chain, its jump and the mark/drop rules of every
    project bridge in ``networks`` (all of this host's networks)."""
    mask = cfg.project_mark_mask
    marks = project_marks(networks, mask)
    drop = cfg.drop_target(4)
    items: list[RuleItem] = [ChainSpec("filter", ISOLATION_CHAIN),
                             RuleSpec("filter", "FORWARD", f"-j ${ISOLATION_CHAIN}", top=True)]
    own: dict[str, set[str]] = {}
    for net in networks:
        if net.bridge in marks and net.gateway_on_host and net.dhcp_server and family_of(net.dhcp_server) == 4:
            own.setdefault(net.bridge, set()).add(net.dhcp_server)
    for bridge, mark in sorted(marks.items()):
        items.append(RuleSpec("mangle", "PREROUTING", f"-i {bridge} -j MARK --set-xmark {mark:#x}/{mask:#x}"))
        items.append(RuleSpec("filter", ISOLATION_CHAIN,
                              f"-o {bridge} -m mark ! --mark 0x0/{mask:#x} -m mark ! --mark {mark:#x}/{mask:#x} "
                              f"-m conntrack ! --ctstate DNAT -j {drop}"))
        for gateway in sorted(own.get(bridge, ())):
            items.append(RuleSpec("filter", "INPUT",
                                  f"-d {address(gateway, 4)} -m mark ! --mark 0x0/{mask:#x} "
                                  f"-m mark ! --mark {mark:#x}/{mask:#x} -j {drop}", top=True))
    return tuple(items)
