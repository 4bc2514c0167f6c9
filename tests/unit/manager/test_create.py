"""Network creation rules: nova-network's carving, reservations and VLANs."""

from __future__ import annotations

from typing import Any

import netaddr
import pytest

from novanet import exception
from novanet.manager import create
from novanet.manager.flat import FlatDHCPManager, FlatManager
from novanet.manager.vlan import VlanManager

VLAN = VlanManager.create_rules()
FLATDHCP = FlatDHCPManager.create_rules()
FLAT = FlatManager.create_rules()
DEFAULTS = create.Defaults(vlan_interface="eth1")


def plan(rules: create.ManagerRules = VLAN, existing: create.Existing = create.Existing(),
         defaults: create.Defaults = DEFAULTS, **args: Any) -> list[Any]:
    args.setdefault("label", "private")
    return create.plan_networks(args, rules, defaults, existing)


def reserved(p: Any) -> list[str]:
    return [a for a, r in p.addresses if r]


def test_worked_example_vlan_10_0_0_0_8_3_16() -> None:
    plans = plan(cidr="10.0.0.0/8", num_networks=3, network_size=16)
    assert [p.values["cidr"] for p in plans] == ["10.0.0.0/28", "10.0.0.16/28", "10.0.0.32/28"]
    assert [p.values["vlan"] for p in plans] == [100, 101, 102]
    assert [p.values["bridge"] for p in plans] == ["br100", "br101", "br102"]
    assert [p.values["label"] for p in plans] == ["private_0", "private_1", "private_2"]
    assert [p.values["vpn_public_port"] for p in plans] == [1000, 1001, 1002]
    first = plans[0].values
    assert (first["gateway"], first["dhcp_server"], first["vpn_private_address"], first["dhcp_start"],
            first["broadcast"], first["netmask"]) == (
        "10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.15", "255.255.255.240")
    assert first["bridge_interface"] == "eth1" and first["dns1"] == "8.8.4.4"
    for p in plans:
        assert len(p.addresses) == 16
        base = netaddr.IPNetwork(p.values["cidr"])
        assert reserved(p) == [str(base[0]), str(base[1]), str(base[2]), str(base[15])]
        assert len([a for a, r in p.addresses if not r]) == 12


def test_flatdhcp_reserves_network_gateway_broadcast() -> None:
    (p,) = plan(FLATDHCP, cidr="10.1.0.0/24", bridge="br-flat")
    assert p.values["gateway"] == "10.1.0.1" and p.values["dhcp_start"] == "10.1.0.2"
    assert reserved(p) == ["10.1.0.0", "10.1.0.1", "10.1.0.255"]
    assert "vlan" not in p.values and p.values["bridge"] == "br-flat"


def test_size_rounds_up_to_power_of_two() -> None:
    plans = plan(cidr="192.168.3.1/24", num_networks=2, network_size=100)
    assert [p.values["cidr"] for p in plans] == ["192.168.3.0/25", "192.168.3.128/25"]
    assert [p.values["dhcp_server"] for p in plans] == ["192.168.3.1", "192.168.3.129"]


def test_skips_existing_networks() -> None:
    existing = create.Existing(cidrs=["192.168.2.0/24"], count=1)
    plans = plan(FLATDHCP, existing, cidr="192.168.0.0/16", num_networks=1, network_size=256, bridge="b0")
    assert plans[0].values["cidr"] == "192.168.0.0/24"
    plans = create.plan_networks({"label": "x", "cidr": "192.168.0.0/16", "num_networks": 4, "network_size": 256},
                                 VLAN, DEFAULTS, existing)
    assert [p.values["cidr"] for p in plans] == ["192.168.0.0/24", "192.168.1.0/24", "192.168.3.0/24",
                                                  "192.168.4.0/24"]


def test_splits_around_smaller_existing_subnet() -> None:
    existing = create.Existing(cidrs=["192.168.2.8/29"], count=1)
    plans = plan(cidr="192.168.2.0/24", num_networks=3, network_size=32, existing=existing)
    assert [p.values["cidr"] for p in plans] == ["192.168.2.32/27", "192.168.2.64/27", "192.168.2.96/27"]


@pytest.mark.parametrize("existing", [["192.168.0.0/25"], ["192.168.0.0/24"], ["192.168.0.0/16"]])
def test_conflicts(existing: list[str]) -> None:
    with pytest.raises(exception.CidrConflict):
        plan(cidr="192.168.0.0/24", num_networks=1, network_size=256,
             existing=create.Existing(cidrs=existing, count=1))


def test_vlan_numbering_skips_used_ones_even_within_a_batch() -> None:
    existing = create.Existing(cidrs=["10.9.0.0/24", "10.9.1.0/24"], vlans=frozenset({100, 101}), count=2)
    plans = plan(cidr="10.0.0.0/16", num_networks=3, network_size=256, vlan_start=99, existing=existing)
    vlans = [p.values["vlan"] for p in plans]
    assert vlans == [102, 103, 104] and len(set(vlans)) == 3


def test_allowed_range_and_dhcp_server() -> None:
    (p,) = plan(cidr="192.168.0.0/24", allowed_start="192.168.0.10", allowed_end="192.168.0.245",
                dhcp_server="192.168.0.11")
    assert (p.values["gateway"], p.values["vpn_private_address"], p.values["dhcp_start"]) == (
        "192.168.0.10", "192.168.0.12", "192.168.0.13")
    assert len(reserved(p)) == 23


def test_ipv6_pairs_with_v4_and_caps_at_64() -> None:
    plans = plan(cidr="10.0.0.0/24", cidr_v6="fd00:1::/48", num_networks=2, network_size=128)
    assert [p.values["cidr_v6"] for p in plans] == ["fd00:1::/64", "fd00:1:0:1::/64"]
    assert plans[0].values["gateway_v6"] == "fd00:1::1"


@pytest.mark.parametrize(
    ("args", "error", "text"),
    [
        ({"cidr": "10.0.0.0/33"}, exception.InvalidCidr, "10.0.0.0/33"),
        ({"cidr": "banana"}, exception.InvalidCidr, "banana"),
        ({"cidr": "10.0.0.0"}, exception.InvalidCidr, "10.0.0.0"),
        ({"cidr": "fd00::/64"}, exception.InvalidCidr, "IPv4"),
        ({"cidr_v6": "10.0.0.0/24"}, exception.InvalidCidr, "IPv6"),
        ({"cidr": "10.0.0.0/24", "num_networks": 3, "network_size": 128}, exception.InvalidInput,
         "not big enough"),
        ({"cidr": "10.0.0.0/24", "num_networks": "x"}, exception.InvalidIntValue, "num_networks"),
        ({"cidr": "10.0.0.0/24", "vlan": 4095}, exception.InvalidVlan, "greater than 4094"),
        ({"cidr": "10.0.0.0/24", "vlan": 0}, exception.InvalidVlan, "less than 1"),
        ({"cidr": "10.0.0.0/24", "vlan": "ten"}, exception.InvalidVlan, "integer"),
        ({"cidr": "10.0.0.0/24", "num_networks": 2, "vlan": 5}, exception.InvalidVlan, "--vlan_start"),
        ({"cidr": "10.0.0.0/16", "num_networks": 2, "vlan_start": 4094}, exception.InvalidVlan, "4094"),
        ({"cidr": "10.0.0.0/24", "bridge": "a-very-long-bridge-name"}, exception.InvalidBridge, "15"),
        ({"cidr": "10.0.0.0/24", "bridge": "br 0"}, exception.InvalidBridge, "allowed"),
        ({"cidr": "10.0.0.0/24", "gateway": "10.0.1.1"}, exception.AddressOutOfRange, "10.0.1.1"),
        ({"cidr": "10.0.0.0/24", "allowed_start": "nonsense"}, exception.InvalidAddress, "allowed_start"),
        ({"cidr": "10.0.0.0/24", "fixed_cidr": "10.0.1.0/25"}, exception.AddressOutOfRange, "10.0.1.0/25"),
        ({"cidr": "10.0.0.0/16", "num_networks": 2, "gateway": "10.0.0.1"}, exception.InvalidInput, "gateway"),
        ({"cidr": "10.0.0.0/24", "cidr_v6": "fd00::/64", "gateway_v6": "fd01::1"}, exception.AddressOutOfRange,
         "fd01::1"),
        ({"cidr": "10.0.0.0/24", "gateway_v6": "10.0.0.1"}, exception.InvalidAddress, "IPv6"),
        ({"cidr": "10.0.0.0/24", "uuid": "not-a-uuid"}, exception.InvalidInput, "uuid"),
        ({"cidr": "10.0.0.0/24", "mtu": 20}, exception.InvalidInput, "mtu"),
        ({"cidr": "10.0.0.0/24", "multi_host": "maybe"}, exception.InvalidInput, "multi_host"),
        ({"cidr": "10.0.0.0/24", "label": "x" * 256}, exception.LabelTooLong, "255"),
        ({"label": "x"}, exception.NetworkNotCreated, "cidr"),
        ({"cidr": "10.0.0.0/31"}, exception.InvalidInput, "too small"),
    ],
)
def test_bad_input_is_named(args: dict[str, Any], error: type[Exception], text: str) -> None:
    with pytest.raises(error) as info:
        plan(**args)
    assert text in str(info.value)


def test_required_args_per_manager() -> None:
    with pytest.raises(exception.NetworkNotCreated, match="bridge_interface"):
        plan(VLAN, defaults=create.Defaults(), cidr="10.0.0.0/24")
    with pytest.raises(exception.NetworkNotCreated, match="bridge"):
        plan(FLAT, cidr="10.0.0.0/24")


def test_duplicate_vlan_and_bridge() -> None:
    existing = create.Existing(vlans=frozenset({100}), bridges=frozenset({"br-x"}))
    with pytest.raises(exception.DuplicateVlan):
        plan(cidr="10.0.0.0/24", vlan=100, existing=existing)
    with pytest.raises(exception.DuplicateBridge):
        plan(FLATDHCP, cidr="10.0.0.0/24", bridge="br-x", existing=existing)


def test_flat_batch_cannot_share_one_bridge() -> None:
    with pytest.raises(exception.InvalidInput, match="one network"):
        plan(FLATDHCP, cidr="10.0.0.0/16", num_networks=2, bridge="br0")


def test_default_size_shares_the_range() -> None:
    plans = plan(cidr="10.0.0.0/24", num_networks=2)
    assert [p.values["cidr"] for p in plans] == ["10.0.0.0/25", "10.0.0.128/25"]


def test_fixed_cidr_limits_rows() -> None:
    (p,) = plan(FLATDHCP, cidr="10.0.0.0/24", fixed_cidr="10.0.0.128/28", bridge="b1")
    assert len(p.addresses) == 16 and p.addresses[0][0] == "10.0.0.128"
