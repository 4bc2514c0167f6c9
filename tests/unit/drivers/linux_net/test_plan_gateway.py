"""Gateway address ordering, forwarding, floating and metadata addresses."""

from __future__ import annotations

import dataclasses

import pytest

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net import records as r
from novanet.drivers.linux_net.fake import FakeBackend
from novanet.drivers.linux_net.plan_gateway import (
    IP_FORWARD,
    GatewaySpec,
    address_query,
    gateway_query,
    order_addresses,
    plan_bind_address,
    plan_gateway,
    plan_metadata_ip,
    plan_unbind_address,
    primary_is_correct,
)

SPEC = GatewaySpec("10.0.0.1", 24, "10.0.0.255")


def bridge(*cidrs: str, forwarding: str = "1") -> FakeBackend:
    fake = FakeBackend()
    fake.add_link("br100", "bridge", up=True)
    for cidr in cidrs:
        fake.seed_address("br100", cidr, broadcast="10.0.0.255" if cidr.startswith("10.0.0.") else None)
    fake.sysctls[IP_FORWARD] = forwarding
    return fake


def plan(fake: FakeBackend, spec: GatewaySpec = SPEC, arp: int = 0) -> list[r.Action]:
    return plan_gateway(fake.snapshot(None, gateway_query("br100")), "br100", spec, arp)


def v4(fake: FakeBackend) -> list[str]:
    return [a.cidr for a in fake.addresses["br100"] if a.family == 4]


def test_blank_device_gets_the_address_and_forwarding() -> None:
    fake = bridge(forwarding="0")
    actions = plan(fake)
    assert actions == [
        r.SetSysctl(IP_FORWARD, "1"),
        r.AddAddress("br100", r.Address("10.0.0.1", 24, broadcast="10.0.0.255")),
    ]
    fake.apply(None, actions)
    assert v4(fake) == ["10.0.0.1/24"]
    assert plan(fake) == []


def test_correct_setup_is_left_alone() -> None:
    assert plan(bridge("10.0.0.1/24", "192.168.5.5/24")) == []


def test_wrong_primary_is_moved_behind_and_routes_restored() -> None:
    fake = bridge("192.168.5.5/24", "10.0.0.1/24")
    fake.seed_route(r.Route(device="br100", gateway="192.168.5.1"))

    actions = plan(fake, arp=3)

    assert [type(a).__name__ for a in actions] == [
        "DeleteRoute",
        "DeleteAddress",
        "DeleteAddress",
        "AddAddress",
        "AddAddress",
        "AddRoute",
        "SendArp",
    ]
    assert actions[-1] == r.SendArp("br100", "10.0.0.1", 3)
    fake.apply(None, actions)
    assert v4(fake) == ["10.0.0.1/24", "192.168.5.5/24"]
    assert [rt.gateway for rt in fake.routes] == ["192.168.5.1"]
    assert plan(fake) == []


def test_same_subnet_address_before_the_dhcp_address() -> None:
    """10.0.0.50 is primary and 10.0.0.1 its secondary: dnsmasq would bind .50."""
    fake = bridge("10.0.0.50/24", "10.0.0.1/24")
    fake.apply(None, plan(fake))
    assert v4(fake) == ["10.0.0.1/24", "10.0.0.50/24"]
    assert fake.addresses["br100"][1].secondary


def test_dynamic_address_is_kept_and_made_permanent() -> None:
    fake = bridge()
    fake.addresses["br100"].append(r.Address("192.168.5.5", 24, permanent=False))
    fake.apply(None, plan(fake))
    assert [(a.cidr, a.permanent) for a in fake.addresses["br100"]] == [("10.0.0.1/24", True), ("192.168.5.5/24", True)]


def test_wrong_broadcast_or_prefix_is_corrected() -> None:
    fake = bridge()
    fake.seed_address("br100", "10.0.0.1/24", broadcast="10.0.0.127")
    fake.apply(None, plan(fake))
    assert fake.addresses["br100"][0].broadcast == "10.0.0.255"
    fake = bridge("10.0.0.1/16")
    fake.apply(None, plan(fake))
    assert v4(fake) == ["10.0.0.1/24"], "the copy with the wrong prefix is not re-added"


def test_order_addresses_pure() -> None:
    wanted = SPEC.primary
    current = [r.Address("192.168.5.5", 24, secondary=True), r.Address("10.0.0.1", 16)]
    assert order_addresses(current, wanted) == [wanted, r.Address("192.168.5.5", 24)]
    assert not primary_is_correct([], wanted)
    assert primary_is_correct([r.Address("10.0.0.1", 24, broadcast="10.0.0.255")], wanted)


def test_ipv6_gateway_is_added_once() -> None:
    spec = dataclasses.replace(SPEC, address_v6="fd00::1", prefixlen_v6=64)
    fake = bridge("10.0.0.1/24")
    actions = plan(fake, spec)
    assert actions == [r.AddAddress("br100", r.Address("fd00::1", 64, family=6))]
    fake.apply(None, actions)
    assert plan(fake, spec) == []


def test_missing_device() -> None:
    with pytest.raises(exception.DriverError, match="does not exist"):
        plan_gateway(FakeBackend().snapshot(None, gateway_query("br9")), "br9", SPEC)


def test_spec_from_network() -> None:
    net = NetworkSpec(id=1, uuid="u", label="l", bridge="br100", cidr="10.0.0.0/24", gateway="10.0.0.1",
                      dhcp_server="10.0.0.3", cidr_v6="fd00::/64", gateway_v6="fd00::1")
    spec = GatewaySpec.from_network(net)
    assert spec == GatewaySpec("10.0.0.3", 24, "10.0.0.255", "fd00::1", 64)
    assert GatewaySpec.from_network(dataclasses.replace(net, broadcast="10.0.0.127")).broadcast == "10.0.0.127"
    assert GatewaySpec.from_network(dataclasses.replace(net, dhcp_server=None)).address == "10.0.0.1"
    with pytest.raises(exception.InvalidInput):
        GatewaySpec.from_network(dataclasses.replace(net, cidr=None))
    with pytest.raises(exception.InvalidInput):
        GatewaySpec.from_network(dataclasses.replace(net, dhcp_server=None, gateway=None))
    with pytest.raises(exception.AddressOutOfRange):
        GatewaySpec.from_network(dataclasses.replace(net, dhcp_server="10.1.0.3"))


def test_floating_bind_unbind() -> None:
    fake = FakeBackend()
    fake.add_link("eth0", up=True)
    snap = fake.snapshot(None, address_query("eth0"))
    actions = plan_bind_address(snap, "eth0", "203.0.113.5", arp_count=2)
    assert actions == [
        r.AddAddress("eth0", r.Address("203.0.113.5", 32)),
        r.SendArp("eth0", "203.0.113.5", 2),
    ]
    fake.apply(None, actions)
    assert fake.tool_calls and fake.tool_calls[0][0] == "arping"
    snap = fake.snapshot(None, address_query("eth0"))
    assert plan_bind_address(snap, "eth0", "203.0.113.5", arp_count=2) == []
    assert plan_unbind_address(snap, "eth0", "203.0.113.5") == [
        r.DeleteAddress("eth0", r.Address("203.0.113.5", 32, secondary=False))
    ]
    assert plan_unbind_address(snap, "eth0", "203.0.113.6") == []
    with pytest.raises(exception.NoFloatingIpInterface):
        plan_bind_address(snap, "eth9", "203.0.113.5")
    assert plan_unbind_address(fake.snapshot(None, address_query("eth9")), "eth9", "203.0.113.5") == []


def test_metadata_address() -> None:
    fake = FakeBackend()
    actions = plan_metadata_ip(fake.snapshot(None, address_query("lo")))
    assert actions == [r.AddAddress("lo", r.Address("169.254.169.254", 32, scope=r.SCOPE_LINK))]
    fake.apply(None, actions)
    assert plan_metadata_ip(fake.snapshot(None, address_query("lo"))) == []
