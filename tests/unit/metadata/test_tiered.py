"""network_data.json's tiered links for baremetal VIFs (pure)."""

from __future__ import annotations

from typing import Any

from novanet.metadata import tiered
from novanet.metadata.network_data import lint_network_data

P1 = tiered.PortLink("p1-uuid", "52:54:00:00:01:01")
P2 = tiered.PortLink("p2-uuid", "52:54:00:00:01:02")
P3 = tiered.PortLink("p3-uuid", "52:54:00:00:00:03")
BOND = tiered.GroupLink("g-uuid", "bond0", P1.mac, "802.3ad", (P1, P2), {"miimon": 100, "xmit_hash_policy": "layer3+4"})


def doc(*vifs: tuple[str, str]) -> dict[str, Any]:
    links = [{"id": f"interface{i}", "vif_id": vif, "type": "bridge", "mtu": None, "ethernet_mac_address": mac}
             for i, (vif, mac) in enumerate(vifs)]
    networks = [{"id": f"network{i}", "type": "ipv4_dhcp", "link": f"interface{i}", "network_id": f"n{i}"}
                for i in range(len(vifs))]
    return {"links": links, "networks": networks, "services": []}


def test_port_bond_and_vlan_links() -> None:
    base = doc(("v-bond", "fa:16:3e:00:00:01"), ("v-port", "fa:16:3e:00:00:02"), ("v-vlan", "fa:16:3e:00:00:03"),
               ("v-vm", "fa:16:3e:00:00:04"))
    out = tiered.tier_links(base, {"v-bond": tiered.Placement(BOND), "v-port": tiered.Placement(P3),
                                   "v-vlan": tiered.Placement(BOND, tagged=True, vlan_id=120)})
    links = {li["id"]: li for li in out["links"]}
    assert [li["type"] for li in out["links"]] == ["phy", "phy", "phy", "bridge", "bond", "vlan"]
    assert links["interface0"] == {"id": "interface0", "vif_id": "v-bond", "type": "bond", "mtu": None,
                                   "ethernet_mac_address": P1.mac, "bond_mode": "802.3ad",
                                   "bond_links": ["p1-uuid", "p2-uuid"], "bond_miimon": 100,
                                   "bond_xmit_hash_policy": "layer3+4"}
    assert links["p2-uuid"] == {"id": "p2-uuid", "type": "phy", "mtu": None, "ethernet_mac_address": P2.mac}
    assert links["interface1"]["type"] == "phy" and links["interface1"]["ethernet_mac_address"] == P3.mac
    assert links["interface2"] == {"id": "interface2", "vif_id": "v-vlan", "type": "vlan", "mtu": None,
                                   "ethernet_mac_address": "fa:16:3e:00:00:03", "vlan_link": "interface0",
                                   "vlan_id": 120, "vlan_mac_address": "fa:16:3e:00:00:03"}
    assert links["interface3"]["type"] == "bridge", "a VM's VIF stays as it is"
    assert out["networks"] == base["networks"]
    assert tiered.lint_tiers(out) == []
    assert [p for p in lint_network_data(out) if "not physical" not in p] == []


def test_a_tagged_vif_alone_brings_its_carrier() -> None:
    out = tiered.tier_links(doc(("v-vlan", "fa:16:3e:00:00:03")),
                            {"v-vlan": tiered.Placement(P3, tagged=True, vlan_id=7)})
    assert [(li["id"], li["type"]) for li in out["links"]] == [("interface0-carrier", "phy"), ("interface0", "vlan")]
    assert out["links"][0]["ethernet_mac_address"] == P3.mac and out["links"][1]["vlan_link"] == "interface0-carrier"
    assert tiered.lint_tiers(out) == []


def test_lint_finds_broken_tiers() -> None:
    broken = {"links": [{"id": "b", "type": "bond", "bond_mode": "802.1ad", "bond_links": ["x"]},
                        {"id": "v", "type": "vlan", "vlan_link": "y", "vlan_id": 5000}]}
    assert tiered.lint_tiers(broken) == [
        "bond b: member x does not exist", "bond b: mode '802.1ad' is not a Linux bonding mode",
        "vlan v: vlan_link 'y' does not exist", "vlan v: vlan_id 5000 is not 1..4094", "vlan v has no vlan_mac_address"]
    assert tiered.tier_links({}, {"v": tiered.Placement(P1)}) == {}
