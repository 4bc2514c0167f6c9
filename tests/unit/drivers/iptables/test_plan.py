"""Planning restore text: changed chains only, unwrapped edits, full converge."""

from __future__ import annotations

from novanet.drivers.iptables import model
from novanet.drivers.iptables import plan as planner
from novanet.drivers.iptables.savefile import parse_save

P = "novanet-network-"
OURS = [f"-j {P}FORWARD"]


def test_unwrapped_nothing_to_do_when_ours_are_in_order() -> None:
    live = ["-j DOCKER-USER", f"-j {model.FILTER_TOP}", f"-j {P}FORWARD", "-j DOCKER"]
    desired = [f"-j {model.FILTER_TOP}", f"-j {P}FORWARD"]
    assert planner.unwrapped_edits("FORWARD", live, desired, P) == []


def test_unwrapped_inserts_at_top_when_missing() -> None:
    assert planner.unwrapped_edits("FORWARD", ["-j DOCKER"], OURS, P) == [f"-I FORWARD 1 -j {P}FORWARD"]


def test_unwrapped_duplicates_and_stale_rules_are_deleted() -> None:
    live = [f"-j {P}FORWARD", "-j DOCKER", f"-j {P}FORWARD", f"-j {P}old"]
    assert planner.unwrapped_edits("FORWARD", live, OURS, P) == [
        f"-D FORWARD -j {P}FORWARD", f"-D FORWARD -j {P}old"]


def test_unwrapped_missing_rule_re_places_the_block() -> None:
    desired = [f"-j {model.FILTER_TOP}", f"-j {P}FORWARD"]
    live = ["-j DOCKER", f"-j {P}FORWARD"]
    assert planner.unwrapped_edits("FORWARD", live, desired, P) == [
        f"-D FORWARD -j {P}FORWARD", f"-I FORWARD 1 -j {model.FILTER_TOP}", f"-I FORWARD 2 -j {P}FORWARD"]


def test_unwrapped_wrong_order_is_fixed() -> None:
    desired = [f"-j {P}POSTROUTING", f"-j {model.POSTROUTING_BOTTOM}"]
    live = [f"-j {model.POSTROUTING_BOTTOM}", "-j MASQ", f"-j {P}POSTROUTING"]
    edits = planner.unwrapped_edits("POSTROUTING", live, desired, P)
    assert edits == [f"-D POSTROUTING -j {model.POSTROUTING_BOTTOM}", f"-D POSTROUTING -j {P}POSTROUTING",
                     f"-I POSTROUTING 1 -j {P}POSTROUTING", f"-I POSTROUTING 2 -j {model.POSTROUTING_BOTTOM}"]


def test_unwrapped_foreign_rules_between_ours_are_tolerated() -> None:
    desired = [f"-j {model.FILTER_TOP}", f"-j {P}FORWARD"]
    live = [f"-j {model.FILTER_TOP}", "-j sibling-FORWARD", f"-j {P}FORWARD"]
    assert planner.unwrapped_edits("FORWARD", live, desired, P) == []


def test_unwrapped_removed_shared_rules_are_deleted() -> None:
    live = [f"-j {model.FILTER_TOP}", "-j ACCEPT", f"-j {model.FILTER_TOP}"]
    edits = planner.unwrapped_edits("OUTPUT", live, [], P, removed=[f"-j {model.FILTER_TOP}"])
    assert edits == [f"-D OUTPUT -j {model.FILTER_TOP}"] * 2


def test_top_regex_keeps_pinned_foreign_rules_above_ours() -> None:
    placement = planner.Placement.from_regexes(top=r"DOCKER-USER")
    live = ["-j KUBE", "-j DOCKER-USER", "-j OTHER"]
    assert planner.unwrapped_edits("FORWARD", live, OURS, P, placement) == [f"-I FORWARD 3 -j {P}FORWARD"]
    # already below the pinned rule: fine; above it: moved below
    assert planner.unwrapped_edits("FORWARD", ["-j DOCKER-USER", f"-j {P}FORWARD"], OURS, P, placement) == []
    assert planner.unwrapped_edits("FORWARD", [f"-j {P}FORWARD", "-j DOCKER-USER"], OURS, P, placement) == [
        f"-D FORWARD -j {P}FORWARD", f"-I FORWARD 2 -j {P}FORWARD"]


def test_bottom_regex_keeps_pinned_foreign_rules_below_ours() -> None:
    placement = planner.Placement.from_regexes(bottom=r"-j LAST")
    assert planner.unwrapped_edits("FORWARD", ["-j LAST", f"-j {P}FORWARD"], OURS, P, placement) == [
        f"-D FORWARD -j {P}FORWARD", f"-I FORWARD 1 -j {P}FORWARD"]
    assert planner.unwrapped_edits("FORWARD", [f"-j {P}FORWARD", "-j LAST"], OURS, P, placement) == []


def _table() -> model.IptablesTable:
    table = model.IptablesTable("nat", 4)
    table.add_chain("PREROUTING")
    table.add_rule("PREROUTING", "-j $PREROUTING", wrap=False)
    table.add_chain("float")
    table.add_rule("float", "-d 1.1.1.1/32 -j DNAT --to-destination 10.0.0.1")
    return table


def test_plan_changes_writes_only_changed_chains() -> None:
    table = _table()
    table.take_changes()
    applied = {f"{P}PREROUTING": (), f"{P}float": ("-d 1.1.1.1/32 -j DNAT --to-destination 10.0.0.1",)}
    table.add_rule("float", "-d 2.2.2.2/32 -j DNAT --to-destination 10.0.0.2")
    result = planner.plan_changes(table, table.take_changes(), applied, None)
    assert result.text() == (
        f"*nat\n:{P}float - [0:0]\n"
        f"-A {P}float -d 1.1.1.1/32 -j DNAT --to-destination 10.0.0.1\n"
        f"-A {P}float -d 2.2.2.2/32 -j DNAT --to-destination 10.0.0.2\nCOMMIT\n")
    assert result.applied[f"{P}float"][-1].startswith("-d 2.2.2.2")


def test_plan_changes_skips_chains_whose_content_came_back() -> None:
    table = _table()
    table.take_changes()
    applied = {f"{P}float": ("-d 1.1.1.1/32 -j DNAT --to-destination 10.0.0.1",)}
    table.remove_rule("float", "-d 1.1.1.1/32 -j DNAT --to-destination 10.0.0.1")
    table.add_rule("float", "-d 1.1.1.1/32 -j DNAT --to-destination 10.0.0.1")
    result = planner.plan_changes(table, table.take_changes(), applied, None)
    assert not result and result.text() == ""


def test_plan_changes_drops_removed_chain_after_references() -> None:
    table = _table()
    table.add_rule("PREROUTING", "-j $float")
    table.take_changes()
    applied = {f"{P}PREROUTING": (f"-j {P}float",), f"{P}float": ("x",)}
    table.remove_chain("float")
    result = planner.plan_changes(table, table.take_changes(), applied, None)
    assert result.text() == (f"*nat\n:{P}PREROUTING - [0:0]\n:{P}float - [0:0]\n-X {P}float\nCOMMIT\n")
    assert result.dropped == {f"{P}float"}


def test_plan_changes_needs_live_for_unwrapped_edits() -> None:
    table = _table()
    try:
        planner.plan_changes(table, table.take_changes(), {}, None)
    except ValueError as exc:
        assert "live table" in str(exc)
    else:
        raise AssertionError("expected ValueError")


LIVE = f"""*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:{P}PREROUTING - [0:0]
:{P}float - [0:0]
:{P}stale - [0:0]
:{P}stale2 - [0:0]
:{P}held - [0:0]
:FOREIGN - [0:0]
-A PREROUTING -j FOREIGN
-A PREROUTING -j {P}PREROUTING
-A PREROUTING -j {P}stale
-A POSTROUTING -j MASQUERADE
-A {P}float -d 1.1.1.1/32 -j DNAT --to-destination 10.0.0.1
-A {P}stale -j {P}stale2
-A FOREIGN -j {P}held
COMMIT
"""


def test_plan_full_converges_and_keeps_foreign_rules() -> None:
    table = _table()
    live = parse_save(LIVE)["nat"]
    result = planner.plan_full(table, live)
    # identical chains are not rewritten; the stale ones go; the one a
    # foreign chain still jumps to is flushed but kept.
    assert result.declare == [f"{P}stale", f"{P}stale2", f"{P}held"]
    assert result.rules == []
    assert result.edits == [f"-D PREROUTING -j {P}stale"]  # our jump stays after FOREIGN
    assert result.delete == [f"{P}stale", f"{P}stale2"]
    assert set(result.applied) == {f"{P}PREROUTING", f"{P}float"}
    assert "MASQUERADE" not in result.text() and "FOREIGN" not in result.text()


def test_plan_full_compares_canonically() -> None:
    table = model.IptablesTable("nat", 4)
    table.add_chain("float")
    table.add_rule("float", "-d 1.1.1.1 -j DNAT --to 10.0.0.1")  # nova spelling
    live = parse_save(LIVE)["nat"]
    result = planner.plan_full(table, live)
    assert f"{P}float" not in result.declare


def test_plan_full_on_empty_kernel_creates_everything() -> None:
    table = _table()
    table.add_chain(model.POSTROUTING_BOTTOM, wrap=False)
    table.add_rule("POSTROUTING", f"-j {model.POSTROUTING_BOTTOM}", wrap=False)
    result = planner.plan_full(table, parse_save("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n")["nat"])
    assert result.text() == (
        f"*nat\n:{P}PREROUTING - [0:0]\n:{P}float - [0:0]\n:{model.POSTROUTING_BOTTOM} - [0:0]\n"
        f"-A {P}float -d 1.1.1.1/32 -j DNAT --to-destination 10.0.0.1\n"
        f"-I POSTROUTING 1 -j {model.POSTROUTING_BOTTOM}\n-I PREROUTING 1 -j {P}PREROUTING\nCOMMIT\n")
