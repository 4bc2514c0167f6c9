"""Links: the ensure/remove contract on the in-memory kernel."""

from __future__ import annotations

from novanet.drivers.linux_net import records as r
from novanet.drivers.linux_net.fake import FakeBackend
from novanet.drivers.linux_net.links import Links
from novanet.drivers.linux_net.plan_gateway import GatewaySpec
from novanet.drivers.linux_net.plan_segment import VxlanSpec


def test_every_ensure_is_idempotent() -> None:
    fake = FakeBackend()
    fake.add_link("eth0", up=True)
    fake.seed_address("eth0", "192.168.1.10/24")
    fake.seed_route(r.Route(device="eth0", gateway="192.168.1.1"))
    links = Links(fake, arp_count=1)
    calls = [
        lambda: links.ensure_bridge("br100", "eth0", mtu=1500),
        lambda: links.ensure_gateway("br100", GatewaySpec("10.0.0.1", 24, "10.0.0.255")),
        lambda: links.ensure_vxlan(VxlanSpec(vni=101, peers=("10.9.0.2",))),
        lambda: links.ensure_bridge("br101", "vxlan101"),
        lambda: links.bind_floating_ip("203.0.113.7", "br100"),
        lambda: links.ensure_metadata_ip(),
    ]
    for call in calls:
        assert call(), "the first call changes the host"
    applied = len(fake.applied)
    for call in calls:
        assert call() == ()
    assert len(fake.applied) == applied


def test_remove_device_only_ours() -> None:
    fake = FakeBackend()
    fake.add_link("brops", "bridge")
    links = Links(fake)
    links.ensure_bridge("brours")
    assert links.remove_bridge("brops") is False
    assert links.remove_bridge("brours") is True
    assert links.remove_bridge("brours") is False
    assert set(fake.links) == {"lo", "brops"}


def test_owned_links() -> None:
    fake = FakeBackend()
    fake.add_link("brops", "bridge")
    links = Links(fake)
    links.ensure_bridge("br1")
    links.ensure_vxlan(VxlanSpec(vni=1))
    assert [link.name for link in links.owned_links()] == ["br1", "vxlan1"]


def test_clean_conntrack_tolerates_nothing_to_delete() -> None:
    fake = FakeBackend()
    fake.tool_handler = lambda argv: r.ToolResult(argv, 1, stderr="0 flow entries have been deleted.")
    Links(fake).clean_conntrack("10.0.0.5")
    assert fake.tool_calls == [("conntrack", "-D", "-r", "10.0.0.5")]


def test_unbind_on_missing_device_is_fine() -> None:
    assert Links(FakeBackend()).unbind_floating_ip("203.0.113.7", "eth9") == ()
