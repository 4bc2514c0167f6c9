"""Links: the ensure/remove contract and per-network plumbing on the in-memory kernel."""

from __future__ import annotations

import dataclasses

import pytest

from novanet import exception
from novanet.drivers.linux_net import privileged
from novanet.drivers.linux_net import records as r
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.fake import FakeBackend
from novanet.drivers.linux_net.links import Links
from novanet.drivers.linux_net.plan_gateway import GatewaySpec
from novanet.drivers.linux_net.plan_segment import VxlanSpec
from tests.unit.drivers.linux_net.facts import FLAT, VLAN, links_on


def test_every_ensure_is_idempotent() -> None:
    fake = FakeBackend()
    fake.add_link("eth0", up=True)
    fake.seed_address("eth0", "192.168.1.10/24")
    fake.seed_route(r.Route(device="eth0", gateway="192.168.1.1"))
    links = Links(LinkConfig(send_arp_for_ha=True, send_arp_for_ha_count=1), fake)
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
    links = Links(LinkConfig(), fake)
    links.ensure_bridge("brours")
    assert links.remove_bridge("brops") is False
    assert links.remove_bridge("brours") is True
    assert links.remove_bridge("brours") is False
    assert set(fake.links) == {"lo", "brops"}


def test_owned_links() -> None:
    fake = FakeBackend()
    fake.add_link("brops", "bridge")
    links = Links(LinkConfig(), fake)
    links.ensure_bridge("br1")
    links.ensure_vxlan(VxlanSpec(vni=1))
    assert [link.name for link in links.owned_links()] == ["br1", "vxlan1"]


def test_clean_conntrack_tolerates_nothing_to_delete() -> None:
    fake = FakeBackend()
    fake.tool_handler = lambda argv: r.ToolResult(argv, 1, stderr="0 flow entries have been deleted.")
    Links(LinkConfig(), fake).clean_conntrack("10.0.0.5")
    assert fake.tool_calls == [("conntrack", "-D", "-r", "10.0.0.5")]


def test_unbind_on_missing_device_is_fine() -> None:
    assert Links(LinkConfig(), FakeBackend()).unbind_floating_ip("203.0.113.7", "eth9") == ()


def test_every_call_names_the_configured_namespace() -> None:
    links, _ = links_on(FakeBackend(namespace="nn-ours"), namespace="nn-ours")
    links.ensure_bridge("br1")
    links.plug(FLAT)
    links.clean_conntrack("10.0.0.5")
    assert links.vlan_supported()
    links.close()
    assert links.backend.closed == 1  # type: ignore[attr-defined]
    elsewhere = Links(LinkConfig(namespace="nn-other"), FakeBackend(namespace="nn-ours"))
    with pytest.raises(exception.DriverError, match="'nn-other' does not exist"):
        elsewhere.ensure_bridge("br1")


def test_the_kernel_backend_is_the_privileged_module() -> None:
    assert Links(LinkConfig()).backend is privileged


# -- per network -------------------------------------------------------------------------


def test_unknown_segment_driver_is_a_config_error() -> None:
    links, _ = links_on(segment_driver="gre")
    with pytest.raises(exception.InvalidConfig, match="'gre' is not an installed entry point"):
        links.plug(VLAN)


def test_segment_drivers_are_loaded_once() -> None:
    links, _ = links_on(segment_driver="vxlan")
    assert links.segment_driver(VLAN) is links.segment_driver(dataclasses.replace(VLAN, vlan=103))
    assert links.segment_driver(FLAT) is not links.segment_driver(VLAN)


def test_shared_dhcp_address_is_isolated_on_the_uplink() -> None:
    links, fake = links_on(segment_driver="vxlan", share_dhcp_address=True)
    links.plug(VLAN)
    inserted = [argv for argv in fake.tool_calls if "-I" in argv]
    assert len(inserted) == 4 and all("vxlan102" in argv for argv in inserted)
    assert [argv[5] for argv in inserted if "10.0.2.1" in argv] == ["INPUT", "OUTPUT"]
    fake.tool_calls.clear()
    links.unplug(VLAN)
    assert [argv[4] for argv in fake.tool_calls] == ["-D"] * 4


def test_shared_dhcp_address_on_a_flat_network_is_isolated_on_flat_interface() -> None:
    links, fake = links_on(flat_interface="eth2")
    shared = dataclasses.replace(FLAT, share_address=True)
    links.plug(shared)
    assert all("eth2" in argv for argv in fake.tool_calls if "-I" in argv)
    fake.tool_calls.clear()
    links.unplug(shared)
    removed = [argv for argv in fake.tool_calls if "-D" in argv]
    assert len(removed) == 4 and all("eth2" in argv for argv in removed)


def test_gateway_and_floating_of_a_network() -> None:
    links, fake = links_on(public_interface="eth2")
    links.plug(FLAT)
    links.ensure_gateway(FLAT.bridge, GatewaySpec.from_network(FLAT))
    assert fake.addresses["br100"][0].cidr == "10.0.0.1/24"
    assert fake.sysctls["net/ipv4/ip_forward"] == "1"
    device = links.public_device("eth1")
    assert device == "eth2", "public_interface wins"
    links.bind_floating_ip("203.0.113.9", device)
    assert [a.cidr for a in fake.addresses["eth2"]] == ["203.0.113.9/32"]
    links.unbind_floating_ip("203.0.113.9", device)
    assert fake.addresses["eth2"] == []


def test_public_device_falls_back_to_the_floating_ips_interface() -> None:
    links, _ = links_on()
    assert links.public_device("eth1") == "eth1"
    with pytest.raises(exception.InvalidConfig, match="public_interface is empty"):
        links.public_device(None)
    with pytest.raises(exception.InvalidInput):
        links.public_device("much-too-long-interface")


def test_stale_devices_are_ours_and_unbacked() -> None:
    links, fake = links_on(segment_driver="vxlan")
    links.plug(FLAT)
    links.plug(VLAN)
    fake.add_link("brops", "bridge")
    assert set(links.stale_devices([FLAT])) == {"br102", "vxlan102"}
    assert set(links.remove_stale_devices([FLAT])) == {"br102", "vxlan102"}
    assert {"br100", "brops", "eth1"} <= set(fake.links)
    assert links.stale_devices([FLAT]) == ()
