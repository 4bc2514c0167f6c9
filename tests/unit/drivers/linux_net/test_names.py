from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.linux_net import names
from novanet.drivers.linux_net.records import Link


@pytest.mark.parametrize("name", ["br100", "a" * 15, "vxlan16777215", "eth0.100"])
def test_valid_names(name: str) -> None:
    assert names.check_ifname(name) == name


@pytest.mark.parametrize("name", ["", ".", "..", "a" * 16, "br/1", "br 1", "br:1"])
def test_invalid_names(name: str) -> None:
    with pytest.raises(exception.InvalidInput):
        names.check_ifname(name)


def test_segment_names_fit_ifnamsiz() -> None:
    assert names.vlan_ifname(100) == "vlan100"
    assert names.vxlan_ifname(names.MAX_VNI) == "vxlan16777215"
    assert len(names.vxlan_ifname(names.MAX_VNI)) <= names.MAX_IFNAME
    assert len(names.vlan_ifname(names.MAX_VLAN)) <= names.MAX_IFNAME


@pytest.mark.parametrize("bad", [0, 4095])
def test_vlan_range(bad: int) -> None:
    with pytest.raises(exception.InvalidVlan):
        names.vlan_ifname(bad)


@pytest.mark.parametrize("bad", [0, 2**24])
def test_vni_range(bad: int) -> None:
    with pytest.raises(exception.InvalidVlan):
        names.vxlan_ifname(bad)


@pytest.mark.parametrize(
    ("alias", "owned"),
    [(None, False), ("", False), ("uplink to rack 3", False), ("novanetwork", False), ("novanet", True),
     ("novanet:bridge", True)],
)
def test_ownership_is_the_alias_tag(alias: str | None, owned: bool) -> None:
    assert names.is_owned(Link(index=3, name="br1", alias=alias)) is owned
    assert names.is_owned(None) is False
