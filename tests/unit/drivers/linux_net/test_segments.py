"""Segment selection, stevedore loading and the flat, vlan and vxlan drivers."""

from __future__ import annotations

import dataclasses

import pytest

from novanet import exception
from novanet.drivers.linux_net.fake import FakeBackend
from novanet.drivers.linux_net.segments import load_segment_driver, segment_kind
from novanet.drivers.linux_net.segments.flat import FlatSegment
from novanet.drivers.linux_net.segments.vlan import VlanSegment
from novanet.drivers.linux_net.segments.vxlan import VxlanSegment
from tests.unit.drivers.linux_net.facts import FLAT, VLAN, links_on


def test_segment_kind() -> None:
    assert segment_kind(FLAT, "vxlan") == "flat"
    assert segment_kind(VLAN, "vxlan") == "vxlan"
    assert segment_kind(VLAN, "vlan") == "vlan"


@pytest.mark.parametrize(("name", "cls"), [("flat", FlatSegment), ("vlan", VlanSegment), ("vxlan", VxlanSegment)])
def test_drivers_load_by_entry_point(name: str, cls: type) -> None:
    lay, _ = links_on()
    assert isinstance(load_segment_driver(name, lay, lay.config), cls)



def test_flat_uses_flat_interface_over_bridge_interface() -> None:
    lay, fake = links_on(flat_interface="eth2")
    assert lay.plug(FLAT).uplink == "eth2"
    assert fake.links["eth2"].master == fake.links["br100"].index
    assert fake.links["eth1"].master is None


def test_flat_without_bridge_creation_needs_the_operators_bridge() -> None:
    lay, fake = links_on()
    net = dataclasses.replace(FLAT, should_create_bridge=False)
    with pytest.raises(exception.DriverError, match="operator's bridge"):
        lay.plug(net)
    fake.add_link("br100", "bridge", up=True)
    assert lay.plug(net).bridge == "br100"
    lay.unplug(net)
    assert "br100" in fake.links


def test_vlan_uses_vlan_interface_over_bridge_interface() -> None:
    lay, fake = links_on(segment_driver="vlan", vlan_interface="eth2")
    plugged = lay.plug(VLAN, mac="fa:16:3e:00:00:02")
    assert (plugged.bridge, plugged.uplink) == ("br102", "vlan102")
    vlan = fake.links["vlan102"]
    assert (vlan.parent, vlan.vlan_id, vlan.mac, vlan.mtu) == (fake.links["eth2"].index, 102, "fa:16:3e:00:00:02", 1400)
    assert vlan.master == fake.links["br102"].index
    assert fake.links["br102"].mac == "fa:16:3e:00:00:02"
    lay.unplug(VLAN)
    assert "vlan102" not in fake.links and "br102" not in fake.links


def test_vlan_needs_a_parent() -> None:
    lay, _ = links_on(segment_driver="vlan")
    with pytest.raises(exception.InvalidConfig, match="needs vlan_interface"):
        lay.plug(dataclasses.replace(VLAN, bridge_interface=None))


def test_vlan_unsupported_kernel() -> None:
    lay, fake = links_on(FakeBackend(unsupported_kinds=["vlan"]), segment_driver="vlan")
    assert not VlanSegment(lay, lay.config).supported()
    with pytest.raises(exception.DriverError, match="does not support vlan"):
        lay.plug(VLAN)
    assert "br102" not in fake.links


def test_vxlan_segment() -> None:
    lay, fake = links_on(segment_driver="vxlan", vxlan_local_ip="10.9.0.1", vxlan_peers=("10.9.0.1", "10.9.0.2"))
    plugged = lay.plug(VLAN)
    assert plugged.uplink == "vxlan102"
    vx = fake.links["vxlan102"]
    assert (vx.vni, vx.vxlan_local, vx.mtu, vx.master) == (102, "10.9.0.1", 1400, fake.links["br102"].index)
    assert [e.dst for e in fake.fdb["vxlan102"]] == ["10.9.0.2"]
    assert lay.segment_driver(VLAN).devices(VLAN) == ("br102", "vxlan102")



