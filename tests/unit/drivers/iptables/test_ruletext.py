"""Rule text canonicalisation and iptables-save parsing."""

from __future__ import annotations

import pytest

from novanet.drivers.iptables import ruletext
from novanet.drivers.iptables.savefile import parse_save, rule_count

# (input, what iptables-save 1.8.9 prints for it: checked against the real
# tools, nft and legacy, in tests/functional/drivers/iptables/test_restore.py)
CANONICAL_V4 = [
    ("-s 10.0.0.3 -j SNAT --to 100.64.0.1 -d 10.0.0.3",
     "-s 10.0.0.3/32 -d 10.0.0.3/32 -j SNAT --to-source 100.64.0.1"),
    ("-s 10.0.0.3 -j SNAT --to 100.64.0.1 -o eth0", "-s 10.0.0.3/32 -o eth0 -j SNAT --to-source 100.64.0.1"),
    ("-s 0.0.0.0/0 -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8775",
     "-d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8775"),
    ("-s 0.0.0.0/0 -d 169.254.169.254 -p tcp --dport 80 -j DNAT --to-destination 10.1.1.1:8775",
     "-d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.1.1.1:8775"),
    ("-d 1.2.3.4 -p udp --dport 1194 -j DNAT --to 10.0.0.2:1194",
     "-d 1.2.3.4/32 -p udp -m udp --dport 1194 -j DNAT --to-destination 10.0.0.2:1194"),
    ("-p tcp -m tcp --dport 8775 -d 10.1.1.1 -j ACCEPT", "-d 10.1.1.1/32 -p tcp -m tcp --dport 8775 -j ACCEPT"),
    ("-s 10.0.0.0/24 -d 0.0.0.0/0 -j SNAT --to-source 192.168.1.1 -o eth0",
     "-s 10.0.0.0/24 -o eth0 -j SNAT --to-source 192.168.1.1"),
    ("-s 10.0.0.5/255.255.255.0 -p 17 -j DROP", "-s 10.0.0.0/24 -p udp -j DROP"),
    ("-d 0.0.0.7/0.0.0.255 -j foo", "-d 0.0.0.7/0.0.0.255 -j foo"),
    ("-m conntrack --ctstate DNAT,ESTABLISHED,NEW -j ACCEPT", "-m conntrack --ctstate NEW,ESTABLISHED,DNAT -j ACCEPT"),
    ("-s 10.0.0.0/24 -d 10.0.0.0/24 -m conntrack ! --ctstate DNAT -j ACCEPT",
     "-s 10.0.0.0/24 -d 10.0.0.0/24 -m conntrack ! --ctstate DNAT -j ACCEPT"),
    ("-m mark --mark 5 -j MARK --set-mark 7", "-m mark --mark 0x5 -j MARK --set-xmark 0x7/0xffffffff"),
    ("-i br101 -j MARK --set-mark 0x20000/0xfff0000", "-i br101 -j MARK --set-xmark 0x20000/0xfff0000"),
    ("-m addrtype ! --dst-type LOCAL --src-type LOCAL -j RETURN",
     "-m addrtype --src-type LOCAL ! --dst-type LOCAL -j RETURN"),
    ("-m comment --comment foo -j ACCEPT", "-m comment --comment foo -j ACCEPT"),
    ('-m comment --comment "hello world" -j ACCEPT', '-m comment --comment "hello world" -j ACCEPT'),
    ("-i br100 -j REJECT", "-i br100 -j REJECT --reject-with icmp-port-unreachable"),
    ("! -i br100 -o br100 -j ACCEPT", "! -i br100 -o br100 -j ACCEPT"),
    ("-p udp --sport 67:68 --dport 53 -j ACCEPT", "-p udp -m udp --sport 67:68 --dport 53 -j ACCEPT"),
    ("-o br100 -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill",
     "-o br100 -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill"),
    ("-g w2", "-g w2"),
    ("-p icmp -j ACCEPT", "-p icmp -j ACCEPT"),
    ("-p all -j ACCEPT", "-j ACCEPT"),
]


@pytest.mark.parametrize(("text", "expected"), CANONICAL_V4)
def test_canonical_v4(text: str, expected: str) -> None:
    assert ruletext.canonical(text, 4) == expected


@pytest.mark.parametrize(("text", "expected"), CANONICAL_V4)
def test_canonical_is_a_fixed_point(text: str, expected: str) -> None:
    assert ruletext.canonical(expected, 4) == expected


def test_canonical_v6() -> None:
    assert ruletext.canonical("-s fd00::5/64 -d ::1 -p tcp -m tcp --dport 80 -j REJECT", 6) == (
        "-s fd00::/64 -d ::1/128 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp6-port-unreachable")
    assert ruletext.canonical("-s ::/0 -j ACCEPT", 6) == "-j ACCEPT"


@pytest.mark.parametrize("text", [
    "-j LOG --log-prefix x",          # unknown target option
    "-m multiport --dports 1,2 -j ACCEPT",  # unknown match
    "-p tcp --dport http -j ACCEPT",  # named port
    "--dport 80 -j ACCEPT",           # option outside a match
    "-s 10.0.0.1 -s 10.0.0.2 -j ACCEPT",
    "-s fd00::1 -j ACCEPT",           # wrong family
    "-j foo --bar 1",                 # options for a chain jump
    "-m conntrack --ctstate BOGUS -j ACCEPT",
    "-j ACCEPT -j DROP",
])
def test_unsupported_rules_raise_and_canonical_falls_back(text: str) -> None:
    with pytest.raises(ruletext.UnsupportedRule):
        ruletext.parse_rule(text, 4)
    assert ruletext.canonical("  " + text.replace(" ", "   ") + " ", 4) == " ".join(text.split())


def test_parse_structure() -> None:
    parsed = ruletext.parse_rule("! -s 10.0.0.0/8 -o eth0 -m conntrack ! --ctstate DNAT -g chain", 4)
    assert parsed.source == ruletext.Negatable("10.0.0.0/8", True)
    assert parsed.out_interface == ruletext.Negatable("eth0")
    assert parsed.matches == (ruletext.Match("conntrack", (ruletext.Option("--ctstate", ("DNAT",), True),)),)
    assert parsed.target == "chain" and parsed.goto


def test_canonical_address() -> None:
    assert ruletext.canonical_address("10.0.0.5/24", 4) == "10.0.0.0/24"
    assert ruletext.canonical_address("10.0.0.5", 4) == "10.0.0.5/32"
    assert ruletext.canonical_address("0.0.0.0/0", 4) is None
    assert ruletext.canonical_address("0.0.0.7/0.0.0.255", 4) == "0.0.0.7/0.0.0.255"
    assert ruletext.canonical_address("fd00::1", 6) == "fd00::1/128"
    with pytest.raises(ruletext.UnsupportedRule):
        ruletext.canonical_address("example.org", 4)


def test_jump_target() -> None:
    assert ruletext.jump_target("-s 1.2.3.4/32 -j novanet-network-x") == "novanet-network-x"
    assert ruletext.jump_target("-g other") == "other"
    assert ruletext.jump_target("-m comment --comment x") is None


SAVE = """# Generated by iptables-save v1.8.9
*nat
:PREROUTING ACCEPT [12:720]
:POSTROUTING DROP [0:0]
:DOCKER - [0:0]
[5:300] -A PREROUTING -j DOCKER
-A DOCKER -d 172.17.0.2/32 -j ACCEPT
COMMIT
# Completed
*filter
:INPUT ACCEPT [0:0]
COMMIT
"""


def test_parse_save() -> None:
    tables = parse_save(SAVE)
    assert list(tables) == ["nat", "filter"]
    nat = tables["nat"]
    assert list(nat.chains) == ["PREROUTING", "POSTROUTING", "DOCKER"]
    assert nat.chains["POSTROUTING"].policy == "DROP" and nat.chains["POSTROUTING"].builtin
    assert not nat.chains["DOCKER"].builtin
    assert nat.rules("PREROUTING") == ["-j DOCKER"]
    assert nat.rules("missing") == []
    assert rule_count(tables) == 3  # two rules and one user chain
    assert rule_count(parse_save("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n")) == 0


@pytest.mark.parametrize("bad", ["-A INPUT -j ACCEPT\n", "*nat\n-A NOPE -j ACCEPT\nCOMMIT\n", "*nat\nbogus\n"])
def test_parse_save_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_save(bad)
