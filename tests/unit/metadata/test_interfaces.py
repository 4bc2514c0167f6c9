"""The flat_injected interfaces file: byte-exact outputs (reference §6, 29-30)."""

from __future__ import annotations

import pathlib

import pytest

from novanet import exception
from novanet.metadata import interfaces
from novanet.model import Route
from tests.unit.metadata import shapes as s

HEADER = """\
# Network configuration of this instance's injected (flat_injected)
# networks, written by novanet. The format is described in interfaces(5).

auto lo
iface lo inet loopback
"""

ETH0_V4 = """
auto eth0
iface eth0 inet static
    hwaddress ether fa:16:3e:11:22:33
    address 10.0.0.5
    netmask 255.255.255.0
    broadcast 10.0.0.255
    gateway 10.0.0.1
    dns-nameservers 8.8.4.4 8.8.8.8
"""

ETH0_V6 = """
iface eth0 inet6 static
    hwaddress ether fa:16:3e:11:22:33
    address fd00:1::f816:3eff:fe11:2233
    netmask 64
    gateway fd00:1::1
    dns-nameservers fd00:1::53
"""


def test_static_v4() -> None:
    assert interfaces.render_interfaces(s.flat_static()) == HEADER + ETH0_V4


def test_no_gateway() -> None:
    expected = HEADER + ETH0_V4.replace("    gateway 10.0.0.1\n", "")
    assert interfaces.render_interfaces(s.flat_static(gateway=None)) == expected


def test_no_dns() -> None:
    expected = HEADER + ETH0_V4.replace("    dns-nameservers 8.8.4.4 8.8.8.8\n", "")
    assert interfaces.render_interfaces(s.flat_static(dns=())) == expected


def test_dual_stack() -> None:
    assert interfaces.render_interfaces(s.dual_stack()) == HEADER + ETH0_V4 + ETH0_V6


def test_v6_only() -> None:
    assert interfaces.render_interfaces(s.v6_only()) == HEADER + "\nauto eth0" + ETH0_V6


def test_v6_only_without_gateway() -> None:
    expected = HEADER + "\nauto eth0" + ETH0_V6.replace("    gateway fd00:1::1\n", "")
    assert interfaces.render_interfaces(s.v6_only(gateway=None)) == expected


def test_two_interfaces_one_default_route() -> None:
    eth1 = """
auto eth1
iface eth1 inet static
    hwaddress ether fa:16:3e:44:55:66
    address 10.1.0.7
    netmask 255.255.255.0
    broadcast 10.1.0.255
    dns-nameservers 8.8.8.8 1.1.1.1
"""
    assert interfaces.render_interfaces(s.two_nics()) == HEADER + ETH0_V4 + eth1


def test_lxc_dual_stack() -> None:
    lxc = """\
    post-up ip -6 addr add fd00:1::f816:3eff:fe11:2233/64 dev $IFACE
    post-up ip -6 route add default via fd00:1::1 dev $IFACE
"""
    assert interfaces.render_interfaces(s.dual_stack(), virt_type="lxc") == HEADER + ETH0_V4 + lxc


def test_lxc_v6_only() -> None:
    expected = HEADER + (
        "\nauto eth0\n"
        "iface eth0 inet manual\n"
        "    hwaddress ether fa:16:3e:11:22:33\n"
        "    post-up ip -6 addr add fd00:1::f816:3eff:fe11:2233/64 dev $IFACE\n"
        "    post-up ip -6 route add default via fd00:1::1 dev $IFACE\n"
    )
    assert interfaces.render_interfaces(s.v6_only(), virt_type="lxc") == expected


def test_routes_and_mtu() -> None:
    ni = s.info(
        s.vif(s.network(s.v4(routes=(Route("192.168.0.0/16", "10.0.0.254"),)), injected=True, mtu=1400))
    )
    expected = HEADER + ETH0_V4.replace(
        "    dns-nameservers",
        "    mtu 1400\n    dns-nameservers",
    ) + "    up ip route replace 192.168.0.0/16 via 10.0.0.254 dev $IFACE\n"
    assert interfaces.render_interfaces(ni) == expected


def test_point_to_point_prefix_has_no_broadcast() -> None:
    ni = s.info(s.vif(s.network(s.v4(cidr="10.0.0.4/31", ips=("10.0.0.5",), gateway=None, dns=()), injected=True)))
    out = interfaces.render_interfaces(ni)
    assert out is not None
    assert "broadcast" not in out
    assert "netmask 255.255.255.254" in out


def test_dhcp_network_gives_no_file() -> None:
    ni = s.info(s.vif(s.network(s.v4(dhcp_server="10.0.0.1"), injected=True)))
    assert interfaces.render_interfaces(ni) is None


def test_not_injected_gives_no_file() -> None:
    assert interfaces.render_interfaces(s.info(s.vif(s.network(s.v4(), injected=False)))) is None
    assert interfaces.render_interfaces(s.info()) is None


def test_naming_gaps() -> None:
    # Scenario 30: a DHCP VIF and a non-injected VIF still consume eth0, eth1.
    ni = s.info(
        s.vif(s.network(s.v4(dhcp_server="10.0.0.1"), injected=True), mac=s.MAC1, vif_id=s.VIF1),
        s.vif(s.network(s.v4(cidr="10.2.0.0/24", ips=("10.2.0.5",)), injected=False), mac=s.MAC2, vif_id=s.VIF2),
        s.vif(s.network(), mac="fa:16:3e:00:00:09", vif_id="no-subnets"),
        s.vif(s.network(s.v4(), injected=True)),
    )
    names = [i.name for i in interfaces.injected_interfaces(ni)]
    assert names == ["eth2"]
    out = interfaces.render_interfaces(ni)
    assert out is not None and "auto eth2\niface eth2 inet static\n" in out


def test_injected_flag_as_string() -> None:
    ni = s.info(s.vif(s.network(s.v4(), injected="True")))  # type: ignore[arg-type]
    assert interfaces.render_interfaces(ni) == HEADER + ETH0_V4


def test_custom_template(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "custom.template"
    path.write_text(
        "{% for i in interfaces %}{{ i.name }} {{ i.address }}/{{ i.netmask }}"
        " {{ i.address_v6 }}/{{ i.netmask_v6 }}{% if use_ipv6 %} v6{% endif %}\n{% endfor %}"
    )
    out = interfaces.render_interfaces(s.dual_stack(), interfaces.load_template(str(path)))
    # trim_blocks (nova's setting) eats the newline after a block tag.
    assert out == "eth0 10.0.0.5/255.255.255.0 fd00:1::f816:3eff:fe11:2233/64 v6"


def test_broken_template_is_a_config_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "broken.template"
    path.write_text("{% for %}")
    with pytest.raises(exception.InvalidConfig, match="broken.template"):
        interfaces.load_template(str(path))
    with pytest.raises(exception.InvalidConfig, match="missing"):
        interfaces.load_template(str(tmp_path / "missing"))


def test_shipped_template_is_package_data() -> None:
    assert interfaces.DEFAULT_TEMPLATE.endswith("novanet/metadata/templates/interfaces.template")
    with open(interfaces.DEFAULT_TEMPLATE, encoding="utf-8") as handle:
        assert "interfaces(5)" in handle.read()


def test_template_cache_follows_edits(tmp_path: pathlib.Path) -> None:
    import os

    path = tmp_path / "t.template"
    path.write_text("one")
    first = interfaces.load_template(str(path))
    assert interfaces.load_template(str(path)) is first
    path.write_text("two")
    os.utime(path, ns=(1, 1))
    assert interfaces.load_template(str(path)).render() == "two"
