"""Every rule builder's exact text (nova-network.md §4.4-4.6, canonical spelling)."""

from __future__ import annotations

import pytest
from oslo_config import cfg

from novanet import conf as novanet_conf
from novanet import exception
from novanet.drivers.base import FloatingForward, NetworkSpec
from novanet.drivers.iptables import builders, ruletext
from novanet.drivers.iptables.builders import isolation
from novanet.drivers.iptables.model import ChainSpec, RuleItem, RuleSpec

CFG = builders.RuleConfig(routing_source_ip="192.168.1.10", public_interface="eth0", dmz_cidr=("10.128.0.0/24",),
                          force_snat_range=("0.0.0.0/0",), metadata_host="192.168.1.10", metadata_port=8775)
NET = NetworkSpec(id=1, uuid="u-1", label="private", bridge="br100", cidr="10.0.0.0/24", gateway="10.0.0.1",
                  dhcp_server="10.0.0.1", project_id="p1")


def texts(items: tuple[RuleItem, ...]) -> list[tuple[str, str, str]]:
    return [(i.table, i.chain, i.rule) for i in items if isinstance(i, RuleSpec)]


def test_snat_internal_network() -> None:
    assert texts(builders.snat_rules(NET, CFG)) == [
        ("nat", "snat", "-s 10.0.0.0/24 -o eth0 -j SNAT --to-source 192.168.1.10")]
    no_public = builders.RuleConfig(routing_source_ip="192.168.1.10")
    assert texts(builders.snat_rules(NET, no_public)) == [
        ("nat", "snat", "-s 10.0.0.0/24 -j SNAT --to-source 192.168.1.10")]
    assert builders.snat_rules(NET, builders.RuleConfig()) == ()  # no routing_source_ip


def test_snat_through_the_network_s_own_egress() -> None:
    import dataclasses

    auto = dataclasses.replace(NET, snat_source="203.0.113.5", snat_interface="pub1")
    assert texts(builders.snat_rules(auto, CFG)) == [
        ("nat", "snat", "-s 10.0.0.0/24 -o pub1 -j SNAT --to-source 203.0.113.5")]
    # The egress works without any routing_source_ip configured.
    assert texts(builders.snat_rules(auto, builders.RuleConfig())) == [
        ("nat", "snat", "-s 10.0.0.0/24 -o pub1 -j SNAT --to-source 203.0.113.5")]


def test_snat_external_gateway_network_uses_force_snat_range() -> None:
    external = NetworkSpec(id=2, uuid="u-2", label="ext", bridge="br101", cidr="10.1.0.0/24", gateway="10.1.0.254",
                           dhcp_server="10.1.0.1")
    assert texts(builders.snat_rules(external, CFG)) == [
        ("nat", "snat", "-s 10.1.0.0/24 -j SNAT --to-source 192.168.1.10")]
    two = builders.RuleConfig(routing_source_ip="192.168.1.10", force_snat_range=("8.8.8.0/24", "1.1.1.1"))
    assert texts(builders.snat_rules(external, two)) == [
        ("nat", "snat", "-s 10.1.0.0/24 -d 8.8.8.0/24 -j SNAT --to-source 192.168.1.10"),
        ("nat", "snat", "-s 10.1.0.0/24 -d 1.1.1.1/32 -j SNAT --to-source 192.168.1.10")]
    assert builders.snat_rules(external, builders.RuleConfig(routing_source_ip="1.2.3.4")) == ()


def test_postrouting_accepts() -> None:
    assert texts(builders.postrouting_accept_rules(NET, CFG)) == [
        ("nat", "POSTROUTING", "-s 10.0.0.0/24 -d 192.168.1.10/32 -j ACCEPT"),
        ("nat", "POSTROUTING", "-s 10.0.0.0/24 -d 10.128.0.0/24 -j ACCEPT"),
        ("nat", "POSTROUTING", "-s 10.0.0.0/24 -d 10.0.0.0/24 -m conntrack ! --ctstate DNAT -j ACCEPT")]


def test_metadata_forward_dnat_and_redirect() -> None:
    assert texts(builders.metadata_forward_rules(CFG)) == [
        ("nat", "PREROUTING",
         "-d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.168.1.10:8775")]
    local = builders.RuleConfig(metadata_host="127.0.0.1", metadata_port=8775)
    assert texts(builders.metadata_forward_rules(local)) == [
        ("nat", "PREROUTING", "-d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8775")]


@pytest.mark.parametrize(("host", "family", "rule"), [
    ("192.168.1.10", 4, "-d 192.168.1.10/32 -p tcp -m tcp --dport 8775 -j ACCEPT"),
    ("127.0.0.1", 4, "-p tcp -m tcp --dport 8775 -m addrtype --dst-type LOCAL -j ACCEPT"),
    ("::1", 6, "-p tcp -m tcp --dport 8775 -m addrtype --dst-type LOCAL -j ACCEPT"),
    ("fd00::10", 6, "-d fd00::10/128 -p tcp -m tcp --dport 8775 -j ACCEPT"),
])
def test_metadata_accept(host: str, family: int, rule: str) -> None:
    (item,) = builders.metadata_accept_rules(builders.RuleConfig(metadata_host=host))
    assert isinstance(item, RuleSpec)
    assert (item.table, item.chain, item.family, item.rule) == ("filter", "INPUT", family, rule)


def test_dhcp_accepts_and_checksum() -> None:
    assert texts(builders.dhcp_accept_rules("br100")) == [
        ("filter", "INPUT", "-i br100 -p udp -m udp --dport 67 -j ACCEPT"),
        ("filter", "INPUT", "-i br100 -p tcp -m tcp --dport 67 -j ACCEPT"),
        ("filter", "INPUT", "-i br100 -p udp -m udp --dport 53 -j ACCEPT"),
        ("filter", "INPUT", "-i br100 -p tcp -m tcp --dport 53 -j ACCEPT")]
    assert texts(builders.dhcp_checksum_rules("br100")) == [
        ("mangle", "POSTROUTING", "-o br100 -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill")]


def test_bridge_forwarding() -> None:
    assert [r for _, _, r in texts(builders.bridge_forward_rules("br100", CFG))] == [
        "-i br100 -j ACCEPT", "-o br100 -j ACCEPT"]
    limited = builders.RuleConfig(forward_bridge_interface=("eth1",), drop_action="REJECT")
    assert [r for _, _, r in texts(builders.bridge_forward_rules("br100", limited))] == [
        "-i br100 -o eth1 -j ACCEPT", "-i eth1 -o br100 -j ACCEPT", "-i br100 -o br100 -j ACCEPT",
        "-i br100 -j REJECT --reject-with icmp-port-unreachable",
        "-o br100 -j REJECT --reject-with icmp-port-unreachable"]
    assert [r for _, _, r in texts(builders.bridge_forward_rules("br100", CFG, gateway=False))] == [
        "-i br100 -j DROP", "-o br100 -j DROP"]


def test_vpn_forward() -> None:
    vpn = NetworkSpec(id=3, uuid="u-3", label="v", bridge="br102", cidr="10.2.0.0/24", vpn_public_address="1.2.3.4",
                      vpn_public_port=1000, vpn_private_address="10.2.0.2")
    dnat = "-d 1.2.3.4/32 -p udp -m udp --dport 1000 -j DNAT --to-destination 10.2.0.2:1194"
    assert texts(builders.vpn_forward_rules(vpn)) == [
        ("filter", "FORWARD", "-d 10.2.0.2/32 -p udp -m udp --dport 1194 -j ACCEPT"),
        ("nat", "PREROUTING", dnat), ("nat", "OUTPUT", dnat)]
    assert builders.vpn_forward_rules(NET) == ()


def test_floating_nova_layout() -> None:
    nova = builders.RuleConfig(public_interface="", floating_ip_buckets=0)
    forward = FloatingForward("172.24.4.10", "10.0.0.3", "eth0")
    assert texts(builders.floating_forward_rules(forward, nova)) == [
        ("nat", "PREROUTING", "-d 172.24.4.10/32 -j DNAT --to-destination 10.0.0.3"),
        ("nat", "OUTPUT", "-d 172.24.4.10/32 -j DNAT --to-destination 10.0.0.3"),
        ("nat", "float-snat", "-s 10.0.0.3/32 -d 10.0.0.3/32 -j SNAT --to-source 172.24.4.10"),
        ("nat", "float-snat", "-s 10.0.0.3/32 -o eth0 -j SNAT --to-source 172.24.4.10"),
        ("nat", "POSTROUTING", "-s 10.0.0.3/32 -m conntrack --ctstate DNAT -j SNAT --to-source 172.24.4.10")]
    no_device = texts(builders.floating_forward_rules(FloatingForward("172.24.4.10", "10.0.0.3", None), nova))
    assert ("nat", "float-snat", "-s 10.0.0.3/32 -j SNAT --to-source 172.24.4.10") in no_device
    assert len(no_device) == 4


def test_floating_buckets() -> None:
    items = builders.floating_forward_rules(FloatingForward("172.24.4.10", "10.0.0.3", "ethX"), CFG)
    assert [i for i in items if isinstance(i, ChainSpec)] == [
        ChainSpec("nat", "fip-dnat-0a"), ChainSpec("nat", "fip-snat-03"), ChainSpec("nat", "fip-post-03")]
    assert texts(items) == [
        ("nat", "PREROUTING", "-d 0.0.0.10/0.0.0.255 -j $fip-dnat-0a"),
        ("nat", "OUTPUT", "-d 0.0.0.10/0.0.0.255 -j $fip-dnat-0a"),
        ("nat", "float-snat", "-s 0.0.0.3/0.0.0.255 -j $fip-snat-03"),
        ("nat", "POSTROUTING", "-s 0.0.0.3/0.0.0.255 -j $fip-post-03"),
        ("nat", "fip-dnat-0a", "-d 172.24.4.10/32 -j DNAT --to-destination 10.0.0.3"),
        ("nat", "fip-snat-03", "-s 10.0.0.3/32 -d 10.0.0.3/32 -j SNAT --to-source 172.24.4.10"),
        # public_interface overrides the forward's own interface
        ("nat", "fip-snat-03", "-s 10.0.0.3/32 -o eth0 -j SNAT --to-source 172.24.4.10"),
        ("nat", "fip-post-03", "-s 10.0.0.3/32 -m conntrack --ctstate DNAT -j SNAT --to-source 172.24.4.10")]
    sixteen = builders.RuleConfig(floating_ip_buckets=16)
    assert texts(builders.floating_forward_rules(FloatingForward("172.24.4.29", "10.0.0.3", None), sixteen))[0] == (
        "nat", "PREROUTING", "-d 0.0.0.13/0.0.0.15 -j $fip-dnat-0d")
    one = builders.RuleConfig(floating_ip_buckets=1)
    assert texts(builders.floating_forward_rules(FloatingForward("172.24.4.29", "10.0.0.3", None), one))[0] == (
        "nat", "PREROUTING", "-j $fip-dnat-00")


def test_floating_rejects_bad_addresses() -> None:
    with pytest.raises(exception.InvalidAddress):
        builders.floating_forward_rules(FloatingForward("fd00::1", "10.0.0.3", None), CFG)


def test_every_builder_emits_canonical_text() -> None:
    vpn = NetworkSpec(id=3, uuid="u-3", label="v", bridge="br102", cidr="10.2.0.0/24", vpn_public_address="1.2.3.4",
                      vpn_public_port=1000, vpn_private_address="10.2.0.2", project_id="p2")
    items = (*builders.network_rules(NET, CFG), *builders.network_rules(vpn, CFG),
             *builders.metadata_forward_rules(CFG), *builders.metadata_accept_rules(CFG),
             *builders.floating_forward_rules(FloatingForward("172.24.4.10", "10.0.0.3", "eth0"), CFG),
             *builders.project_isolation_rules([NET, vpn], CFG))
    for item in items:
        if isinstance(item, RuleSpec) and "$" not in item.rule:
            assert ruletext.canonical(item.rule, item.family) == item.rule


def test_network_rules_composition() -> None:
    assert builders.network_tag(NET) == "network:u-1"
    chains = {(i.table, i.chain) for i in builders.network_rules(NET, CFG) if isinstance(i, RuleSpec)}
    assert chains == {("nat", "snat"), ("nat", "POSTROUTING"), ("filter", "FORWARD"), ("filter", "INPUT"),
                      ("mangle", "POSTROUTING")}
    no_dhcp = {(i.table, i.chain) for i in builders.network_rules(NET, CFG, dhcp=False) if isinstance(i, RuleSpec)}
    assert ("filter", "INPUT") not in no_dhcp


def test_project_isolation_marks_and_drops() -> None:
    nets = [
        NET,
        NetworkSpec(id=2, uuid="u-2", label="b", bridge="br101", cidr="10.1.0.0/24", project_id="p2"),
        NetworkSpec(id=3, uuid="u-3", label="c", bridge="br102", cidr="10.2.0.0/24", project_id="p1"),
        NetworkSpec(id=4, uuid="u-4", label="flat", bridge="br200", cidr="10.3.0.0/24"),
    ]
    items = builders.project_isolation_rules(nets, builders.RuleConfig(drop_action="REJECT"))
    assert items[:2] == (ChainSpec("filter", "isolation"), RuleSpec("filter", "FORWARD", "-j $isolation", top=True))
    drop = "-m conntrack ! --ctstate DNAT -j REJECT --reject-with icmp-port-unreachable"
    assert texts(items[2:]) == [
        ("mangle", "PREROUTING", "-i br100 -j MARK --set-xmark 0x10000/0xfff0000"),
        ("filter", "isolation", f"-o br100 -m mark ! --mark 0x0/0xfff0000 -m mark ! --mark 0x10000/0xfff0000 {drop}"),
        # Another project's instance may not talk to br100's gateway address (the host) either.
        ("filter", "INPUT", "-d 10.0.0.1/32 -m mark ! --mark 0x0/0xfff0000 -m mark ! --mark 0x10000/0xfff0000 "
                            "-j REJECT --reject-with icmp-port-unreachable"),
        ("mangle", "PREROUTING", "-i br101 -j MARK --set-xmark 0x20000/0xfff0000"),
        ("filter", "isolation", f"-o br101 -m mark ! --mark 0x0/0xfff0000 -m mark ! --mark 0x20000/0xfff0000 {drop}"),
        ("mangle", "PREROUTING", "-i br102 -j MARK --set-xmark 0x10000/0xfff0000"),
        ("filter", "isolation", f"-o br102 -m mark ! --mark 0x0/0xfff0000 -m mark ! --mark 0x10000/0xfff0000 {drop}"),
    ]


def test_project_isolation_limits() -> None:
    shared = [NetworkSpec(id=1, uuid="a", label="a", bridge="br1", project_id="p1"),
              NetworkSpec(id=2, uuid="b", label="b", bridge="br1", project_id="p2")]
    assert isolation.project_marks(shared, 0xFF) == {}
    many = [NetworkSpec(id=i, uuid=str(i), label="x", bridge=f"br{i}", project_id=f"p{i}") for i in range(4)]
    with pytest.raises(exception.InvalidConfig, match="at most 3"):
        isolation.project_marks(many, 0x3)


@pytest.mark.parametrize("kwargs", [{"floating_ip_buckets": 3}, {"floating_ip_buckets": 512},
                                    {"project_mark_mask": 0}, {"drop_action": "REJECT --reject-with x"}])
def test_rule_config_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(exception.InvalidConfig):
        builders.RuleConfig(**kwargs)  # type: ignore[arg-type]


def test_rule_config_from_conf() -> None:
    conf = cfg.ConfigOpts()
    for module in novanet_conf.MODULES:
        module.register_opts(conf)
    conf([], project="novanet-test")
    conf.set_override("routing_source_ip", "10.9.9.9")
    conf.set_override("metadata_host", "127.0.0.1")
    conf.set_override("iptables_drop_action", "REJECT")
    conf.set_override("project_mark_mask", "0xff00", group="iptables")
    config = builders.RuleConfig.from_conf(conf)
    assert config.routing_source_ip == "10.9.9.9" and config.public_interface == "eth0"
    assert config.drop_target() == "REJECT --reject-with icmp-port-unreachable"
    assert config.project_mark_mask == 0xFF00 and config.floating_ip_buckets == 256
    conf.set_override("project_mark_mask", "zz", group="iptables")
    with pytest.raises(exception.InvalidConfig):
        builders.RuleConfig.from_conf(conf)
