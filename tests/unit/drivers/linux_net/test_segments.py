"""Segment selection, stevedore loading and the per-network LinkLayer."""

from __future__ import annotations

import dataclasses

import pytest
from oslo_config import cfg

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net import LinkConfig, LinkLayer
from novanet.drivers.linux_net.fake import FakeBackend
from novanet.drivers.linux_net.segments import load_segment_driver, segment_kind
from novanet.drivers.linux_net.segments.flat import FlatSegment
from novanet.drivers.linux_net.segments.vlan import VlanSegment
from novanet.drivers.linux_net.segments.vxlan import VxlanSegment

FLAT = NetworkSpec(id=1, uuid="flat", label="flat", bridge="br100", bridge_interface="eth1",
                   cidr="10.0.0.0/24", gateway="10.0.0.1", dhcp_server="10.0.0.1")
VLAN = dataclasses.replace(FLAT, uuid="seg", bridge="br102", vlan=102, cidr="10.0.2.0/24", gateway="10.0.2.1",
                           dhcp_server="10.0.2.1", mtu=1400)


def layer(fake: FakeBackend | None = None, **config: object) -> tuple[LinkLayer, FakeBackend]:
    fake = fake or FakeBackend()
    for name in ("eth1", "eth2"):
        if name not in fake.links:
            fake.add_link(name, up=True)
    return LinkLayer(LinkConfig(**config), backend=fake), fake  # type: ignore[arg-type]


def test_segment_kind() -> None:
    assert segment_kind(FLAT, "vxlan") == "flat"
    assert segment_kind(VLAN, "vxlan") == "vxlan"
    assert segment_kind(VLAN, "vlan") == "vlan"


@pytest.mark.parametrize(("name", "cls"), [("flat", FlatSegment), ("vlan", VlanSegment), ("vxlan", VxlanSegment)])
def test_drivers_load_by_entry_point(name: str, cls: type) -> None:
    lay, _ = layer()
    assert isinstance(load_segment_driver(name, lay.links, lay.config), cls)


def test_unknown_driver_is_a_config_error() -> None:
    lay, _ = layer(segment_driver="gre")
    with pytest.raises(exception.InvalidConfig, match="'gre' is not an entry point"):
        lay.plug(VLAN)


def test_flat_uses_flat_interface_over_bridge_interface() -> None:
    lay, fake = layer(flat_interface="eth2")
    assert lay.plug(FLAT).uplink == "eth2"
    assert fake.links["eth2"].master == fake.links["br100"].index
    assert fake.links["eth1"].master is None


def test_flat_without_bridge_creation_needs_the_operators_bridge() -> None:
    lay, fake = layer()
    net = dataclasses.replace(FLAT, should_create_bridge=False)
    with pytest.raises(exception.DriverError, match="operator's bridge"):
        lay.plug(net)
    fake.add_link("br100", "bridge", up=True)
    assert lay.plug(net).bridge == "br100"
    lay.unplug(net)
    assert "br100" in fake.links


def test_vlan_uses_vlan_interface_over_bridge_interface() -> None:
    lay, fake = layer(segment_driver="vlan", vlan_interface="eth2")
    plugged = lay.plug(VLAN, mac="fa:16:3e:00:00:02")
    assert (plugged.bridge, plugged.uplink) == ("br102", "vlan102")
    vlan = fake.links["vlan102"]
    assert (vlan.parent, vlan.vlan_id, vlan.mac, vlan.mtu) == (fake.links["eth2"].index, 102, "fa:16:3e:00:00:02", 1400)
    assert vlan.master == fake.links["br102"].index
    assert fake.links["br102"].mac == "fa:16:3e:00:00:02"
    lay.unplug(VLAN)
    assert "vlan102" not in fake.links and "br102" not in fake.links


def test_vlan_needs_a_parent() -> None:
    lay, _ = layer(segment_driver="vlan")
    with pytest.raises(exception.InvalidConfig, match="needs vlan_interface"):
        lay.plug(dataclasses.replace(VLAN, bridge_interface=None))


def test_vlan_unsupported_kernel() -> None:
    lay, fake = layer(FakeBackend(unsupported_kinds=["vlan"]), segment_driver="vlan")
    assert not VlanSegment(lay.links, lay.config).supported()
    with pytest.raises(exception.DriverError, match="does not support vlan"):
        lay.plug(VLAN)
    assert "br102" not in fake.links


def test_vxlan_segment() -> None:
    lay, fake = layer(segment_driver="vxlan", vxlan_local_ip="10.9.0.1", vxlan_peers=("10.9.0.1", "10.9.0.2"))
    plugged = lay.plug(VLAN)
    assert plugged.uplink == "vxlan102"
    vx = fake.links["vxlan102"]
    assert (vx.vni, vx.vxlan_local, vx.mtu, vx.master) == (102, "10.9.0.1", 1400, fake.links["br102"].index)
    assert [e.dst for e in fake.fdb["vxlan102"]] == ["10.9.0.2"]
    assert lay.segments.devices(VLAN) == ("br102", "vxlan102")


def test_shared_dhcp_address_is_isolated_on_the_uplink() -> None:
    lay, fake = layer(segment_driver="vxlan", share_dhcp_address=True)
    lay.plug(VLAN)
    inserted = [argv for argv in fake.tool_calls if "-I" in argv]
    assert len(inserted) == 4 and all("vxlan102" in argv for argv in inserted)
    assert [argv[5] for argv in inserted if "10.0.2.1" in argv] == ["INPUT", "OUTPUT"]
    fake.tool_calls.clear()
    lay.unplug(VLAN)
    assert [argv[4] for argv in fake.tool_calls] == ["-D"] * 4


def test_gateway_and_floating_through_the_layer() -> None:
    lay, fake = layer(public_interface="eth2")
    lay.plug(FLAT)
    lay.ensure_gateway(FLAT)
    assert fake.addresses["br100"][0].cidr == "10.0.0.1/24"
    assert fake.sysctls["net/ipv4/ip_forward"] == "1"
    lay.bind_floating_ip("203.0.113.9", "eth1")
    assert [a.cidr for a in fake.addresses["eth2"]] == ["203.0.113.9/32"], "public_interface wins"
    lay.unbind_floating_ip("203.0.113.9")
    assert fake.addresses["eth2"] == []


def test_floating_without_any_interface() -> None:
    lay, _ = layer()
    with pytest.raises(exception.InvalidConfig):
        lay.bind_floating_ip("203.0.113.9")


def test_stale_devices_are_ours_and_unbacked() -> None:
    lay, fake = layer(segment_driver="vxlan")
    lay.plug(FLAT)
    lay.plug(VLAN)
    fake.add_link("brops", "bridge")
    assert set(lay.stale_devices([FLAT])) == {"br102", "vxlan102"}
    assert set(lay.remove_stale_devices([FLAT])) == {"br102", "vxlan102"}
    assert {"br100", "brops", "eth1"} <= set(fake.links)
    assert lay.stale_devices([FLAT]) == ()


def test_config_from_conf() -> None:
    conf = cfg.ConfigOpts()
    from novanet.conf import linux_net, network

    linux_net.register_opts(conf)
    network.register_opts(conf)
    conf([], default_config_files=[])
    conf.set_override("vxlan_peers", ["10.9.0.1", "10.9.0.2"], group="linux_net")
    conf.set_override("segment_driver", "vxlan", group="linux_net")
    conf.set_override("vlan_interface", "eth2")
    config = LinkConfig.from_conf(conf)
    assert config.vxlan_peers == ("10.9.0.1", "10.9.0.2")
    assert (config.segment_driver, config.vlan_interface, config.namespace) == ("vxlan", "eth2", None)
    assert config.arp_count == 0
    conf.set_override("vxlan_group", "239.1.1.1", group="linux_net")
    with pytest.raises(exception.InvalidConfig, match="mutually exclusive"):
        LinkConfig.from_conf(conf)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"vxlan_group": "10.1.1.1", "vxlan_interface": "eth1"}, "not multicast"),
        ({"vxlan_group": "239.1.1.1"}, "needs vxlan_interface"),
    ],
)
def test_config_validation(fields: dict[str, str], message: str) -> None:
    with pytest.raises(exception.InvalidConfig, match=message):
        LinkConfig(**fields).validate()  # type: ignore[arg-type]
