"""A management network's firewall: DHCP, TFTP, DNS and the conductor ports in, nothing through."""

from __future__ import annotations

from novanet.drivers.base import NetworkSpec
from novanet.drivers.iptables import builders, ruletext
from novanet.drivers.iptables.builders.baremetal import management_rules
from novanet.drivers.iptables.model import RuleSpec

PROV = NetworkSpec(id=4, uuid="u-4", label="provisioning", bridge="brprov", cidr="10.251.0.0/24",
                   gateway="10.251.0.1", dhcp_server="10.251.0.1")


def test_management_rules_are_top_rules_in_input_and_forward() -> None:
    cfg = builders.RuleConfig(conductor_ports=(6385, 9999), drop_action="REJECT")
    items = management_rules(PROV, cfg)
    assert all(isinstance(i, RuleSpec) and i.top and i.table == "filter" for i in items)
    rules = [(i.chain, i.rule) for i in items if isinstance(i, RuleSpec)]
    reject = "REJECT --reject-with icmp-port-unreachable"
    assert rules == [
        ("INPUT", "-i brprov -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
        ("INPUT", "-i brprov -p udp -m udp --dport 67 -j ACCEPT"),
        ("INPUT", "-d 10.251.0.1/32 -i brprov -p udp -m udp --dport 69 -j ACCEPT"),
        ("INPUT", "-d 10.251.0.1/32 -i brprov -p udp -m udp --dport 53 -j ACCEPT"),
        ("INPUT", "-d 10.251.0.1/32 -i brprov -p tcp -m tcp --dport 53 -j ACCEPT"),
        ("INPUT", "-d 10.251.0.1/32 -i brprov -p tcp -m tcp --dport 6385 -j ACCEPT"),
        ("INPUT", "-d 10.251.0.1/32 -i brprov -p tcp -m tcp --dport 9999 -j ACCEPT"),
        ("INPUT", f"-i brprov -j {reject}"),
        ("INPUT", f"-d 10.251.0.1/32 ! -i brprov -m addrtype ! --src-type LOCAL -j {reject}"),
        ("FORWARD", f"-i brprov -j {reject}"),
        ("FORWARD", f"-o brprov -j {reject}"),
    ]
    # Written as iptables-save prints them, so a restart compares equal.
    assert all(ruletext.canonical(rule) == rule for _, rule in rules)


def test_without_conductor_ports_only_the_services() -> None:
    rules = [i.rule for i in management_rules(PROV, builders.RuleConfig()) if isinstance(i, RuleSpec)]
    assert not any("--dport 6385" in r for r in rules) and "-i brprov -j DROP" in rules


def test_network_rules_add_them_only_for_management_networks() -> None:
    import dataclasses
    cfg = builders.RuleConfig(conductor_ports=(6385,))
    plain = builders.network_rules(PROV, cfg)
    managed = builders.network_rules(dataclasses.replace(PROV, management=True), cfg)
    assert set(plain) < set(managed)
    assert set(managed) - set(plain) == set(management_rules(PROV, cfg))
