"""What to change so a bridge exists, owns its uplink and carries its L3.

Pure functions from a :class:`~.records.Snapshot` to actions; no I/O.

Theory of operation (nova-network's ``ensure_bridge``, §4.1 of the reference)
-----------------------------------------------------------------------------
* A missing bridge is created with STP off and forward delay 0 (instances must
  not wait 2 x 15 s in listening/learning before their DHCP request passes),
  up, and tagged as ours. An existing bridge is used as it is, only brought up;
  when it is ours, drifted STP/forward-delay settings are put back.
* The uplink is enslaved, brought up, and the bridge's MAC is pinned to the
  uplink's: otherwise the bridge takes the lowest MAC of its ports and changes
  it as instance taps come and go, and neighbours' ARP caches go stale
  (NOTE(bridge): nova bug 1488686).
* Once enslaved, the uplink no longer does L3: every address and route on it
  would black-hole. So its global IPv4 addresses move to the bridge (same
  prefix, broadcast and scope; made permanent, as nova strips "dynamic"), and
  so do its IPv4 routes that the kernel did not make itself, the default route
  included. Order matters: routes are deleted first (they hang off the
  addresses), addresses are re-added before routes (a gateway must be
  reachable to add a route through it).
* NOTE(ipv6): like nova-network, only IPv4 moves. IPv6 global addresses and
  routes on the uplink stay there and stop working once it is enslaved; an
  uplink carrying IPv6 should be bridged by the operator beforehand.
* Running the plan on its own result yields no action: that is the
  idempotence every ``ensure_*`` promises.
"""

from __future__ import annotations

from novanet import exception
from novanet.drivers.linux_net import names
from novanet.drivers.linux_net.records import (
    SCOPE_UNIVERSE,
    Action,
    AddAddress,
    AddRoute,
    Address,
    CreateLink,
    DeleteAddress,
    DeleteLink,
    DeleteRoute,
    Link,
    Query,
    Route,
    SetLink,
    Snapshot,
)


def bridge_query(bridge: str, uplink: str | None) -> Query:
    """What :func:`plan_bridge` needs to read."""
    if uplink is None:
        return Query(links=(bridge,))
    return Query(links=(bridge, uplink), addresses=(uplink,), routes=(uplink,))


def movable_addresses(addresses: tuple[Address, ...]) -> list[Address]:
    """The uplink addresses that move to the bridge: global IPv4, in order."""
    return [a for a in addresses if a.family == 4 and a.scope == SCOPE_UNIVERSE]


def movable_routes(routes: tuple[Route, ...]) -> list[Route]:
    """The routes that move with them (the snapshot already left out kernel
    routes and the local table): IPv4, default route included."""
    return [rt for rt in routes if rt.family == 4]


def move_l3(src: str, dst: str, addresses: list[Address], routes: list[Route]) -> list[Action]:
    """Actions moving ``addresses`` and ``routes`` from ``src`` to ``dst``."""
    actions: list[Action] = [DeleteRoute(rt) for rt in routes]
    # Secondaries first: deleting a primary may take its secondaries with it.
    actions += [DeleteAddress(src, a) for a in reversed(addresses)]
    actions += [AddAddress(dst, a.fresh()) for a in addresses]
    actions += [AddRoute(rt.on(dst)) for rt in routes]
    return actions


def plan_bridge(snap: Snapshot, bridge: str, uplink: str | None = None, mtu: int | None = None) -> list[Action]:
    """Actions that make ``bridge`` exist, up, with ``uplink`` as its port.

    :raises DriverError: the name is taken by a device that is not a bridge,
        the uplink does not exist or already belongs to another bridge.
    """
    names.check_ifname(bridge, "bridge")
    actions: list[Action] = []
    br = snap.link(bridge)
    if br is None:
        actions.append(
            CreateLink(
                name=bridge,
                kind="bridge",
                alias=names.tag_for("bridge"),
                up=True,
                mtu=mtu,
                stp=False,
                forward_delay=0,
            )
        )
    else:
        if br.kind != "bridge":
            raise exception.DriverError(
                reason=f"{bridge} exists and is a {br.kind or 'physical'} device, not a bridge"
            )
        fix = _bridge_drift(br, mtu)
        if fix is not None:
            actions.append(fix)
    if uplink is not None:
        actions += _plan_uplink(snap, bridge, br, uplink)
    return actions


def _bridge_drift(br: Link, mtu: int | None) -> SetLink | None:
    ours = names.is_owned(br)
    stp = False if ours and br.stp else None
    delay = 0 if ours and br.forward_delay not in (None, 0) else None
    up = True if not br.up else None
    new_mtu = mtu if mtu and br.mtu != mtu else None
    if stp is None and delay is None and up is None and new_mtu is None:
        return None
    return SetLink(br.name, up=up, mtu=new_mtu, stp=stp, forward_delay=delay)


def _plan_uplink(snap: Snapshot, bridge: str, br: Link | None, uplink: str) -> list[Action]:
    names.check_ifname(uplink, "uplink")
    if uplink == bridge:
        raise exception.InvalidInput(reason=f"bridge {bridge} cannot be its own uplink")
    port = snap.link(uplink)
    if port is None:
        raise exception.DriverError(reason=f"uplink {uplink} of bridge {bridge} does not exist")
    actions: list[Action] = []
    enslaved = br is not None and port.master == br.index
    if not enslaved and port.master is not None:
        raise exception.DriverError(
            reason=f"uplink {uplink} is already a port of another bridge (ifindex {port.master}), not of {bridge}"
        )
    if not enslaved or not port.up:
        actions.append(SetLink(uplink, master=None if enslaved else bridge, up=True))
    if port.mac and (br is None or (br.mac or "").lower() != port.mac.lower()):
        actions.append(SetLink(bridge, mac=port.mac))
    addresses = movable_addresses(snap.addrs(uplink))
    routes = movable_routes(snap.routes.get(uplink, ()))
    if addresses or routes:
        actions += move_l3(uplink, bridge, addresses, routes)
    return actions


def plan_remove_link(link: Link | None) -> list[Action]:
    """Actions that remove ``link`` if novanet created it.

    :raises DriverError: it exists and is not ours (callers check
        :func:`~.names.is_owned` first to skip instead).
    """
    if link is None:
        return []
    if not names.is_owned(link):
        raise exception.DriverError(reason=f"refusing to remove {link.name}: novanet did not create it")
    return [SetLink(link.name, up=False), DeleteLink(link.name)]
