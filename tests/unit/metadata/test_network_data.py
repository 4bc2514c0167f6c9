"""network_data.json over the network shapes of reference §6 (scenarios 1-14)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from novanet import exception
from novanet.metadata.network_data import lint_network_data, network_data
from novanet.model import NetworkInfo, Route, Subnet
from tests.unit.metadata import shapes as s


def _doc(ni: NetworkInfo) -> dict[str, Any]:
    doc = network_data(ni)
    assert json.loads(json.dumps(doc)) == doc
    assert lint_network_data(doc) == []
    return doc


def test_flat_static_exact() -> None:
    # Scenario 1.
    assert _doc(s.flat_static()) == {
        "links": [
            {
                "id": "interface0",
                "vif_id": s.VIF0,
                "type": "bridge",
                "mtu": None,
                "ethernet_mac_address": s.MAC0,
            }
        ],
        "networks": [
            {
                "id": "network0",
                "type": "ipv4",
                "link": "interface0",
                "ip_address": "10.0.0.5",
                "netmask": "255.255.255.0",
                "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1"}],
                "network_id": s.NET0,
                "services": [{"type": "dns", "address": "8.8.4.4"}, {"type": "dns", "address": "8.8.8.8"}],
            }
        ],
        "services": [{"type": "dns", "address": "8.8.4.4"}, {"type": "dns", "address": "8.8.8.8"}],
    }


def test_without_gateway_has_no_routes() -> None:
    # Scenario 2.
    doc = _doc(s.flat_static(gateway=None))
    assert doc["networks"][0]["routes"] == []


def test_without_dns_has_empty_services() -> None:
    # Scenario 3.
    doc = _doc(s.flat_static(dns=()))
    assert doc["networks"][0]["services"] == []
    assert doc["services"] == []


def test_dhcp_network_is_bare_and_keeps_dns() -> None:
    # Scenario 4: FlatDHCP or Vlan; no VLAN link (the VLAN ends on the host).
    doc = _doc(s.flat_dhcp())
    # The address DHCP hands out is told too (cloud-init ignores it for dhcp4).
    assert doc["networks"] == [{"id": "network0", "type": "ipv4_dhcp", "link": "interface0", "network_id": s.NET0,
                                "ip_address": "10.0.0.5"}]
    assert [link["type"] for link in doc["links"]] == ["bridge"]
    assert doc["links"][0]["mtu"] is None
    assert [x["address"] for x in doc["services"]] == ["8.8.4.4", "8.8.8.8"]


def test_two_nics_numbering_and_dedup() -> None:
    # Scenario 5.
    doc = _doc(s.two_nics())
    assert [link["id"] for link in doc["links"]] == ["interface0", "interface1"]
    assert [link["ethernet_mac_address"] for link in doc["links"]] == [s.MAC0, s.MAC1]
    assert [(n["id"], n["link"], n["network_id"]) for n in doc["networks"]] == [
        ("network0", "interface0", s.NET0),
        ("network1", "interface1", s.NET1),
    ]
    assert [x["address"] for x in doc["services"]] == ["8.8.4.4", "8.8.8.8", "1.1.1.1"]
    # Per-network services are not de-duplicated.
    assert [x["address"] for x in doc["networks"][1]["services"]] == ["8.8.8.8", "1.1.1.1"]


def test_two_nics_one_default_route_per_family() -> None:
    doc = _doc(s.two_nics())
    assert doc["networks"][0]["routes"] == [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1"}]
    assert doc["networks"][1]["routes"] == []


def test_dual_stack() -> None:
    # Scenario 6.
    doc = _doc(s.dual_stack())
    assert [n["type"] for n in doc["networks"]] == ["ipv4", "ipv6"]
    v6 = doc["networks"][1]
    assert v6["link"] == "interface0"
    assert v6["ip_address"] == "fd00:1::f816:3eff:fe11:2233"
    assert v6["netmask"] == "ffff:ffff:ffff:ffff::"
    assert v6["routes"] == [{"network": "::", "netmask": "::", "gateway": "fd00:1::1"}]
    assert [x["address"] for x in doc["services"]] == ["8.8.4.4", "8.8.8.8", "fd00:1::53"]


def test_ipv6_only() -> None:
    # Scenario 7.
    doc = _doc(s.v6_only())
    assert [(n["id"], n["type"]) for n in doc["networks"]] == [("network0", "ipv6")]


def test_vif_without_ip_has_link_only() -> None:
    # Scenario 8.
    doc = _doc(s.info(s.vif(s.network(s.v4(ips=())))))
    assert len(doc["links"]) == 1
    assert doc["networks"] == []
    assert doc["services"] == []


def test_vif_without_subnets_has_no_link_and_no_number() -> None:
    # Scenario 9: also a VIF with only nova's empty v6 placeholder.
    bare = s.vif(s.network(), mac=s.MAC1, vif_id=s.VIF1)
    placeholder = s.vif(s.network(Subnet(cidr=None)), mac=s.MAC2, vif_id=s.VIF2)
    no_network = s.vif(None, mac="fa:16:3e:00:00:01", vif_id="x")
    doc = _doc(s.info(bare, placeholder, no_network, s.vif(s.network(s.v4(), injected=True))))
    assert [(link["id"], link["ethernet_mac_address"]) for link in doc["links"]] == [("interface0", s.MAC0)]


def test_several_fixed_ips_static_each_reported_once() -> None:
    # Scenario 10, decided differently from nova: every address reaches the
    # guest; only the first carries the routes and DNS.
    doc = _doc(s.flat_static(ips=("10.0.0.5", "10.0.0.6")))
    assert [(n["id"], n["ip_address"]) for n in doc["networks"]] == [("network0", "10.0.0.5"), ("network1", "10.0.0.6")]
    assert doc["networks"][1]["routes"] == []
    assert doc["networks"][1]["services"] == []
    assert doc["networks"][1]["netmask"] == "255.255.255.0"


def test_several_fixed_ips_dhcp_is_one_entry() -> None:
    ni = s.info(s.vif(s.network(s.v4(ips=("10.0.0.5", "10.0.0.6"), dhcp_server="10.0.0.1"))))
    assert [n["type"] for n in _doc(ni)["networks"]] == ["ipv4_dhcp"]


def test_second_subnet_same_family_no_second_default() -> None:
    net = s.network(s.v4(), s.v4(cidr="10.9.0.0/24", ips=("10.9.0.5",), gateway="10.9.0.1", dns=("9.9.9.9",)))
    doc = _doc(s.info(s.vif(net)))
    assert [n["ip_address"] for n in doc["networks"]] == ["10.0.0.5", "10.9.0.5"]
    assert doc["networks"][1]["routes"] == []
    assert doc["networks"][1]["services"] == [{"type": "dns", "address": "9.9.9.9"}]


def test_host_routes_after_default() -> None:
    # Scenario 11.
    routes = (
        Route("192.168.0.0/16", "10.0.0.254"),
        Route("0.0.0.0/0", "10.0.0.2"),  # would be a second default: dropped
        Route("172.16.0.0/12"),  # no gateway: cannot be expressed, dropped
        Route("fd99::/64", "fd00:1::9"),  # other family: not on the v4 entry
    )
    doc = _doc(s.flat_static(routes=routes))
    assert doc["networks"][0]["routes"] == [
        {"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1"},
        {"network": "192.168.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.254"},
    ]


def test_host_default_route_used_when_no_gateway() -> None:
    doc = _doc(s.flat_static(gateway=None, routes=(Route("0.0.0.0/0", "10.0.0.2"),)))
    assert doc["networks"][0]["routes"] == [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.2"}]


def test_no_network_info_is_empty_object() -> None:
    # Scenario 12.
    assert network_data(NetworkInfo()) == {}
    assert lint_network_data({}) == []


@pytest.mark.parametrize(
    ("mtu", "dhcp", "expected"),
    [(1450, False, 1450), ("9000", False, 9000), (1450, True, None), (None, False, None), ("", False, None)],
)
def test_mtu(mtu: Any, dhcp: bool, expected: int | None) -> None:
    # Scenario 13.
    subnet = s.v4(dhcp_server="10.0.0.1" if dhcp else None)
    doc = _doc(s.info(s.vif(s.network(subnet, mtu=mtu))))
    assert doc["links"][0]["mtu"] == expected


@pytest.mark.parametrize("mtu", [True, "jumbo", 67, 65536, 1.5e9])
def test_bad_mtu_refused(mtu: Any) -> None:
    with pytest.raises(exception.InvalidInput, match="MTU"):
        network_data(s.info(s.vif(s.network(s.v4(), mtu=mtu))))


@pytest.mark.parametrize(
    ("vif_type", "expected"),
    [("bridge", "bridge"), ("ovs", "ovs"), ("tap", "tap"), ("ethernet", "phy"), ("macvtap", "phy"), ("", "phy")],
)
def test_link_type_policy(vif_type: str, expected: str) -> None:
    # Scenario 14.
    doc = _doc(s.info(s.vif(s.network(s.v4()), type=vif_type)))
    assert doc["links"][0]["type"] == expected


def test_mac_lowercased_and_padded() -> None:
    doc = _doc(s.info(s.vif(s.network(s.v4()), mac="FA-16-3E-1-2-3")))
    assert doc["links"][0]["ethernet_mac_address"] == "fa:16:3e:01:02:03"


def test_devname_is_not_the_link_id() -> None:
    doc = _doc(s.info(s.vif(s.network(s.v4()), devname="vnet0")))
    assert doc["links"][0]["id"] == "interface0"


def test_vlan_network_has_no_vlan_link() -> None:
    net = s.network(s.v4(dhcp_server="10.0.0.1"), should_create_vlan=True, vlan=102, bridge_interface="eth1")
    doc = _doc(s.info(s.vif(net)))
    assert all(link["type"] != "vlan" and "vlan_id" not in link for link in doc["links"])


def test_enable_dhcp_false_means_static() -> None:
    net = s.network(s.v4(dhcp_server="10.0.0.1"), enable_dhcp=False)
    assert _doc(s.info(s.vif(net)))["networks"][0]["type"] == "ipv4"
    net = s.network(s.v4(dhcp_server="10.0.0.1"), enable_dhcp="false")
    assert _doc(s.info(s.vif(net)))["networks"][0]["type"] == "ipv4"


def test_ipv6_on_dhcp_network_is_static_by_default() -> None:
    net = s.network(s.v4(dhcp_server="10.0.0.1"), s.v6(dhcp_server="fd00:1::1"))
    doc = _doc(s.info(s.vif(net)))
    assert [n["type"] for n in doc["networks"]] == ["ipv4_dhcp", "ipv6"]


@pytest.mark.parametrize(
    ("mode", "expected", "static_fields"),
    [("slaac", "ipv6_slaac", True), ("dhcpv6-stateless", "ipv6_slaac", True), ("dhcpv6-stateful", "ipv6_dhcp", False)],
)
def test_ipv6_address_modes(mode: str, expected: str, static_fields: bool) -> None:
    net = s.network(s.v4(), s.v6(), ipv6_address_mode=mode)
    v6 = _doc(s.info(s.vif(net)))["networks"][1]
    assert v6["type"] == expected
    assert ("ip_address" in v6) is static_fields


def test_unknown_ipv6_mode_refused() -> None:
    with pytest.raises(exception.InvalidInput, match="ipv6_address_mode"):
        network_data(s.info(s.vif(s.network(s.v4(), s.v6(), ipv6_address_mode="magic"))))


@pytest.mark.parametrize(
    "ni",
    [
        s.info(s.vif(s.network(s.v4()), mac="not-a-mac")),
        s.info(s.vif(s.network(s.v4(dns=("dns.example",))))),
        s.info(s.vif(s.network(s.v4(gateway="10.0.0.300")))),
    ],
    ids=["mac", "dns", "gateway"],
)
def test_bad_facts_refused(ni: NetworkInfo) -> None:
    with pytest.raises(exception.InvalidInput):
        network_data(ni)


def test_ids_unique_over_a_big_mixed_instance() -> None:
    vifs = []
    for n in range(6):
        subnets = [s.v4(cidr=f"10.{n}.0.0/24", ips=(f"10.{n}.0.5", f"10.{n}.0.6"), dhcp_server="x" if n % 2 else None)]
        if n % 3 == 0:
            subnets.append(s.v6(cidr=f"fd00:{n}::/64", ips=(f"fd00:{n}::5",), gateway=f"fd00:{n}::1"))
        net = s.network(*[sub if sub.dhcp_server != "x" else Subnet(**{**sub.__dict__, "dhcp_server": f"10.{n}.0.1"}) for sub in subnets], net_id=f"net-{n}")
        vifs.append(s.vif(net, mac=f"fa:16:3e:00:00:{n:02x}", vif_id=f"vif-{n}"))
    doc = _doc(s.info(*vifs))
    assert len(doc["links"]) == 6
    assert len({n["id"] for n in doc["networks"]}) == len(doc["networks"])


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"links": []}, "networks is missing"),
        (
            {"links": [{"id": "a", "type": "bridge", "ethernet_mac_address": "aa:bb:cc:dd:ee:ff", "mtu": None}] * 2, "networks": [], "services": []},
            "duplicate link id a",
        ),
        ({"links": [], "networks": [{"id": "n", "type": "ipv4", "link": "x", "netmask": "1"}], "services": []}, "does not exist"),
        ({"links": [{"id": "a", "type": "macvtap", "ethernet_mac_address": "aa:bb:cc:dd:ee:ff"}], "networks": [], "services": []}, "not physical"),
        # A vlan link is a baremetal tier now; half of one is still a problem.
        ({"links": [{"id": "a", "type": "vlan", "ethernet_mac_address": "aa:bb:cc:dd:ee:ff"}], "networks": [], "services": []}, "vlan_link None does not exist"),
        ({"links": [{"id": "a", "type": "phy", "ethernet_mac_address": "AA:bb:cc:dd:ee:ff"}], "networks": [], "services": []}, "lower case"),
        ({"links": [{"id": "a", "type": "phy", "mtu": "1500", "ethernet_mac_address": "aa:bb:cc:dd:ee:ff"}], "networks": [], "services": []}, "not an integer"),
        ({"links": [], "networks": [{"id": "n", "type": "ipv4", "link": None}], "services": []}, "without netmask"),
        ({"links": [], "networks": [{"id": "n", "type": "static", "link": None}], "services": []}, "unknown"),
        ({"links": [], "networks": [], "services": [{"type": "ntp", "address": "1.2.3.4"}]}, "service type"),
        (
            {
                "links": [],
                "networks": [{"id": f"n{i}", "type": "ipv4", "link": None, "netmask": "0.0.0.0", "routes": [{"netmask": "0.0.0.0"}]} for i in range(2)],
                "services": [],
            },
            "2 default routes for IPv4",
        ),
    ],
)
def test_lint_finds_problems(doc: dict[str, Any], problem: str) -> None:
    assert any(problem in p for p in lint_network_data(doc)), lint_network_data(doc)
