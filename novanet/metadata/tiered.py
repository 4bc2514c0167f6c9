"""Tiered links for baremetal nodes: ``phy``, ``bond`` and ``vlan`` in network_data.json.

Theory of operation
-------------------
:func:`~novanet.metadata.network_data.network_data` gives one link per VIF.
For a baremetal node a VIF is not a virtual NIC but sits on the node's
hardware (what ``baremetal node vif attach`` chose), so :func:`tier_links`
rewrites those links the way the network_data.json blueprint describes and
Ironic's nova driver produced (reference network-metadata.md §1.3):

* a VIF on a standalone port: a ``phy`` link with the port's MAC;
* a VIF on a port group: a ``bond`` link with the group's MAC, ``bond_mode``
  and its properties (``bond_miimon``, ``bond_xmit_hash_policy``) and
  ``bond_links`` naming one ``phy`` link per member port (id = the port's
  uuid, as Ironic did);
* a tagged VIF: a ``vlan`` link on top of its carrier's link
  (``vlan_link``), with the network's VLAN id and the VIF's own MAC as
  ``vlan_mac_address``; the carrier's link is added if no untagged VIF
  made it.

Link ids and the ``networks`` entries pointing at them are kept, so the
layer-3 part of the document is unchanged. The group's MAC is recorded once
(the given one, or its first member's) and never changes, so a deployed
node's bond keeps the address its configuration names (Ironic story
2008300). Other VIFs' links are left as they are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any


@dataclasses.dataclass(frozen=True)
class PortLink:
    uuid: str
    mac: str


@dataclasses.dataclass(frozen=True)
class GroupLink:
    uuid: str
    name: str
    mac: str
    mode: str
    members: tuple[PortLink, ...]
    #: Bond properties without the ``bond_`` prefix (``miimon``, ``xmit_hash_policy``).
    properties: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where one VIF of a node sits."""

    carrier: PortLink | GroupLink
    tagged: bool = False
    vlan_id: int | None = None

    def to_primitive(self) -> dict[str, Any]:
        carrier: dict[str, Any] = {"uuid": self.carrier.uuid, "mac": self.carrier.mac}
        if isinstance(self.carrier, GroupLink):
            carrier.update(name=self.carrier.name, mode=self.carrier.mode, properties=dict(self.carrier.properties),
                           members=[{"uuid": m.uuid, "mac": m.mac} for m in self.carrier.members])
        return {"carrier": carrier, "tagged": self.tagged, "vlan_id": self.vlan_id}

    @classmethod
    def from_primitive(cls, data: Mapping[str, Any]) -> Placement:
        raw = data["carrier"]
        carrier: PortLink | GroupLink
        if "members" in raw:
            carrier = GroupLink(str(raw["uuid"]), str(raw["name"]), str(raw["mac"]), str(raw["mode"]),
                                tuple(PortLink(str(m["uuid"]), str(m["mac"])) for m in raw["members"]),
                                dict(raw.get("properties") or {}))
        else:
            carrier = PortLink(str(raw["uuid"]), str(raw["mac"]))
        vlan = data.get("vlan_id")
        return cls(carrier, bool(data.get("tagged")), int(vlan) if vlan is not None else None)


def _carrier_links(carrier: PortLink | GroupLink, link_id: str, mtu: Any, vif_id: str | None) -> list[dict[str, Any]]:
    """The link(s) of a carrier: a phy link, or member phys and the bond."""
    if isinstance(carrier, PortLink):
        return [{"id": link_id, "vif_id": vif_id, "type": "phy", "mtu": mtu, "ethernet_mac_address": carrier.mac}]
    members = [{"id": m.uuid, "type": "phy", "mtu": mtu, "ethernet_mac_address": m.mac} for m in carrier.members]
    bond: dict[str, Any] = {"id": link_id, "vif_id": vif_id, "type": "bond", "mtu": mtu,
                            "ethernet_mac_address": carrier.mac, "bond_mode": carrier.mode,
                            "bond_links": [m.uuid for m in carrier.members]}
    for key, value in sorted(carrier.properties.items()):
        bond[f"bond_{key}"] = value
    return members + [bond]


def tier_links(doc: Mapping[str, Any], placements: Mapping[str, Placement]) -> dict[str, Any]:
    """``doc`` with the links of placed VIFs (by VIF uuid) made phy/bond/vlan."""
    if not doc or not placements:
        return dict(doc)
    links: Sequence[Mapping[str, Any]] = doc["links"]
    carrier_ids: dict[str, str] = {}
    for link in links:
        placement = placements.get(str(link.get("vif_id")))
        if placement is not None and not placement.tagged:
            carrier_ids[placement.carrier.uuid] = str(link["id"])
    out: list[dict[str, Any]] = []
    added: set[str] = set()
    for link in links:
        placement = placements.get(str(link.get("vif_id")))
        if placement is None:
            out.append(dict(link))
            continue
        carrier = placement.carrier
        if not placement.tagged:
            out += _carrier_links(carrier, str(link["id"]), link.get("mtu"), link.get("vif_id"))
            continue
        parent = carrier_ids.get(carrier.uuid)
        if parent is None:
            parent = carrier_ids[carrier.uuid] = f"{link['id']}-carrier"
        if parent not in added and parent not in {str(li["id"]) for li in links}:
            out += _carrier_links(carrier, parent, None, None)
            added.add(parent)
        mac = str(link["ethernet_mac_address"])
        out.append({"id": link["id"], "vif_id": link.get("vif_id"), "type": "vlan", "mtu": link.get("mtu"),
                    "ethernet_mac_address": mac, "vlan_link": parent, "vlan_id": placement.vlan_id,
                    "vlan_mac_address": mac})
    # Member ports first, then bonds and phys, then VLANs: parents before children.
    order = {"phy": 0, "bond": 1, "vlan": 2}
    out.sort(key=lambda li: order.get(str(li.get("type")), 0))
    return {**doc, "links": [{k: v for k, v in li.items() if v is not None or k == "mtu"} for li in out]}


def lint_tiers(doc: Mapping[str, Any]) -> list[str]:
    """Problems of bond and vlan links cloud-init would misread; [] when clean."""
    problems: list[str] = []
    links = {str(li.get("id")): li for li in doc.get("links") or ()}
    for link_id, link in links.items():
        if link.get("type") == "bond":
            members = link.get("bond_links") or []
            if not members:
                problems.append(f"bond {link_id} has no bond_links")
            problems += [f"bond {link_id}: member {m} does not exist" for m in members if m not in links]
            if link.get("bond_mode") not in ("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
                                             "balance-tlb", "balance-alb"):
                problems.append(f"bond {link_id}: mode {link.get('bond_mode')!r} is not a Linux bonding mode")
        elif link.get("type") == "vlan":
            if link.get("vlan_link") not in links:
                problems.append(f"vlan {link_id}: vlan_link {link.get('vlan_link')!r} does not exist")
            if not isinstance(link.get("vlan_id"), int) or not 1 <= link["vlan_id"] <= 4094:
                problems.append(f"vlan {link_id}: vlan_id {link.get('vlan_id')!r} is not 1..4094")
            if not link.get("vlan_mac_address"):
                problems.append(f"vlan {link_id} has no vlan_mac_address")
    return problems
