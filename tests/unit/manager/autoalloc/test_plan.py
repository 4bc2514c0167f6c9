"""The pure checks and carving of auto-allocation."""

from __future__ import annotations

import dataclasses
import random

import netaddr
import pytest

from novanet.manager.autoalloc import plan
from novanet.manager.autoalloc.plan import AutoFacts, EgressFacts, PoolFacts, Reason

POOL = PoolFacts(1, "auto", ("10.128.0.0/24",), 26, 0)
EGRESS = EgressFacts(1, "out", "pub0", "172.24.4.1")
READY = AutoFacts(project_id="p", enabled=True, can_build=True, pool=POOL, egress=EGRESS, interface_present=True)


def test_carve_takes_the_lowest_free_aligned_block() -> None:
    assert str(plan.carve(["10.0.0.0/24"], 26, [])) == "10.0.0.0/26"
    assert str(plan.carve(["10.0.0.0/24"], 26, ["10.0.0.0/26"])) == "10.0.0.64/26"
    # A small used range in the middle of a block disqualifies the whole block.
    assert str(plan.carve(["10.0.0.0/24"], 26, ["10.0.0.0/26", "10.0.0.70/31"])) == "10.0.0.128/26"
    # A larger network covering part of the pool.
    assert str(plan.carve(["10.0.0.0/23"], 26, ["10.0.0.0/24"])) == "10.0.1.0/26"
    # Networks outside the pool do not matter; prefixes are used in their order.
    assert str(plan.carve(["10.9.0.0/24", "10.0.0.0/24"], 26, ["192.168.0.0/16", "10.9.0.0/24"])) == "10.0.0.0/26"
    # Full, or a prefix length the pool cannot hold.
    assert plan.carve(["10.0.0.0/25"], 26, ["10.0.0.0/26", "10.0.0.64/26"]) is None
    assert plan.carve(["10.0.0.0/26"], 24, []) is None
    # A network that covers the whole pool.
    assert plan.carve(["10.0.0.0/24"], 26, ["10.0.0.0/8"]) is None


def test_carve_agrees_with_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(200):
        used = []
        for _ in range(rng.randrange(0, 6)):
            length = rng.randrange(24, 31)
            base = netaddr.IPAddress("10.0.0.0").value + rng.randrange(0, 512)
            used.append(str(netaddr.IPNetwork(f"{netaddr.IPAddress(base)}/{length}").cidr))
        prefixlen = rng.randrange(25, 29)
        expected = next((block for block in netaddr.IPNetwork("10.0.0.0/23").subnet(prefixlen)
                         if not any(block in netaddr.IPNetwork(u) or netaddr.IPNetwork(u) in block for u in used)),
                        None)
        assert plan.carve(["10.0.0.0/23"], prefixlen, used) == expected, (used, prefixlen)
        count = sum(1 for block in netaddr.IPNetwork("10.0.0.0/23").subnet(prefixlen)
                    if not any(block in netaddr.IPNetwork(u) or netaddr.IPNetwork(u) in block for u in used))
        assert plan.free_block_count(["10.0.0.0/23"], prefixlen, used) == count


def test_carve_is_cheap_in_a_huge_pool() -> None:
    used = [str(net) for net in list(netaddr.IPNetwork("10.0.0.0/16").subnet(26))]
    assert str(plan.carve(["10.0.0.0/8"], 26, used)) == "10.1.0.0/26"
    assert plan.free_block_count(["10.0.0.0/8"], 26, used, limit=10) == 10


def test_choose_vlan_skips_used_numbers_and_bridges() -> None:
    assert plan.choose_vlan(100, 4094, frozenset(), frozenset()) == 100
    assert plan.choose_vlan(100, 4094, frozenset({100, 101}), frozenset({"br102"})) == 103
    assert plan.choose_vlan(100, 101, frozenset({100, 101}), frozenset()) is None


@pytest.mark.parametrize(("change", "reason"), [
    ({"candidates": ("a", "b")}, Reason.AMBIGUOUS),
    ({"enabled": False}, Reason.DISABLED),
    ({"can_build": False}, Reason.MANAGER_UNSUPPORTED),
    ({"pool": None}, Reason.NO_DEFAULT_POOL),
    ({"used_cidrs": ("10.128.0.0/24",)}, Reason.POOL_EXHAUSTED),
    ({"vlan_start": 5, "vlan_end": 6, "used_vlans": frozenset({5, 6})}, Reason.NO_VLAN_IDS),
    ({"egress": None}, Reason.NO_DEFAULT_EGRESS),
    ({"interface_present": False}, Reason.EGRESS_INTERFACE_MISSING),
])
def test_each_check_names_its_reason(change: dict[str, object], reason: Reason) -> None:
    verdict = plan.evaluate(dataclasses.replace(READY, **change))  # type: ignore[arg-type]
    assert verdict.reason is reason and not verdict.ok
    assert verdict.detail


def test_the_checks_run_in_order_and_a_single_network_wins() -> None:
    broken = dataclasses.replace(READY, pool=None, egress=None, can_build=False)
    assert plan.evaluate(broken).reason is Reason.MANAGER_UNSUPPORTED
    # The one network the project can use is used, even when nothing else is set up.
    verdict = plan.evaluate(dataclasses.replace(broken, enabled=False, candidates=("net-1",)))
    assert verdict.ok and verdict.use_network == "net-1"
    ready = plan.evaluate(dataclasses.replace(READY, interface_present=None))
    assert ready.ok and str(ready.prefix) == "10.128.0.0/26" and ready.vlan == 100
