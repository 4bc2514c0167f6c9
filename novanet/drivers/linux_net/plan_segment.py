"""What to change so a network's segment device exists: an 802.1Q VLAN
device or a VXLAN device. Pure functions from a snapshot to actions.

Theory of operation
-------------------
* A segment device is named after its number (``vlan<N>``, ``vxlan<VNI>``),
  tagged as ours, and later enslaved to the network's bridge by
  :func:`~.plan_bridge.plan_bridge` (the device is the bridge's uplink).
* The VLAN device's MTU is set on every call (nova-network's ``ensure_vlan``
  did the same), so a changed network MTU reaches an existing device.
* A VXLAN device's identity (VNI, local address, group, port, underlay) is
  fixed at creation. When ours no longer matches the configuration it is
  deleted and created again; a foreign device with the name is an error.
* Unicast VXLAN floods broadcast and unknown traffic to every peer through
  all-zero FDB entries (``bridge fdb append 00:00:00:00:00:00 dst <peer>``);
  the plan adds missing peers and removes peers no longer configured. With a
  multicast group the kernel floods to the group and no entries are needed.
"""

from __future__ import annotations

import dataclasses
import ipaddress

from novanet import exception
from novanet.drivers.linux_net import names
from novanet.drivers.linux_net.records import (
    ZERO_MAC,
    Action,
    AddFdb,
    CreateLink,
    DeleteFdb,
    DeleteLink,
    FdbEntry,
    Link,
    Query,
    SetLink,
    Snapshot,
)

#: VXLAN over IPv4 adds 50 bytes (outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8).
VXLAN_OVERHEAD = 50


@dataclasses.dataclass(frozen=True, slots=True)
class VlanSpec:
    """802.1Q device ``vlan<vlan>`` on ``parent``."""

    vlan: int
    parent: str
    mac: str | None = None
    mtu: int | None = None

    @property
    def name(self) -> str:
        return names.vlan_ifname(self.vlan)


@dataclasses.dataclass(frozen=True, slots=True)
class VxlanSpec:
    """VXLAN device ``vxlan<vni>``; ``peers`` (unicast) or ``group`` (multicast)."""

    vni: int
    local: str | None = None
    group: str | None = None
    peers: tuple[str, ...] = ()
    port: int = 4789
    underlay: str | None = None
    learning: bool = True
    mtu: int | None = None

    @property
    def name(self) -> str:
        return names.vxlan_ifname(self.vni)

    def flood_peers(self) -> tuple[str, ...]:
        """Peers to flood to: the configured ones minus this host, no duplicates."""
        if self.group:
            return ()
        local = ipaddress.ip_address(self.local) if self.local else None
        seen: dict[str, None] = {}
        for peer in self.peers:
            ip = ipaddress.ip_address(peer)
            if ip != local:
                seen[str(ip)] = None
        return tuple(seen)


def vlan_query(spec: VlanSpec) -> Query:
    return Query(links=(spec.name, spec.parent))


def plan_vlan(snap: Snapshot, spec: VlanSpec) -> list[Action]:
    """Actions that make ``vlan<N>`` exist on ``parent``, up, with the MTU.

    :raises DriverError: the parent is missing, or the name is held by a
        device that is not this VLAN on this parent.
    """
    names.check_ifname(spec.parent, "VLAN parent")
    parent = snap.link(spec.parent)
    if parent is None:
        raise exception.DriverError(reason=f"VLAN {spec.vlan} parent interface {spec.parent} does not exist")
    link = snap.link(spec.name)
    if link is None:
        return [
            CreateLink(
                name=spec.name,
                kind="vlan",
                alias=names.tag_for("vlan"),
                parent=spec.parent,
                vlan_id=spec.vlan,
                mac=spec.mac,
                mtu=spec.mtu,
            )
        ]
    if link.kind != "vlan" or link.vlan_id != spec.vlan or link.parent != parent.index:
        raise exception.DriverError(
            reason=f"{spec.name} exists but is not VLAN {spec.vlan} on {spec.parent} "
            f"(kind {link.kind}, id {link.vlan_id}, parent ifindex {link.parent})"
        )
    up = True if not link.up else None
    mtu = spec.mtu if spec.mtu and link.mtu != spec.mtu else None
    if up is None and mtu is None:
        return []
    return [SetLink(spec.name, up=up, mtu=mtu)]


def vxlan_query(spec: VxlanSpec) -> Query:
    links = (spec.name, spec.underlay) if spec.underlay else (spec.name,)
    return Query(links=links, fdb=(spec.name,))


def _vxlan_matches(link: Link, spec: VxlanSpec, underlay: Link | None) -> bool:
    def same_ip(a: str | None, b: str | None) -> bool:
        if not a or not b:
            return not a and not b
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)

    return (
        link.kind == "vxlan"
        and link.vni == spec.vni
        and link.vxlan_port == spec.port
        and same_ip(link.vxlan_local, spec.local)
        and same_ip(link.vxlan_group, spec.group)
        and link.vxlan_link == (underlay.index if underlay else None)
        and (link.vxlan_learning is None or link.vxlan_learning == spec.learning)
    )


def _create_vxlan(spec: VxlanSpec) -> CreateLink:
    return CreateLink(
        name=spec.name,
        kind="vxlan",
        alias=names.tag_for("vxlan"),
        vni=spec.vni,
        vxlan_local=spec.local,
        vxlan_group=spec.group,
        vxlan_port=spec.port,
        vxlan_link=spec.underlay,
        vxlan_learning=spec.learning,
        mtu=spec.mtu,
    )


def plan_vxlan(snap: Snapshot, spec: VxlanSpec) -> list[Action]:
    """Actions that make ``vxlan<VNI>`` match ``spec``, with its flood entries.

    :raises DriverError: the underlay is missing, or a foreign device holds
        the name.
    """
    underlay = None
    if spec.underlay:
        underlay = snap.link(spec.underlay)
        if underlay is None:
            raise exception.DriverError(reason=f"VXLAN underlay interface {spec.underlay} does not exist")
    wanted = [FdbEntry(ZERO_MAC, peer) for peer in spec.flood_peers()]
    link = snap.link(spec.name)
    actions: list[Action] = []
    if link is not None and not _vxlan_matches(link, spec, underlay):
        if not names.is_owned(link):
            raise exception.DriverError(
                reason=f"{spec.name} exists, is not novanet's and does not match VXLAN {spec.vni} "
                f"(kind {link.kind}, vni {link.vni})"
            )
        actions.append(DeleteLink(spec.name))
        link = None
    if link is None:
        actions.append(_create_vxlan(spec))
        actions += [AddFdb(spec.name, entry) for entry in wanted]
        return actions
    new_mtu = spec.mtu if spec.mtu and link.mtu != spec.mtu else None
    if not link.up or new_mtu is not None:
        actions.append(SetLink(spec.name, up=True if not link.up else None, mtu=new_mtu))
    current = {_fdb_key(e) for e in snap.fdb.get(spec.name, ()) if e.mac == ZERO_MAC}
    wanted_keys = {_fdb_key(e) for e in wanted}
    actions += [AddFdb(spec.name, e) for e in wanted if _fdb_key(e) not in current]
    actions += [
        DeleteFdb(spec.name, e)
        for e in snap.fdb.get(spec.name, ())
        if e.mac == ZERO_MAC and _fdb_key(e) not in wanted_keys
    ]
    return actions


def _fdb_key(entry: FdbEntry) -> tuple[str, str | None]:
    dst = str(ipaddress.ip_address(entry.dst)) if entry.dst else None
    return entry.mac.lower(), dst
