"""network_data.json: an instance's network, told to its guest.

Theory of operation
-------------------
:func:`network_data` is a pure function from an instance's
:class:`~novanet.model.NetworkInfo` to the guest-agnostic document of the
"metadata-service-network-info" blueprint, in the exact shape nova produced
for nova-network instances (reference network-metadata.md §1.9):

* ``links`` — one per VIF whose network has an addressed subnet, in VIF
  order; ``id`` ``interface<N>`` (N counts those VIFs only), ``type`` the VIF
  type when it is one cloud-init knows as physical (``bridge`` for every
  novanet VIF) else ``phy``, lower-case ``ethernet_mac_address``, ``mtu``,
  ``vif_id``.
* ``networks`` — per link, the IPv4 entries then the IPv6 entries, numbered
  ``network<N>`` over the whole document. A DHCP-managed IPv4 family is one
  bare ``ipv4_dhcp`` entry (id, type, link, network_id), likewise
  ``ipv6_dhcp`` for ``ipv6_address_mode`` dhcpv6-stateful; a static family
  (``ipv6_slaac`` too) is one entry per fixed IP with ``ip_address``,
  ``netmask`` (dotted for v4, expanded mask for v6), ``routes`` and the
  subnet's DNS as ``services``.
* ``services`` — the de-duplicated DNS servers of every reported subnet, VIF
  order, v4 before v6.
* No VIFs at all: ``{}`` (what nova served; cloud-init accepts it).

Invariants, each checked by :func:`lint_network_data` in the tests: ids are
unique, every network's ``link`` exists, static entries always carry a
netmask, an address family has at most one default route in the whole
document, services are only ``dns``, ``mtu`` is an integer or null, and link
and network types are ones cloud-init maps without a warning.

A baremetal node's VIFs become ``phy``, ``bond`` and ``vlan`` links
afterwards (:mod:`.tiered`). Decisions where nova-network's behaviour was not
right for the guest (each is a ``NOTE`` below): no VLAN links for VMs, one default route per family,
every fixed IP of a static subnet reported, IPv6 static unless the network
says otherwise, ``enable_dhcp: False`` wins over a DHCP server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import netaddr

from novanet import exception
from novanet.metadata import tiered
from novanet.model import VIF, FixedIP, Network, NetworkInfo, Subnet

#: VIF types nova passes through as link types; anything else becomes
#: ``phy``. cloud-init treats all of them as physical NICs matched by MAC.
LEGACY_LINK_TYPES = frozenset({"bridge", "dvs", "hw_veb", "hyperv", "ovs", "tap", "vhostuser", "vif"})

#: ``network.meta["ipv6_address_mode"]`` (neutron's vocabulary) to the
#: network type. Only types in nova's published schema are produced.
IPV6_MODE_TYPES = {
    "slaac": "ipv6_slaac",
    # NOTE(ipv6-modes): nova emitted "ipv6_dhcpv6-stateless"/"-stateful",
    # which nova's own schema rejects; stateless is SLAAC addressing plus
    # DNS over DHCPv6 (the DNS is in `services` anyway), stateful is DHCPv6.
    "dhcpv6-stateless": "ipv6_slaac",
    "dhcpv6-stateful": "ipv6_dhcp",
}

NETWORK_TYPES = frozenset({"ipv4", "ipv4_dhcp", "ipv6", "ipv6_dhcp", "ipv6_slaac"})
DEFAULT_ROUTE = {4: ("0.0.0.0", "0.0.0.0"), 6: ("::", "::")}


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def canonical_ip(address: str, what: str = "address") -> str:
    """``address`` in canonical text (compact, lower-case IPv6).

    :raises InvalidInput: not an IP address.
    """
    try:
        return str(netaddr.IPAddress(address))
    except (netaddr.AddrFormatError, TypeError, ValueError) as exc:
        raise exception.InvalidInput(reason=f"{what} {address!r} is not an IP address") from exc


def canonical_mac(address: str) -> str:
    """``address`` as lower-case, colon-separated, zero-padded text.

    :raises InvalidInput: not a MAC address.
    """
    try:
        return str(netaddr.EUI(address, version=48, dialect=netaddr.mac_unix_expanded))
    except (netaddr.AddrFormatError, TypeError, ValueError) as exc:
        raise exception.InvalidInput(reason=f"MAC address {address!r} is not valid") from exc


def addressed_subnets(network: Network | None) -> list[Subnet]:
    """The subnets of ``network`` that have a CIDR (drops nova's v6 placeholder)."""
    if network is None:
        return []
    return [s for s in network.subnets if s.cidr]


def is_dhcp_managed(network: Network, subnet: Subnet) -> bool:
    """Whether the guest gets ``subnet``'s address by DHCP.

    NOTE(enable-dhcp): FlatDHCP and Vlan networks set ``dhcp_server`` on
    their subnets; a network whose ``enable_dhcp`` meta is false has no
    dnsmasq answering, so its guests must be told their address statically
    even if a DHCP server address is recorded.
    """
    if subnet.dhcp_server is None:
        return False
    return truthy(network.meta.get("enable_dhcp", True))


def link_mtu(network: Network) -> int | None:
    """The link MTU to announce: ``meta['mtu']`` as an int, or None.

    NOTE(mtu): nova (2023.1, bug 1899487) announces null whenever the network
    is DHCP-managed, since the MTU then comes from the DHCP server (option
    26) and two sources must not disagree.

    :raises InvalidInput: an MTU that is not an integer in 68..65535.
    """
    raw = network.meta.get("mtu")
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise exception.InvalidInput(reason=f"network {network.id} has MTU {raw!r}, not an integer")
    try:
        mtu = int(raw)
    except (TypeError, ValueError) as exc:
        raise exception.InvalidInput(reason=f"network {network.id} has MTU {raw!r}, not an integer") from exc
    if not 68 <= mtu <= 65535:
        raise exception.InvalidInput(reason=f"network {network.id} has MTU {mtu}, outside 68..65535")
    if any(is_dhcp_managed(network, s) for s in addressed_subnets(network)):
        return None
    return mtu


def link_type(vif: VIF) -> str:
    return vif.type if vif.type in LEGACY_LINK_TYPES else "phy"


def _mask(net: netaddr.IPNetwork) -> str:
    return str(net.netmask)


def _ips_of(subnet: Subnet, version: int) -> list[FixedIP]:
    return [ip for ip in subnet.ips if netaddr.IPAddress(ip.address).version == version]


@dataclasses.dataclass
class Routing:
    """Routes of one instance; remembers which families have their default route.

    Shared with the interfaces template so both tell the guest the same.
    """

    defaults: set[int] = dataclasses.field(default_factory=set)

    def routes(self, subnet: Subnet, version: int) -> list[dict[str, str]]:
        """Default route (first holder of the family only), then host routes.

        NOTE(default-route): nova gave every NIC with a gateway a default
        route. Two IPv4 default routes with one metric cannot coexist (the
        kernel answers EEXIST, ifupdown then fails the second NIC and
        cloud-init's sysconfig renderer refuses "Duplicate declaration of
        default route"), so only the first VIF, in VIF order, gets one.
        """
        out: list[dict[str, str]] = []
        if subnet.gateway and version not in self.defaults:
            network, netmask = DEFAULT_ROUTE[version]
            out.append({"network": network, "netmask": netmask, "gateway": canonical_ip(subnet.gateway, "gateway")})
            self.defaults.add(version)
        for route in subnet.routes:
            if not route.gateway:
                # NOTE(routes): an on-link route has no gateway; netplan and
                # the network_data.json schema need one, so it is left out.
                continue
            try:
                cidr = netaddr.IPNetwork(route.cidr)
            except (netaddr.AddrFormatError, TypeError, ValueError) as exc:
                raise exception.InvalidCidr(cidr=route.cidr) from exc
            if cidr.version != version:
                continue
            if cidr.prefixlen == 0:
                if version in self.defaults:
                    continue
                self.defaults.add(version)
            out.append(
                {"network": str(cidr.network), "netmask": _mask(cidr), "gateway": canonical_ip(route.gateway, "gateway")}
            )
        return out


def _dns(subnet: Subnet) -> list[str]:
    return [canonical_ip(d, "DNS server") for d in subnet.dns]


def _family_entries(
    network: Network, version: int, link_id: str, routing: Routing
) -> tuple[list[dict[str, Any]], list[str]]:
    """The network entries of one address family of one VIF, and its DNS."""
    subnets = [s for s in addressed_subnets(network) if s.version == version and _ips_of(s, version)]
    if not subnets:
        return [], []
    first = subnets[0]
    dns = [d for s in subnets for d in _dns(s)]
    mode = network.meta.get("ipv6_address_mode") if version == 6 else None
    if mode is not None and mode not in IPV6_MODE_TYPES:
        raise exception.InvalidInput(
            reason=f"network {network.id} has ipv6_address_mode {mode!r}; known: {sorted(IPV6_MODE_TYPES)}"
        )
    # NOTE(ipv6): novanet's IPv6 addresses are computed from the MAC
    # (EUI-64) and no DHCPv6 server hands them out; a SLAAC guest today picks
    # a stable-privacy address instead, which is not the address novanet
    # recorded (nor the one the anti-spoofing rules allow). So IPv6 is
    # static unless the network names an ipv6_address_mode.
    dhcp = version == 4 and is_dhcp_managed(network, first)
    if dhcp or IPV6_MODE_TYPES.get(str(mode)) == "ipv6_dhcp":
        # NOTE(dhcp): a DHCP server hands out one address per MAC, so a
        # DHCP-managed family is one bare entry, as in nova; further fixed
        # IPs on it cannot reach the guest this way.
        entry: dict[str, Any] = {"type": f"ipv{version}_dhcp", "link": link_id, "network_id": network.id}
        if dhcp:
            # NOTE(dhcp-address): the address the DHCP server hands this MAC,
            # for a reader who wants to know it; cloud-init's converter keeps
            # only subnet keys (ip_address is not one) for dhcp4, so it cannot
            # be misread as static configuration. No gateway: as a route it
            # would become a static route on the DHCP subnet, and in
            # multi_host the router DHCP gives is the host's own address.
            entry["ip_address"] = canonical_ip(_ips_of(first, version)[0].address)
        return [entry], dns
    net_type = IPV6_MODE_TYPES[str(mode)] if mode is not None else f"ipv{version}"
    entries: list[dict[str, Any]] = []
    for subnet in subnets:
        if version == 4 and is_dhcp_managed(network, subnet):
            continue
        cidr = netaddr.IPNetwork(subnet.cidr)
        # NOTE(multiple-ips): nova reported only the first fixed IP of the
        # first subnet per family; a static guest then never configures the
        # others. Each fixed IP gets its own entry on the same link; only a
        # subnet's first carries routes and DNS, so nothing is duplicated on
        # the interface (cloud-init renders the rest as aliases).
        for index, ip in enumerate(_ips_of(subnet, version)):
            entries.append(
                {
                    "type": net_type,
                    "link": link_id,
                    "ip_address": canonical_ip(ip.address),
                    "netmask": _mask(cidr),
                    "routes": routing.routes(subnet, version) if index == 0 else [],
                    "network_id": network.id,
                    "services": [{"type": "dns", "address": d} for d in _dns(subnet)] if index == 0 else [],
                }
            )
    return entries, dns


def network_data(network_info: NetworkInfo) -> dict[str, Any]:
    """The network_data.json document for an instance.

    :param network_info: the instance's VIFs in creation order.
    :returns: a JSON-serialisable dict; ``{}`` when there are no VIFs.
    :raises InvalidInput: a fact no guest could use (bad MAC, address, MTU,
        IPv6 mode).
    """
    if not network_info.vifs:
        return {}
    links: list[dict[str, Any]] = []
    networks: list[dict[str, Any]] = []
    services: list[dict[str, str]] = []
    routing = Routing()
    for vif in network_info:
        network = vif.network
        if network is None or not addressed_subnets(network):
            continue
        link_id = f"interface{len(links)}"
        # NOTE(vlan): in nova-network (and novanet) the VLAN or VXLAN segment
        # ends on the host: the instance's tap sits in a bridge on top of
        # vlan<N>, so the guest sees untagged frames. Announcing a "vlan"
        # link would make cloud-init create eth0.<N> and tag frames the
        # bridge then drops. Every VIF is therefore a plain link.
        links.append(
            {
                "id": link_id,
                "vif_id": vif.id,
                "type": link_type(vif),
                "mtu": link_mtu(network),
                "ethernet_mac_address": canonical_mac(vif.address),
            }
        )
        for version in (4, 6):
            entries, dns = _family_entries(network, version, link_id, routing)
            for entry in entries:
                networks.append({"id": f"network{len(networks)}", **entry})
            for address in dns:
                if not any(s["address"] == address for s in services):
                    services.append({"type": "dns", "address": address})
    return {"links": links, "networks": networks, "services": services}


def lint_network_data(doc: Mapping[str, Any]) -> list[str]:
    """Problems cloud-init would silently tolerate or misread; [] when clean.

    Checks what the reference's ``cloudinit_check`` lint checks: unique ids,
    no dangling ``link``, a netmask on static networks, at most one default
    route per network and per family, only ``dns`` services, integer MTUs,
    known link and network types.
    """
    problems: list[str] = []
    if doc == {}:
        return problems
    for key in ("links", "networks", "services"):
        if not isinstance(doc.get(key), list):
            problems.append(f"{key} is missing or not a list")
    if problems:
        return problems
    links: Sequence[Mapping[str, Any]] = doc["links"]
    networks: Sequence[Mapping[str, Any]] = doc["networks"]
    link_ids = [link.get("id") for link in links]
    problems += [f"duplicate link id {i}" for i in _duplicates(link_ids)]
    problems += [f"duplicate network id {i}" for i in _duplicates(n.get("id") for n in networks)]
    for link in links:
        if link.get("type") not in LEGACY_LINK_TYPES | {"phy", "bond", "vlan"}:
            problems.append(f"link {link.get('id')}: type {link.get('type')!r} is not physical")
        mtu = link.get("mtu")
        if mtu is not None and (isinstance(mtu, bool) or not isinstance(mtu, int)):
            problems.append(f"link {link.get('id')}: mtu {mtu!r} is not an integer")
        mac = link.get("ethernet_mac_address")
        if not isinstance(mac, str) or mac != mac.lower():
            problems.append(f"link {link.get('id')}: MAC {mac!r} is not lower case")
    defaults: dict[str, int] = {}
    for net in networks:
        name = net.get("id")
        if net.get("link") not in link_ids:
            problems.append(f"network {name}: link {net.get('link')!r} does not exist")
        if net.get("type") not in NETWORK_TYPES:
            problems.append(f"network {name}: type {net.get('type')!r} is unknown")
        if net.get("type") in ("ipv4", "ipv6", "ipv6_slaac") and not net.get("netmask"):
            problems.append(f"network {name}: static network without netmask")
        mine = [r for r in net.get("routes") or () if r.get("netmask") in ("0.0.0.0", "::")]
        if len(mine) > 1:
            problems.append(f"network {name}: {len(mine)} default routes")
        for route in mine:
            family = "v6" if ":" in route["netmask"] else "v4"
            defaults[family] = defaults.get(family, 0) + 1
        for svc in net.get("services") or ():
            if svc.get("type") != "dns":
                problems.append(f"network {name}: service type {svc.get('type')!r}")
    problems += [f"{n} default routes for IP{f}" for f, n in sorted(defaults.items()) if n > 1]
    problems += [f"service type {s.get('type')!r}" for s in doc["services"] if s.get("type") != "dns"]
    return problems + tiered.lint_tiers(doc)


def _duplicates(values: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    dups: list[Any] = []
    for value in values:
        if value in seen and value not in dups:
            dups.append(value)
        seen.add(value)
    return dups
