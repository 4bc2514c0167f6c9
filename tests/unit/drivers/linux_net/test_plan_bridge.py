"""Which actions ensure_bridge takes: creation, enslaving, the L3 move."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.linux_net import records as r
from novanet.drivers.linux_net.fake import FakeBackend
from novanet.drivers.linux_net.plan_bridge import bridge_query, plan_bridge, plan_remove_link


def uplink_host() -> FakeBackend:
    """A host whose eth0 carries its address, a secondary, a DHCP address and routes."""
    fake = FakeBackend()
    fake.add_link("eth0", up=True, mac="52:54:00:12:34:56")
    fake.seed_address("eth0", "192.168.1.10/24", broadcast="192.168.1.255")
    fake.seed_address("eth0", "192.168.1.11/24")
    fake.seed_address("eth0", "10.9.0.5/16")
    fake.seed_address("eth0", "fe80::1/64", scope=r.SCOPE_LINK)
    fake.seed_route(r.Route(device="eth0", gateway="192.168.1.1"))
    fake.seed_route(r.Route(device="eth0", dst="172.16.0.0", dst_len=12, gateway="10.9.0.1", priority=5))
    return fake


def plan(fake: FakeBackend, bridge: str, uplink: str | None = None, mtu: int | None = None) -> list[r.Action]:
    return plan_bridge(fake.snapshot(None, bridge_query(bridge, uplink)), bridge, uplink, mtu)


def test_new_bridge_is_created_quiet_and_tagged() -> None:
    (create,) = plan(FakeBackend(), "br100", mtu=1450)
    assert create == r.CreateLink(
        name="br100", kind="bridge", alias="novanet:bridge", up=True, mtu=1450, stp=False, forward_delay=0
    )


def test_uplink_l3_moves_to_the_bridge_in_a_safe_order() -> None:
    fake = uplink_host()

    actions = plan(fake, "br100", "eth0")

    kinds = [type(a).__name__ for a in actions]
    assert kinds == [
        "CreateLink",
        "SetLink",  # enslave + up
        "SetLink",  # MAC pin
        "DeleteRoute",
        "DeleteRoute",
        "DeleteAddress",
        "DeleteAddress",
        "DeleteAddress",
        "AddAddress",
        "AddAddress",
        "AddAddress",
        "AddRoute",
        "AddRoute",
    ]
    assert actions[1] == r.SetLink("eth0", master="br100", up=True)
    assert actions[2] == r.SetLink("br100", mac="52:54:00:12:34:56")
    added = [a.address.cidr for a in actions if isinstance(a, r.AddAddress)]
    assert added == ["192.168.1.10/24", "10.9.0.5/16", "192.168.1.11/24"], "primaries, then the secondary"
    assert all(a.device == "br100" for a in actions if isinstance(a, r.AddAddress))
    deleted = [a.address.cidr for a in actions if isinstance(a, r.DeleteAddress)]
    assert deleted[0] == "192.168.1.11/24", "secondaries go before their primary"
    routes = [a.route for a in actions if isinstance(a, r.AddRoute)]
    assert [(rt.device, rt.destination, rt.gateway, rt.priority) for rt in routes] == [
        ("br100", "default", "192.168.1.1", None),
        ("br100", "172.16.0.0/12", "10.9.0.1", 5),
    ]
    broadcast = next(a.address for a in actions if isinstance(a, r.AddAddress))
    assert broadcast.broadcast == "192.168.1.255"


def test_applied_plan_keeps_the_host_reachable_and_is_idempotent() -> None:
    fake = uplink_host()
    fake.apply(None, plan(fake, "br100", "eth0"))

    snap = fake.snapshot(None, r.Query(addresses=("br100", "eth0"), routes=("br100", "eth0")))
    assert [a.cidr for a in snap.addrs("eth0") if a.family == 4] == []
    assert {a.cidr for a in snap.addrs("br100")} == {"192.168.1.10/24", "192.168.1.11/24", "10.9.0.5/16"}
    assert any(rt.dst is None and rt.gateway == "192.168.1.1" for rt in snap.routes["br100"])
    assert fake.links["eth0"].master == fake.links["br100"].index
    assert fake.links["br100"].mac == "52:54:00:12:34:56"
    assert plan(fake, "br100", "eth0") == []


def test_routes_would_fail_if_added_before_their_addresses() -> None:
    """The fake enforces gateway reachability, so the order above is load-bearing."""
    fake = uplink_host()
    actions = plan(fake, "br100", "eth0")
    routes_first: list[r.Action] = [a for a in actions if not isinstance(a, r.AddRoute)]
    routes_first.insert(3, next(a for a in actions if isinstance(a, r.AddRoute)))
    with pytest.raises(exception.DriverError, match="unreachable"):
        fake.apply(None, routes_first)


def test_uplink_without_l3_is_only_enslaved() -> None:
    fake = FakeBackend()
    fake.add_link("vxlan100", "vxlan", up=False)
    actions = plan(fake, "br100", "vxlan100")
    assert [type(a).__name__ for a in actions] == ["CreateLink", "SetLink", "SetLink"]


def test_existing_bridge_is_only_brought_up_and_drift_fixed_when_ours() -> None:
    fake = FakeBackend()
    fake.add_link("brops", "bridge", up=False, stp=True, forward_delay=1500)
    fake.add_link("brours", "bridge", up=True, stp=True, forward_delay=1500, alias="novanet:bridge")
    assert plan(fake, "brops") == [r.SetLink("brops", up=True)]
    assert plan(fake, "brours") == [r.SetLink("brours", stp=False, forward_delay=0)]
    assert plan(fake, "brours", mtu=9000) == [r.SetLink("brours", mtu=9000, stp=False, forward_delay=0)]


def test_enslaved_uplink_with_pinned_mac_needs_nothing() -> None:
    fake = FakeBackend()
    br = fake.add_link("br1", "bridge", up=True, mac="52:54:00:00:00:01")
    fake.add_link("eth1", up=True, mac="52:54:00:00:00:01", master=br.index)
    assert plan(fake, "br1", "eth1") == []


def test_errors() -> None:
    fake = FakeBackend()
    fake.add_link("eth0", up=True)
    other = fake.add_link("brx", "bridge")
    fake.add_link("eth1", master=other.index)
    with pytest.raises(exception.DriverError, match="not a bridge"):
        plan(fake, "eth0")
    with pytest.raises(exception.DriverError, match="does not exist"):
        plan(fake, "br1", "eth9")
    with pytest.raises(exception.DriverError, match="another bridge"):
        plan(fake, "br1", "eth1")
    with pytest.raises(exception.InvalidInput):
        plan(fake, "br1", "br1")
    with pytest.raises(exception.InvalidInput):
        plan(fake, "a-bridge-name-too-long")


def test_remove_only_ours() -> None:
    assert plan_remove_link(None) == []
    ours = r.Link(index=4, name="br1", kind="bridge", alias="novanet:bridge")
    assert plan_remove_link(ours) == [r.SetLink("br1", up=False), r.DeleteLink("br1")]
    with pytest.raises(exception.DriverError, match="did not create"):
        plan_remove_link(r.Link(index=5, name="br0", kind="bridge"))
