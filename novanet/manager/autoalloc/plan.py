"""Pure decisions of "get me a network": may a project get one, and which prefix and VLAN.

Theory of operation
-------------------
Everything here is a function of facts read beforehand (:class:`AutoFacts`),
so the dry-run and the real request run the very same checks and the tests
need neither a store nor a host. The checks run in a fixed order and the first
one that fails names the answer (:func:`evaluate`):

1. the networks the project can already use: exactly one is simply used,
   more than one is AMBIGUOUS (nova's NetworkAmbiguous);
2. building is enabled (DISABLED);
3. the manager can build a network per project: only the VLAN manager can;
   the flat managers pass only through step 2 (MANAGER_UNSUPPORTED);
4. a default subnet pool (NO_DEFAULT_POOL) with room for one more prefix of
   its default length (POOL_EXHAUSTED);
5. a free VLAN number in the configured range whose bridge name is free
   (NO_VLAN_IDS);
6. a default egress (NO_DEFAULT_EGRESS) whose public interface exists on
   this host when that can be told (EGRESS_INTERFACE_MISSING).

Carving (:func:`carve`) walks the pool's prefixes in order and returns the
lowest aligned block of the default length that overlaps no live network: one
pass over the used ranges, sorted, whatever the pool's size.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Sequence

import netaddr


class Reason(str, enum.Enum):
    """Why ``auto`` cannot give a project a network (AutoAllocationFailure's ``reason``)."""

    DISABLED = "DISABLED"
    AMBIGUOUS = "AMBIGUOUS"
    MANAGER_UNSUPPORTED = "MANAGER_UNSUPPORTED"
    NO_DEFAULT_POOL = "NO_DEFAULT_POOL"
    POOL_EXHAUSTED = "POOL_EXHAUSTED"
    NO_VLAN_IDS = "NO_VLAN_IDS"
    NO_DEFAULT_EGRESS = "NO_DEFAULT_EGRESS"
    EGRESS_INTERFACE_MISSING = "EGRESS_INTERFACE_MISSING"
    #: Concurrent builds of other projects kept taking the prefix or VLAN chosen.
    POOL_CONTENTION = "POOL_CONTENTION"
    #: Making the network on the host failed (bridge, addresses, rules, dnsmasq).
    HOST_FAILURE = "HOST_FAILURE"
    #: Another request's build of the project's network did not finish in time.
    BUILD_TIMEOUT = "BUILD_TIMEOUT"
    #: The options cannot make a network (e.g. the VLAN manager without vlan_interface).
    MISCONFIGURED = "MISCONFIGURED"
    #: Anything else went wrong during the build (see the message).
    BUILD_FAILED = "BUILD_FAILED"


@dataclasses.dataclass(frozen=True)
class PoolFacts:
    id: int
    name: str
    prefixes: tuple[str, ...]
    default_prefixlen: int
    generation: int


@dataclasses.dataclass(frozen=True)
class EgressFacts:
    id: int | None
    name: str
    public_interface: str
    snat_source: str


@dataclasses.dataclass(frozen=True)
class AutoFacts:
    """What the checks look at, read from the store and the host."""

    project_id: str
    enabled: bool
    #: The manager builds a network per project (the VLAN manager).
    can_build: bool
    #: uuids of the live networks the project can already use.
    candidates: tuple[str, ...] = ()
    pool: PoolFacts | None = None
    egress: EgressFacts | None = None
    #: IPv4 CIDRs of every live network (any status, any project).
    used_cidrs: tuple[str, ...] = ()
    used_vlans: frozenset[int] = frozenset()
    used_bridges: frozenset[str] = frozenset()
    vlan_start: int = 100
    vlan_end: int = 4094
    #: Whether the egress's public interface exists here; None: cannot tell.
    interface_present: bool | None = None


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The answer of the checks: pass (maybe using an existing network) or a reason."""

    reason: Reason | None
    detail: str = ""
    #: The existing network ``auto`` will use (step 2), if any.
    use_network: str | None = None
    prefix: netaddr.IPNetwork | None = None
    vlan: int | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def bridge_for(vlan: int) -> str:
    """The bridge of an automatically built VLAN network (nova-network's ``br<vlan>``)."""
    return f"br{vlan}"


def _block(prefixlen: int) -> int:
    return 1 << (32 - prefixlen)


def _used_ranges(used_cidrs: Iterable[str]) -> list[tuple[int, int]]:
    ranges = []
    for cidr in used_cidrs:
        net = netaddr.IPNetwork(cidr)
        if net.version == 4:
            ranges.append((int(net.first), int(net.last)))
    return sorted(ranges)


def _free_blocks(prefix: netaddr.IPNetwork, prefixlen: int, used: Sequence[tuple[int, int]]) -> Iterable[int]:
    """Start addresses of the free aligned blocks of ``prefix``, lowest first (lazily)."""
    if prefixlen < prefix.prefixlen or prefixlen > 30:
        return
    size = _block(prefixlen)
    start, end = int(prefix.first), int(prefix.last)
    candidate = start
    for first, last in used:
        if last < candidate:
            continue
        if first > end:
            break
        # Every whole block between the candidate and this used range is free.
        while candidate + size - 1 < first and candidate + size - 1 <= end:
            yield candidate
            candidate += size
        # Skip past the used range, to the next aligned block.
        candidate = max(candidate, start + ((last + 1 - start + size - 1) // size) * size)
        if candidate > end:
            return
    while candidate + size - 1 <= end:
        yield candidate
        candidate += size


def carve(prefixes: Sequence[str], prefixlen: int, used_cidrs: Iterable[str]) -> netaddr.IPNetwork | None:
    """The lowest free block of ``/prefixlen`` in ``prefixes`` (in their order), or None."""
    used = _used_ranges(used_cidrs)
    for text in prefixes:
        for first in _free_blocks(netaddr.IPNetwork(text), prefixlen, used):
            return netaddr.IPNetwork(f"{netaddr.IPAddress(first, 4)}/{prefixlen}")
    return None


def free_block_count(prefixes: Sequence[str], prefixlen: int, used_cidrs: Iterable[str], limit: int = 1 << 24) -> int:
    """How many more ``/prefixlen`` networks the pool holds (counting stops at ``limit``)."""
    used = _used_ranges(used_cidrs)
    count = 0
    for text in prefixes:
        for _ in _free_blocks(netaddr.IPNetwork(text), prefixlen, used):
            count += 1
            if count >= limit:
                return count
    return count


def choose_vlan(start: int, end: int, used_vlans: frozenset[int], used_bridges: frozenset[str]) -> int | None:
    """The lowest VLAN number in ``[start, end]`` unused and whose bridge name is free."""
    for vlan in range(start, end + 1):
        if vlan not in used_vlans and bridge_for(vlan) not in used_bridges:
            return vlan
    return None


def evaluate(facts: AutoFacts) -> Verdict:
    """Run the checks of the module docstring in order; the first failure answers."""
    if len(facts.candidates) == 1:
        return Verdict(None, f"the project's network {facts.candidates[0]} will be used",
                       use_network=facts.candidates[0])
    if len(facts.candidates) > 1:
        return Verdict(Reason.AMBIGUOUS, f"the project can use {len(facts.candidates)} networks "
                       f"({', '.join(facts.candidates)}); name one instead of 'auto'")
    if not facts.enabled:
        return Verdict(Reason.DISABLED, "building networks on demand is disabled ([auto_allocate] enabled)")
    if not facts.can_build:
        return Verdict(Reason.MANAGER_UNSUPPORTED, "this network manager cannot build a network per project; "
                       "create exactly one shared network for 'auto' to use, or use the VLAN manager")
    pool = facts.pool
    if pool is None:
        return Verdict(Reason.NO_DEFAULT_POOL, "no default subnet pool is defined "
                       "(novanet-manage subnet-pool create NAME --prefix CIDR --default-prefixlen N --default)")
    prefix = carve(pool.prefixes, pool.default_prefixlen, facts.used_cidrs)
    if prefix is None:
        return Verdict(Reason.POOL_EXHAUSTED, f"subnet pool {pool.name} ({', '.join(pool.prefixes)}) has no "
                       f"free /{pool.default_prefixlen} left; add a prefix to it")
    vlan = choose_vlan(facts.vlan_start, facts.vlan_end, facts.used_vlans, facts.used_bridges)
    if vlan is None:
        return Verdict(Reason.NO_VLAN_IDS, f"every VLAN from {facts.vlan_start} to {facts.vlan_end} is in use "
                       "([auto_allocate] vlan_start, vlan_end)")
    egress = facts.egress
    if egress is None:
        return Verdict(Reason.NO_DEFAULT_EGRESS, "no default egress is defined "
                       "(novanet-manage egress create NAME --public-interface IF --snat-source IP --default)")
    if facts.interface_present is False:
        return Verdict(Reason.EGRESS_INTERFACE_MISSING, f"the public interface {egress.public_interface} of "
                       f"egress {egress.name} does not exist on this network host")
    return Verdict(None, f"a network {prefix} on VLAN {vlan} would be built", prefix=prefix, vlan=vlan)
