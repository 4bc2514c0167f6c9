"""VLAN and VXLAN device plans."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.linux_net import records as r
from novanet.drivers.linux_net.fake import FakeBackend
from novanet.drivers.linux_net.plan_segment import VlanSpec, VxlanSpec, plan_vlan, plan_vxlan, vlan_query, vxlan_query


def vlan(fake: FakeBackend, spec: VlanSpec) -> list[r.Action]:
    return plan_vlan(fake.snapshot(None, vlan_query(spec)), spec)


def vxlan(fake: FakeBackend, spec: VxlanSpec) -> list[r.Action]:
    return plan_vxlan(fake.snapshot(None, vxlan_query(spec)), spec)


def test_vlan_created_on_its_parent_with_mac_and_mtu() -> None:
    fake = FakeBackend()
    fake.add_link("eth1", up=True)
    spec = VlanSpec(vlan=100, parent="eth1", mac="fa:16:3e:00:00:01", mtu=1400)
    (create,) = vlan(fake, spec)
    assert create == r.CreateLink(
        name="vlan100", kind="vlan", alias="novanet:vlan", parent="eth1", vlan_id=100, mac="fa:16:3e:00:00:01", mtu=1400
    )
    fake.apply(None, [create])
    assert vlan(fake, spec) == []
    assert vlan(fake, VlanSpec(vlan=100, parent="eth1", mtu=1300)) == [r.SetLink("vlan100", mtu=1300)]


def test_vlan_errors() -> None:
    fake = FakeBackend()
    with pytest.raises(exception.DriverError, match="parent interface eth1 does not exist"):
        vlan(fake, VlanSpec(vlan=100, parent="eth1"))
    fake.add_link("eth1")
    fake.add_link("eth2")
    fake.apply(None, [r.CreateLink(name="vlan100", kind="vlan", alias="x", parent="eth2", vlan_id=100)])
    with pytest.raises(exception.DriverError, match="is not VLAN 100 on eth1"):
        vlan(fake, VlanSpec(vlan=100, parent="eth1"))


def test_vlan_on_a_kernel_without_8021q() -> None:
    fake = FakeBackend(unsupported_kinds=["vlan"])
    fake.add_link("eth1")
    with pytest.raises(exception.DriverError, match="does not support vlan"):
        fake.apply(None, vlan(fake, VlanSpec(vlan=100, parent="eth1")))


def test_vxlan_unicast_floods_to_peers_but_not_itself() -> None:
    fake = FakeBackend()
    spec = VxlanSpec(vni=100, local="10.0.0.1", peers=("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.2"))
    actions = vxlan(fake, spec)
    assert actions[0] == r.CreateLink(
        name="vxlan100", kind="vxlan", alias="novanet:vxlan", vni=100, vxlan_local="10.0.0.1", vxlan_port=4789,
        vxlan_learning=True,
    )
    assert actions[1:] == [
        r.AddFdb("vxlan100", r.FdbEntry(r.ZERO_MAC, "10.0.0.2")),
        r.AddFdb("vxlan100", r.FdbEntry(r.ZERO_MAC, "10.0.0.3")),
    ]
    fake.apply(None, actions)
    assert vxlan(fake, spec) == []


def test_vxlan_peer_list_changes_are_diffed() -> None:
    fake = FakeBackend()
    fake.apply(None, vxlan(fake, VxlanSpec(vni=5, peers=("10.0.0.2", "10.0.0.3"))))
    fake.fdb["vxlan5"].append(r.FdbEntry("52:54:00:00:00:09", "10.0.0.2"))  # learnt: not ours to drop
    actions = vxlan(fake, VxlanSpec(vni=5, peers=("10.0.0.3", "10.0.0.4")))
    assert actions == [
        r.AddFdb("vxlan5", r.FdbEntry(r.ZERO_MAC, "10.0.0.4")),
        r.DeleteFdb("vxlan5", r.FdbEntry(r.ZERO_MAC, "10.0.0.2")),
    ]


def test_vxlan_multicast_needs_no_flood_entries() -> None:
    fake = FakeBackend()
    fake.add_link("eth1", up=True)
    spec = VxlanSpec(vni=9, group="239.1.1.1", underlay="eth1", peers=("10.0.0.2",))
    actions = vxlan(fake, spec)
    assert len(actions) == 1 and isinstance(actions[0], r.CreateLink)
    assert (actions[0].vxlan_group, actions[0].vxlan_link) == ("239.1.1.1", "eth1")
    fake.apply(None, actions)
    assert vxlan(fake, spec) == []


def test_vxlan_drift_recreates_ours_and_refuses_foreign() -> None:
    fake = FakeBackend()
    fake.apply(None, vxlan(fake, VxlanSpec(vni=7, peers=("10.0.0.2",))))
    actions = vxlan(fake, VxlanSpec(vni=7, local="10.0.0.1", peers=("10.0.0.2",)))
    assert [type(a).__name__ for a in actions] == ["DeleteLink", "CreateLink", "AddFdb"]
    fake.add_link("vxlan8", "vxlan", vni=99, vxlan_port=4789)
    with pytest.raises(exception.DriverError, match="is not novanet's"):
        vxlan(fake, VxlanSpec(vni=8))
    with pytest.raises(exception.DriverError, match="underlay interface eth7 does not exist"):
        vxlan(fake, VxlanSpec(vni=8, underlay="eth7"))


def test_vxlan_down_or_mtu_changed() -> None:
    fake = FakeBackend()
    fake.apply(None, vxlan(fake, VxlanSpec(vni=3)))
    fake.apply(None, [r.SetLink("vxlan3", up=False)])
    assert vxlan(fake, VxlanSpec(vni=3, mtu=1400)) == [r.SetLink("vxlan3", up=True, mtu=1400)]
