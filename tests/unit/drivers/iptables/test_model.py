"""The in-memory model: names, $ rewriting, duplicates, owners, changes."""

from __future__ import annotations

import pytest

from novanet.drivers.iptables import model


@pytest.fixture
def nat() -> model.IptablesTable:
    table = model.IptablesTable("nat", 4, "novanet-network")
    table.take_changes()
    return table


def test_binary_name_truncated_so_postrouting_fits() -> None:
    name = model.binary_name("novanet-network-extra-long-name")
    assert name == "novanet-network-"[:16] and len(name) == 16
    table = model.IptablesTable("nat", 4, "a" * 40)
    assert len(table.wrap("POSTROUTING")) == 28


@pytest.mark.parametrize("bad", ["", "has space", "novanet", "-x"])
def test_binary_name_rejects_bad_names(bad: str) -> None:
    with pytest.raises(ValueError):
        model.binary_name(bad)


def test_wrap_rejects_chain_names_over_28(nat: model.IptablesTable) -> None:
    assert nat.wrap("fip-dnat-ff") == "novanet-network-fip-dnat-ff"
    with pytest.raises(ValueError, match="28"):
        nat.add_chain("thirteen-char")


def test_dollar_tokens_are_wrapped(nat: model.IptablesTable) -> None:
    nat.add_chain("snat")
    nat.add_chain("float-snat")
    nat.add_rule("snat", "-j $float-snat")
    assert nat.rules("snat") == ("-j novanet-network-float-snat",)
    nat.add_rule("POSTROUTING", "-j $snat", wrap=False)
    assert nat.render_chain("POSTROUTING") == ("-j novanet-network-snat",)


def test_identical_rule_is_skipped_and_order_is_top_first(nat: model.IptablesTable) -> None:
    nat.add_chain("PREROUTING")
    assert nat.add_rule("PREROUTING", "-d 1.1.1.1/32 -j ACCEPT")
    assert not nat.add_rule("PREROUTING", "-d 1.1.1.1/32   -j ACCEPT")  # same after whitespace
    assert nat.add_rule("PREROUTING", "-d 2.2.2.2/32 -j ACCEPT", top=True)
    assert nat.add_rule("PREROUTING", "-d 3.3.3.3/32 -j ACCEPT")
    assert nat.rules("PREROUTING") == ("-d 2.2.2.2/32 -j ACCEPT", "-d 1.1.1.1/32 -j ACCEPT",
                                       "-d 3.3.3.3/32 -j ACCEPT")


def test_unknown_chains_raise(nat: model.IptablesTable) -> None:
    with pytest.raises(ValueError, match="Unknown chain"):
        nat.add_rule("nope", "-j ACCEPT")
    with pytest.raises(ValueError, match="Unknown unwrapped chain"):
        nat.add_rule("nope", "-j ACCEPT", wrap=False)
    with pytest.raises(ValueError, match="wrapped"):
        nat.add_rule("novanet-network-x", "-j ACCEPT", wrap=False)


def test_remove_rule_and_missing_rule_warns(nat: model.IptablesTable) -> None:
    nat.add_chain("OUTPUT")
    nat.add_rule("OUTPUT", "-d 1.1.1.1/32 -j ACCEPT")
    assert nat.remove_rule("OUTPUT", "-d 1.1.1.1/32 -j ACCEPT")
    assert not nat.remove_rule("OUTPUT", "-d 1.1.1.1/32 -j ACCEPT")
    assert nat.rules("OUTPUT") == ()


def test_remove_rules_regex_counts(nat: model.IptablesTable) -> None:
    nat.add_chain("PREROUTING")
    nat.add_chain("OUTPUT")
    for chain in ("PREROUTING", "OUTPUT"):
        nat.add_rule(chain, "-d 172.24.4.5/32 -j DNAT --to-destination 10.0.0.3")
        nat.add_rule(chain, "-d 172.24.4.50/32 -j DNAT --to-destination 10.0.0.4")
    removed = nat.remove_rules_regex(r".*\s+172\.24\.4\.5(/32|\s+|$)")
    assert removed == 2
    assert nat.rules("OUTPUT") == ("-d 172.24.4.50/32 -j DNAT --to-destination 10.0.0.4",)


def test_empty_chain(nat: model.IptablesTable) -> None:
    nat.add_chain("OUTPUT")
    nat.add_rule("OUTPUT", "-j ACCEPT")
    nat.add_rule("OUTPUT", "-j RETURN", top=True)
    nat.empty_chain("OUTPUT")
    assert nat.rules("OUTPUT") == () and nat.has_chain("OUTPUT")


def test_remove_chain_cascades_to_jumps(nat: model.IptablesTable) -> None:
    nat.add_chain("PREROUTING")
    nat.add_chain("bucket")
    nat.add_rule("bucket", "-d 1.1.1.1/32 -j DNAT --to-destination 10.0.0.1")
    nat.add_rule("PREROUTING", "-d 0.0.0.1/0.0.0.255 -j $bucket")
    nat.add_rule("PREROUTING", "-j ACCEPT")
    nat.add_rule("PREROUTING", "-j $bucket", wrap=False)
    nat.take_changes()
    nat.remove_chain("bucket")
    assert not nat.has_chain("bucket")
    assert nat.rules("PREROUTING") == ("-j ACCEPT",)
    assert nat.render_chain("PREROUTING") == ()
    changes = nat.take_changes()
    assert changes.removed == {"novanet-network-bucket"}
    assert changes.changed == {"novanet-network-PREROUTING"}
    assert changes.unwrapped == {"PREROUTING"}
    assert changes.unwrapped_removed == {("PREROUTING", "-j novanet-network-bucket")}


def test_changes_track_wrapped_and_unwrapped(nat: model.IptablesTable) -> None:
    nat.add_chain("snat")
    nat.add_chain(model.POSTROUTING_BOTTOM, wrap=False)
    changes = nat.take_changes()
    assert changes.changed == {"novanet-network-snat"}
    assert changes.unwrapped == {model.POSTROUTING_BOTTOM}
    assert not nat.take_changes()
    nat.add_rule("snat", "-j ACCEPT")
    assert nat.take_changes().changed == {"novanet-network-snat"}
    assert not nat.pending_unwrapped()
    nat.add_rule("POSTROUTING", f"-j {model.POSTROUTING_BOTTOM}", wrap=False)
    assert nat.pending_unwrapped()


def test_owners_share_rules_until_the_last_release(nat: model.IptablesTable) -> None:
    nat.add_chain("bucket", owner="a")
    nat.add_chain("bucket", owner="b")
    nat.add_rule("bucket", "-j ACCEPT", owner="a")
    nat.add_rule("bucket", "-j ACCEPT", owner="b")
    nat.release_rule("bucket", "-j ACCEPT", True, False, "a")
    assert nat.rules("bucket") == ("-j ACCEPT",)
    nat.release_rule("bucket", "-j ACCEPT", True, False, "b")
    assert nat.rules("bucket") == ()
    nat.release_chain("bucket", True, "a")
    assert nat.has_chain("bucket")
    nat.release_chain("bucket", True, "b")
    assert not nat.has_chain("bucket")


def test_on_change_callback_counts_mutations() -> None:
    calls: list[int] = []
    table = model.IptablesTable("filter", 4, on_change=lambda: calls.append(1))
    table.add_chain("INPUT")
    table.add_rule("INPUT", "-j ACCEPT")
    table.add_rule("INPUT", "-j ACCEPT")  # duplicate: no change
    assert len(calls) == 2


def test_render_lists_chains_and_rules() -> None:
    table = model.IptablesTable("filter", 4)
    table.add_chain("INPUT")
    table.add_rule("INPUT", "-j $INPUT", wrap=False)
    text = table.render()
    assert ":novanet-network-INPUT - [0:0]" in text
    assert "-A INPUT -j novanet-network-INPUT" in text
    assert text.startswith("*filter\n") and text.endswith("COMMIT\n")
