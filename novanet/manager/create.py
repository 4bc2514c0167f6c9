"""Planning new networks: subnet carving, VLANs, gateways, reserved addresses.

A pure function from a request, the live networks and the manager's rules to
the rows to insert. It follows nova-network's rules (reference §3.2–3.3) and
deliberately differs where nova-network was wrong (§9):

* VLANs are chosen against the existing networks **and** the ones planned
  earlier in the same batch, so a batch never picks a VLAN twice; an explicit
  ``vlan`` names one network and is refused for a batch (use ``vlan_start``).
* Overlap handling checks every candidate against every live network (and
  the batch), so moving a candidate can never land on an older network.
* The VPN reservation of VLAN mode follows the manager class, not an option
  string.
* Without ``network_size`` the range is shared out among ``num_networks``
  (capped at ``network_size`` from the options) instead of failing.
* An explicit gateway, DHCP server, fixed_cidr or uuid must fit every network
  it would apply to, so a batch cannot put one subnet's gateway into another.
* Bridge names are validated (15 characters, legal characters) and unique.
"""

from __future__ import annotations

import dataclasses
import math
import re
import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

import netaddr

from novanet import exception
from novanet.db.networks import NetworkPlan

MAX_VLAN = 4094
IFNAMSIZ = 15
_IFNAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclasses.dataclass(frozen=True)
class ManagerRules:
    """What a manager class adds to network creation."""

    name: str
    required: tuple[str, ...]
    vlan: bool = False
    #: Addresses reserved at the bottom of each network (network, gateway[, VPN]).
    bottom_reserved: int = 2
    #: Addresses reserved at the top (broadcast[, VPN clients]).
    top_reserved: int = 1


@dataclasses.dataclass(frozen=True)
class Defaults:
    """The option values network creation falls back to."""

    num_networks: int = 1
    network_size: int = 256
    multi_host: bool = False
    flat_network_bridge: str | None = None
    flat_interface: str | None = None
    vlan_interface: str | None = None
    flat_network_dns: str | None = "8.8.4.4"
    vlan_start: int = 100
    vpn_start: int = 1000
    cnt_vpn_clients: int = 0
    share_dhcp_address: bool = False
    flat_injected: bool = False


@dataclasses.dataclass(frozen=True)
class Existing:
    """The live networks the plan must not collide with."""

    cidrs: Sequence[str] = ()
    cidrs_v6: Sequence[str] = ()
    vlans: frozenset[int] = frozenset()
    bridges: frozenset[str] = frozenset()
    count: int = 0


KNOWN_ARGS = frozenset({
    "label", "cidr", "num_networks", "network_size", "multi_host", "vlan", "vlan_start", "vpn_start",
    "cidr_v6", "gateway", "gateway_v6", "bridge", "bridge_interface", "dns1", "dns2", "project_id",
    "priority", "uuid", "fixed_cidr", "mtu", "enable_dhcp", "share_address", "dhcp_server",
    "allowed_start", "allowed_end",
})


def parse_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("t", "true", "yes", "y", "1", "on"):
        return True
    if text in ("f", "false", "no", "n", "0", "off"):
        return False
    raise exception.InvalidInput(reason=f"{key} must be true or false (T/F), not {value!r}")


def parse_int(key: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool):
        raise exception.InvalidIntValue(key=key)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise exception.InvalidIntValue(key=key)
    if low is not None and number < low or high is not None and number > high:
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise exception.InvalidInput(reason=f"{key} must be {bounds}, not {number}")
    return number


def parse_cidr(key: str, value: Any, version: int) -> netaddr.IPNetwork:
    try:
        network = netaddr.IPNetwork(str(value).strip())
        if "/" not in str(value):
            raise ValueError("no prefix")
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise exception.InvalidCidr(cidr=value)
    if network.version != version:
        family = "IPv4" if version == 4 else "IPv6"
        raise exception.InvalidCidr(cidr=f"{value} ({key} must be an {family} range)")
    return network.cidr


def parse_address(key: str, value: Any, version: int | None = None) -> netaddr.IPAddress:
    try:
        address = netaddr.IPAddress(str(value).strip())
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise exception.InvalidAddress(address=f"{value!r} ({key})")
    if version is not None and address.version != version:
        raise exception.InvalidAddress(address=f"{value} ({key} must be IPv{version})")
    return address


def validate_bridge(name: str) -> str:
    if len(name) > IFNAMSIZ:
        raise exception.InvalidBridge(bridge=name, reason=f"longer than {IFNAMSIZ} characters")
    if not _IFNAME.match(name) or name in (".", ".."):
        raise exception.InvalidBridge(bridge=name, reason="only letters, digits, '_', '-' and '.' are allowed")
    return name


def _subnet_bits(size: int) -> int:
    return max(2, math.ceil(math.log2(size)))


def _carve_v4(cidr: netaddr.IPNetwork, num: int, size: int, existing: Sequence[str]) -> list[netaddr.IPNetwork]:
    """The first ``num`` subnets of ``size`` addresses that overlap nothing live."""
    prefix = 32 - _subnet_bits(size)
    if prefix < cidr.prefixlen:
        raise exception.InvalidInput(
            reason=f"networks of {size} addresses do not fit in {cidr}")
    capacity = 2 ** (prefix - cidr.prefixlen)
    if num > capacity:
        raise exception.InvalidInput(
            reason=f"{cidr} holds {capacity} network(s) of {2 ** (32 - prefix)} addresses, not {num}")
    olds = [netaddr.IPNetwork(c) for c in existing]
    for old in olds:
        if cidr in old and cidr != old:
            raise exception.CidrConflict(cidr=str(cidr), other=str(old))
    chosen: list[netaddr.IPNetwork] = []
    conflict: netaddr.IPNetwork | None = None
    for candidate in cidr.subnet(prefix):
        clash = next((old for old in olds if candidate in old or old in candidate), None)
        if clash is not None:
            conflict = conflict or clash
            continue
        chosen.append(candidate)
        if len(chosen) == num:
            return chosen
    raise exception.CidrConflict(cidr=str(cidr), other=str(conflict))


def _carve_v6(cidr: netaddr.IPNetwork, num: int, size: int, existing: Sequence[str]) -> list[netaddr.IPNetwork]:
    prefix = min(64, 128 - _subnet_bits(size))
    if prefix < cidr.prefixlen:
        prefix = cidr.prefixlen
    if num > 2 ** min(prefix - cidr.prefixlen, 32):
        raise exception.InvalidInput(reason=f"{cidr} cannot hold {num} IPv6 networks of prefix /{prefix}")
    olds = [netaddr.IPNetwork(c) for c in existing]
    chosen: list[netaddr.IPNetwork] = []
    for candidate in cidr.subnet(prefix):
        clash = next((old for old in olds if candidate in old or old in candidate), None)
        if clash is not None:
            if cidr in clash:
                raise exception.CidrConflict(cidr=str(cidr), other=str(clash))
            continue
        chosen.append(candidate)
        if len(chosen) == num:
            return chosen
    raise exception.CidrConflict(cidr=str(cidr), other="existing IPv6 networks")


def plan_networks(args: dict[str, Any], rules: ManagerRules, defaults: Defaults,
                  existing: Existing) -> list[NetworkPlan]:
    """Turn a create request into network rows and fixed-IP rows.

    :param args: nova-manage's arguments (``cidr`` is ``--fixed_range_v4``);
        None values count as not given.
    :raises Invalid: any bad input, with a message naming it.
    :raises CidrConflict, DuplicateVlan, DuplicateBridge: collisions.
    """
    args = {k: v for k, v in args.items() if v is not None and v != ""}
    unknown = set(args) - KNOWN_ARGS
    if unknown:
        raise exception.InvalidInput(reason=f"unknown network arguments: {', '.join(sorted(unknown))}")
    label = str(args.get("label") or "")
    if not label:
        raise exception.NetworkNotCreated(req="label")
    if len(label) > 255:
        raise exception.LabelTooLong()
    if "cidr" not in args and "cidr_v6" not in args:
        raise exception.NetworkNotCreated(req="cidr or cidr_v6")

    cidr = parse_cidr("fixed_range_v4", args["cidr"], 4) if "cidr" in args else None
    cidr_v6 = parse_cidr("fixed_range_v6", args["cidr_v6"], 6) if "cidr_v6" in args else None
    num = parse_int("num_networks", args.get("num_networks", defaults.num_networks), 1, MAX_VLAN)
    if "network_size" in args:
        size = parse_int("network_size", args["network_size"], 4)
    elif cidr is not None:
        size = min(defaults.network_size, max(4, cidr.size // num))
    else:
        size = defaults.network_size
    if cidr is not None and cidr.prefixlen > 30:
        raise exception.InvalidInput(reason=f"{cidr} is too small: a network needs at least 4 addresses")
    if cidr is not None and cidr.size < num * 2 ** _subnet_bits(size):
        raise exception.InvalidInput(
            reason=f"the network range is not big enough to fit {num} networks. Network size is {size}")
    multi_host = parse_bool("multi_host", args.get("multi_host", defaults.multi_host))
    enable_dhcp = parse_bool("enable_dhcp", args.get("enable_dhcp", True))
    share_address = parse_bool("share_address", args.get("share_address", defaults.share_dhcp_address))
    mtu = parse_int("mtu", args["mtu"], 68, 65535) if "mtu" in args else None
    dns1 = str(parse_address("dns1", args["dns1"])) if "dns1" in args else defaults.flat_network_dns
    dns2 = str(parse_address("dns2", args["dns2"])) if "dns2" in args else None
    if "priority" in args:
        parse_int("priority", args["priority"])

    def for_batch(key: str) -> None:
        if key in args and num > 1:
            raise exception.InvalidInput(
                reason=f"{key} applies to one network; create the {num} networks one at a time to set it")

    for key in ("uuid", "fixed_cidr", "gateway", "dhcp_server", "allowed_start", "allowed_end", "gateway_v6"):
        for_batch(key)
    if "uuid" in args:
        try:
            net_uuid = str(uuidlib.UUID(str(args["uuid"])))
        except ValueError:
            raise exception.InvalidInput(reason=f"uuid {args['uuid']!r} is not a UUID")

    bridge = args.get("bridge") or (None if rules.vlan else defaults.flat_network_bridge)
    if bridge:
        validate_bridge(str(bridge))
    bridge_interface = args.get("bridge_interface") or (
        defaults.vlan_interface if rules.vlan else defaults.flat_interface)
    if bridge_interface:
        validate_bridge(str(bridge_interface))
    values_for_required = {"bridge": bridge, "bridge_interface": bridge_interface, "cidr": cidr}
    hints = {"bridge": "bridge (--bridge or the flat_network_bridge option)",
             "bridge_interface": "bridge_interface (--bridge_interface or the vlan_interface option)"}
    for field in rules.required:
        if not values_for_required.get(field):
            raise exception.NetworkNotCreated(req=hints.get(field, field))
    if bridge and num > 1 and (not rules.vlan or "bridge" in args):
        raise exception.InvalidInput(
            reason=f"bridge {bridge} can serve one network only; give each network its own --bridge")

    vlan_start = parse_int("vlan_start", args.get("vlan_start", defaults.vlan_start), 1, MAX_VLAN)
    vpn_start = parse_int("vpn_start", args.get("vpn_start", defaults.vpn_start), 1, 65535)
    explicit_vlan: int | None = None
    if "vlan" in args:
        if not rules.vlan:
            raise exception.InvalidInput(reason=f"--vlan needs the VLAN manager (network_manager is {rules.name})")
        try:
            explicit_vlan = int(str(args["vlan"]))
        except ValueError:
            raise exception.InvalidVlan(reason="vlan must be an integer")
        if explicit_vlan > MAX_VLAN:
            raise exception.InvalidVlan(reason=f"The vlan number cannot be greater than {MAX_VLAN}")
        if explicit_vlan < 1:
            raise exception.InvalidVlan(reason="The vlan number cannot be less than 1")
        if num > 1:
            raise exception.InvalidVlan(reason="--vlan names one network's VLAN; use --vlan_start for several")
        if explicit_vlan in existing.vlans:
            raise exception.DuplicateVlan(vlan=explicit_vlan)
    if rules.vlan and explicit_vlan is None and num + vlan_start > MAX_VLAN + 1:
        raise exception.InvalidVlan(
            reason=f"The sum between the number of networks and the vlan start cannot be greater than {MAX_VLAN}")

    subnets_v4 = _carve_v4(cidr, num, size, existing.cidrs) if cidr is not None else []
    subnets_v6 = _carve_v6(cidr_v6, num, size, existing.cidrs_v6) if cidr_v6 is not None else []
    gateway_v6 = parse_address("gateway_v6", args["gateway_v6"], 6) if "gateway_v6" in args else None
    if gateway_v6 is not None and subnets_v6 and gateway_v6 not in subnets_v6[0]:
        raise exception.AddressOutOfRange(address=str(gateway_v6), cidr=str(subnets_v6[0]))
    if gateway_v6 is not None and not subnets_v6:
        raise exception.InvalidInput(reason="gateway_v6 needs fixed_range_v6")

    used_vlans = set(existing.vlans)
    used_bridges = set(existing.bridges)
    plans: list[NetworkPlan] = []
    for index in range(num):
        sub4 = subnets_v4[index] if index < len(subnets_v4) else None
        sub6 = subnets_v6[index] if index < len(subnets_v6) else None
        values: dict[str, Any] = {
            "uuid": net_uuid if "uuid" in args else str(uuidlib.uuid4()),
            "label": f"{label}_{index}" if num > 1 else label,
            "bridge_interface": bridge_interface,
            "multi_host": multi_host,
            "dns1": dns1,
            "dns2": dns2,
            "mtu": mtu,
            "enable_dhcp": enable_dhcp,
            "share_address": share_address,
            "project_id": args.get("project_id"),
            "injected": defaults.flat_injected and not rules.vlan and rules.name == "flat",
            "priority": int(args["priority"]) if "priority" in args else None,
        }
        addresses: list[tuple[str, bool]] = []
        if sub4 is not None:
            addresses = _plan_v4(values, sub4, args, rules, defaults)
        if sub6 is not None:
            values["cidr_v6"] = str(sub6)
            values["gateway_v6"] = str(gateway_v6) if gateway_v6 is not None else str(sub6[1])
            values["netmask_v6"] = str(sub6.netmask)
        if rules.vlan:
            if explicit_vlan is not None:
                vlan = explicit_vlan
            else:
                vlan = vlan_start + index + existing.count
                if vlan in used_vlans:
                    vlan = max(used_vlans) + 1
            if vlan > MAX_VLAN:
                raise exception.InvalidVlan(reason=f"no VLAN left: the next one would be {vlan}")
            used_vlans.add(vlan)
            values["vlan"] = vlan
            values["vpn_public_port"] = vpn_start + index + existing.count
            net_bridge = str(bridge) if bridge else f"br{vlan}"
        else:
            net_bridge = str(bridge) if bridge else ""
        if net_bridge:
            validate_bridge(net_bridge)
            if net_bridge in used_bridges:
                raise exception.DuplicateBridge(bridge=net_bridge, network="an existing network")
            used_bridges.add(net_bridge)
            values["bridge"] = net_bridge
        plans.append(NetworkPlan(values=values, addresses=addresses))
    return plans


def _plan_v4(values: dict[str, Any], subnet: netaddr.IPNetwork, args: dict[str, Any], rules: ManagerRules,
             defaults: Defaults) -> list[tuple[str, bool]]:
    """Fill the IPv4 columns of one network and return its address rows."""
    first, last = subnet[0], subnet[-1]
    current = subnet[1]
    reserved: set[netaddr.IPAddress] = set()
    if "allowed_start" in args:
        start = parse_address("allowed_start", args["allowed_start"], 4)
        if start not in subnet:
            raise exception.AddressOutOfRange(address=str(start), cidr=str(subnet))
        current = start
        reserved.update(netaddr.IPAddress(a) for a in range(int(first), int(start)))
    if "allowed_end" in args:
        end = parse_address("allowed_end", args["allowed_end"], 4)
        if end not in subnet:
            raise exception.AddressOutOfRange(address=str(end), cidr=str(subnet))
        if end < current:
            raise exception.InvalidInput(reason=f"allowed_end {end} is below allowed_start {current}")
        reserved.update(netaddr.IPAddress(a) for a in range(int(end) + 1, int(last) + 1))
    if "gateway" in args:
        gateway = parse_address("gateway", args["gateway"], 4)
        if gateway not in subnet:
            raise exception.AddressOutOfRange(address=str(gateway), cidr=str(subnet))
    else:
        gateway = current
        # NOTE(netaddr): IPAddress += mutates in place; always rebind.
        current = current + 1
    if "dhcp_server" in args:
        dhcp_server = parse_address("dhcp_server", args["dhcp_server"], 4)
        if dhcp_server not in subnet:
            raise exception.AddressOutOfRange(address=str(dhcp_server), cidr=str(subnet))
    else:
        dhcp_server = gateway
    taken = {gateway, dhcp_server}

    def next_free(address: netaddr.IPAddress) -> netaddr.IPAddress:
        while address in taken:
            address = address + 1
        return address

    current = next_free(current)
    if rules.vlan:
        vpn = current
        taken.add(vpn)
        values["vpn_private_address"] = str(vpn)
        current = next_free(current + 1)
    dhcp_start = current
    if dhcp_start >= last:
        raise exception.InvalidInput(reason=f"{subnet} has no address left for instances")
    values.update(
        cidr=str(subnet),
        netmask=str(subnet.netmask),
        broadcast=str(subnet.broadcast),
        gateway=str(gateway),
        dhcp_server=str(dhcp_server),
        dhcp_start=str(dhcp_start),
    )
    rows_net = subnet
    if "fixed_cidr" in args:
        rows_net = parse_cidr("fixed_cidr", args["fixed_cidr"], 4)
        if rows_net not in subnet:
            raise exception.AddressOutOfRange(address=str(rows_net), cidr=str(subnet))
    bottom = rules.bottom_reserved
    top = rules.top_reserved + (defaults.cnt_vpn_clients if rules.vlan else 0)
    size = rows_net.size
    rows: list[tuple[str, bool]] = []
    base = int(rows_net.first)
    for index in range(size):
        address = netaddr.IPAddress(base + index, 4)
        is_reserved = (
            index < bottom or index >= size - top or address in reserved or address in taken
        )
        rows.append((str(address), is_reserved))
    return rows
