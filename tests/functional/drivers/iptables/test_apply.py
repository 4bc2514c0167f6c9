"""The firewall against real iptables in fresh namespaces, for every backend.

Converge, restart, stale chains, coexistence with other tools' rules (text,
order and counters), and the canonical spelling the restart comparison
relies on.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

import pytest

from novanet import exception
from novanet.drivers.base import FloatingForward, NetworkSpec
from novanet.drivers.iptables import IptablesFirewall, builders
from novanet.drivers.iptables.model import ChainSpec, RuleSpec
from tests.fixtures.netns import Namespace
from tests.functional.drivers.iptables.conftest import KINDS, save
from tests.unit.drivers.iptables.test_ruletext import CANONICAL_V4

pytestmark = pytest.mark.root

P = "novanet-network-"
CFG = builders.RuleConfig(routing_source_ip="192.168.50.1", public_interface="eth0", metadata_host="192.168.50.1",
                          dmz_cidr=("10.128.0.0/24",), forward_bridge_interface=("eth0",), drop_action="REJECT")
NET = NetworkSpec(id=1, uuid="u-1", label="private", bridge="br100", cidr="10.0.0.0/24", gateway="10.0.0.1",
                  dhcp_server="10.0.0.1", project_id="p1")
NET2 = NetworkSpec(id=2, uuid="u-2", label="other", bridge="br101", cidr="10.0.1.0/24", gateway="10.0.1.1",
                   dhcp_server="10.0.1.1", project_id="p2")

Build = Callable[..., IptablesFirewall]


def populate(firewall: IptablesFirewall, floating_count: int = 3, extra: bool = False) -> None:
    with firewall.defer_apply():
        if extra:  # a chain of ours hooked straight into a built-in chain
            firewall.ensure("extra", (ChainSpec("filter", "extra"), RuleSpec("filter", "extra", "-j RETURN"),
                                     RuleSpec("filter", "INPUT", "-p udp -j $extra", wrap=False)))
        for net in (NET, NET2):
            firewall.ensure(builders.network_tag(net), builders.network_rules(net, CFG))
        firewall.ensure("metadata", builders.metadata_forward_rules(CFG) + builders.metadata_accept_rules(CFG))
        firewall.ensure(builders.ISOLATION_TAG, builders.project_isolation_rules([NET, NET2], CFG))
        for index in range(floating_count):
            forward = FloatingForward(f"172.24.4.{index + 10}", f"10.0.0.{index + 3}", "eth0")
            firewall.ensure(builders.floating_tag(forward.floating), builders.floating_forward_rules(forward, CFG))


FOREIGN = """*filter
:OTHER-TOOL - [0:0]
-I INPUT 1 -i lo -p udp -m udp --dport 9 -j ACCEPT
-A FORWARD -j OTHER-TOOL
-A FORWARD -s 10.9.9.0/24 -j ACCEPT
-A OUTPUT -o lo -p udp -m udp --dport 9 -j ACCEPT
-A OTHER-TOOL -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT
-A OTHER-TOOL -j RETURN
COMMIT
*nat
:OTHER-NAT - [0:0]
-A PREROUTING -j OTHER-NAT
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A OTHER-NAT -d 1.2.3.4/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.2:80
COMMIT
"""


def by_table(text: str) -> dict[str, str]:
    """iptables-save output split into its table blocks."""
    return {block.split("\n", 1)[0][1:]: block for block in text.split("COMMIT\n") if block.startswith("*")}


def foreign_view(text: str) -> list[str]:
    """Lines that are not novanet's, counters stripped (order kept)."""
    return [re.sub(r"^\[\d+:\d+\] ", "", line) for line in text.splitlines()
            if "novanet" not in line and not line.startswith(":")]


COUNTED = "-A OUTPUT -o lo -p udp -m udp --dport 9 -j ACCEPT"


def send_udp(ns: Namespace, count: int) -> None:
    """``count`` UDP datagrams to 127.0.0.1:9 (the discard port) from ``ns``."""
    ns.run([sys.executable, "-c", "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"for _ in range({count}): s.sendto(b'x', ('127.0.0.1', 9))"])


def counter(text: str, rule: str) -> int:
    """Packet counter of ``rule`` in ``iptables-save -c`` output."""
    for line in text.splitlines():
        if line.endswith(rule):
            return int(line[1:].split(":")[0])
    raise AssertionError(f"{rule!r} not found")


@pytest.mark.parametrize("kind", list(KINDS))
def test_converge_restart_and_stale_chains(kind: str, netns: Namespace, firewalls: Build) -> None:
    variant = KINDS[kind][1]
    first = firewalls(kind, netns, debug=True)  # debug: every apply re-reads and checks convergence
    populate(first, extra=True)
    assert first.stats.full_syncs == 1
    layout = save(netns, variant)
    blocks = by_table(layout)
    for table, jump in (("filter", "-A FORWARD -j novanet-filter-top"), ("filter", f"-A FORWARD -j {P}FORWARD"),
                        ("filter", f"-A INPUT -j {P}INPUT"), ("nat", f"-A PREROUTING -j {P}PREROUTING"),
                        ("mangle", f"-A PREROUTING -j {P}PREROUTING"),
                        ("nat", "-A POSTROUTING -j novanet-postrouting-bottom"),
                        ("nat", f"-A novanet-postrouting-bottom -j {P}snat"), ("nat", f"-A {P}snat -j {P}float-snat")):
        assert blocks[table].count(jump + "\n") == 1, jump
    assert f"-A {P}fip-dnat-0a -d 172.24.4.10/32 -j DNAT --to-destination 10.0.0.3\n" in layout

    # a restart with the same model reads once and writes nothing
    assert blocks["filter"].count(f"-A INPUT -p udp -j {P}extra\n") == 1
    second = firewalls(kind, netns)
    populate(second, extra=True)
    assert (second.stats.saves, second.stats.restores) == (1, 0)
    assert save(netns, variant) == layout

    # a restart without two floating IPs and a network removes their chains and rules
    third = firewalls(kind, netns, debug=True)
    with third.defer_apply():
        third.ensure(builders.network_tag(NET), builders.network_rules(NET, CFG))
        forward = FloatingForward("172.24.4.10", "10.0.0.3", "eth0")
        third.ensure("f", builders.floating_forward_rules(forward, CFG))
    after = save(netns, variant)
    assert "172.24.4.11" not in after and "br101" not in after and f"{P}isolation" not in after
    assert f"{P}extra" not in after  # deleted from INPUT (-D) and removed (-X)
    assert f":{P}fip-dnat-0b" not in after and f":{P}fip-dnat-0a" in after
    assert by_table(after)["filter"].count(f"-A FORWARD -j {P}FORWARD\n") == 1


@pytest.mark.parametrize("kind", list(KINDS))
def test_foreign_rules_survive_100_applies_and_a_restart(kind: str, netns: Namespace, firewalls: Build) -> None:
    variant = KINDS[kind][1]
    netns.run([f"iptables-{variant}-restore", "--noflush"], input=FOREIGN)
    send_udp(netns, 3)
    before = save(netns, variant, counters=True)
    hits = counter(before, COUNTED)
    assert hits >= 3

    firewall = firewalls(kind, netns)
    populate(firewall, floating_count=0)
    for index in range(100):
        forward = FloatingForward(f"172.24.{index // 200}.{index % 200 + 1}", f"10.0.0.{index % 200 + 2}", "eth0")
        firewall.ensure(builders.floating_tag(forward.floating), builders.floating_forward_rules(forward, CFG))
        firewall.apply()
    assert firewall.stats.applies == 101
    restarted = firewalls(kind, netns)
    populate(restarted, floating_count=0)  # the floating IPs are gone in this model

    after = save(netns, variant, counters=True)
    for table in ("filter", "nat"):
        assert foreign_view(by_table(after)[table]) == foreign_view(by_table(before)[table])
    assert counter(after, COUNTED) >= hits  # counters were not reset
    forward_chain = [line for line in after.splitlines() if " -A FORWARD " in line or line.startswith("-A FORWARD")]
    assert [re.sub(r"^\[\d+:\d+\] ", "", line) for line in forward_chain] == [
        "-A FORWARD -j novanet-filter-top", f"-A FORWARD -j {P}FORWARD", "-A FORWARD -j OTHER-TOOL",
        "-A FORWARD -s 10.9.9.0/24 -j ACCEPT"]
    assert "172.24.0." not in after


@pytest.mark.parametrize("variant", ["nft", "legacy"])
def test_canonical_spelling_matches_iptables_save(variant: str, netns: Namespace) -> None:
    """What ruletext.canonical() prints is what iptables-save prints."""
    tables = {"filter": [], "nat": [], "mangle": []}  # type: dict[str, list[tuple[str, str]]]
    for text, expected in CANONICAL_V4:
        table = "nat" if re.search(r"-j (DNAT|SNAT|REDIRECT)", text) else (
            "mangle" if re.search(r"-j (MARK|CHECKSUM)", text) else "filter")
        tables[table].append((text, expected))
    lines = []
    for table, rules in tables.items():
        lines += [f"*{table}", ":w - [0:0]", ":foo - [0:0]", ":w2 - [0:0]"]
        lines += [f"-A w {text}" for text, _ in rules] + ["COMMIT"]
    netns.run([f"iptables-{variant}-restore", "--noflush"], input="\n".join(lines) + "\n")
    blocks = by_table(save(netns, variant))
    for table, rules in tables.items():
        got = [line[len("-A w "):] for line in blocks[table].splitlines() if line.startswith("-A w ")]
        assert got == [expected for _, expected in rules]


@pytest.mark.parametrize("kind", ["nft", "python-iptables"])
def test_refused_rule_names_the_offending_line(kind: str, netns: Namespace, firewalls: Build) -> None:
    firewall = firewalls(kind, netns)
    firewall.apply()
    firewall.ensure("bad", (ChainSpec("filter", "bad"), RuleSpec("filter", "bad", "-j NO-SUCH-CHAIN")))
    with pytest.raises(exception.ProcessExecutionError, match=r"offending line \d+: -A novanet-network-bad "
                                                              r"-j NO-SUCH-CHAIN"):
        firewall.apply()
    assert firewall.stats.failures == 2  # the incremental apply and its full-converge retry
    firewall.remove("bad")
    firewall.apply()
    assert f"{P}bad" not in save(netns, KINDS[kind][1])
