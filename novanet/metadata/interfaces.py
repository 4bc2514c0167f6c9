"""The legacy Debian interfaces file for ``flat_injected`` networks.

Theory of operation
-------------------
On a FlatManager network without DHCP (``flat_injected``), nova-network
wrote the guest's ``/etc/network/interfaces`` for it, from a Jinja2
template. novanet keeps that contract: :func:`injected_interfaces` is a pure
function choosing the VIFs and computing the per-interface variables, and
:func:`render_interfaces` fills the template shipped in
``templates/interfaces.template`` (or an operator's own file, the
``injected_network_template`` option) with them. The result goes to
``openstack/content/0000`` of the config drive and the metadata service,
pointed to by ``network_config`` in meta_data.json.

Which VIFs: those whose network has ``injected`` set and no DHCP-managed
subnet. Names are ``eth<N>`` where N counts every VIF with an addressed
subnet, injected or not (nova's numbering, so names can have gaps: the guest
kernel numbers all NICs). Only the first fixed IP of the first subnet of
each family is written (interfaces(5) has one ``address`` per stanza).
Routes and the single default route come from the same
:class:`~novanet.metadata.network_data.Routing` as network_data.json, so
both documents tell the guest the same thing.

Template variables, per interface (a dict in ``interfaces``): ``name``,
``hwaddress``, ``address``, ``netmask`` (dotted), ``broadcast``, ``gateway``,
``dns`` (list), ``routes`` (dicts with ``cidr``, ``network``, ``netmask``,
``gateway``), ``mtu``, ``address_v6``, ``netmask_v6`` (a prefix length, as
interfaces(5) wants), ``gateway_v6``, ``dns_v6``, ``routes_v6``; at the top
``interfaces``, ``use_ipv6`` and ``libvirt_virt_type`` (``lxc`` writes IPv6
as ``post-up`` commands, since LXC guests cannot configure inet6 stanzas).
Missing values are empty strings or lists, so custom templates can test
them with ``{% if %}``.

Dual stack: interfaces(5) expresses it with two stanzas for one interface
(``inet`` and ``inet6``), which ifupdown applies. cloud-init's ENI reader
refuses that file ("Interface eth0 can only be defined once", reference §4),
but cloud-init only reads this file when network_data.json is absent, and
novanet always ships network_data.json next to it; the tests run cloud-init
over both.

NOTE(injection): every value is rebuilt from parsed addresses (netaddr) or
novanet's own names before it reaches the template, so no fact can carry a
newline into the file (an ``up`` line would run as root in the guest).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from typing import Any

import jinja2
import netaddr

from novanet import exception
from novanet.metadata import network_data as nd
from novanet.model import Network, NetworkInfo, Subnet

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
#: The template shipped with novanet.
DEFAULT_TEMPLATE = os.path.join(TEMPLATE_DIR, "interfaces.template")


@dataclasses.dataclass(frozen=True)
class InjectedInterface:
    """The variables of one interface in the template."""

    name: str
    hwaddress: str
    address: str = ""
    netmask: str = ""
    broadcast: str = ""
    gateway: str = ""
    dns: tuple[str, ...] = ()
    routes: tuple[dict[str, str], ...] = ()
    mtu: int | None = None
    address_v6: str = ""
    netmask_v6: str = ""
    gateway_v6: str = ""
    dns_v6: tuple[str, ...] = ()
    routes_v6: tuple[dict[str, str], ...] = ()

    def as_template_vars(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["mtu"] = self.mtu or ""
        return data


def _first_subnet_with_ip(network: Network, version: int) -> Subnet | None:
    for subnet in nd.addressed_subnets(network):
        if subnet.version == version and any(netaddr.IPAddress(ip.address).version == version for ip in subnet.ips):
            return subnet
    return None


def _family(
    network: Network, version: int, routing: nd.Routing
) -> tuple[str, netaddr.IPNetwork | None, str, list[str], list[dict[str, str]]]:
    """(address, subnet cidr, gateway, dns, host routes) of one family."""
    subnet = _first_subnet_with_ip(network, version)
    if subnet is None:
        return "", None, "", [], []
    ip = next(ip for ip in subnet.ips if netaddr.IPAddress(ip.address).version == version)
    cidr = netaddr.IPNetwork(subnet.cidr)
    gateway = ""
    routes: list[dict[str, str]] = []
    for route in routing.routes(subnet, version):
        net = netaddr.IPNetwork(f"{route['network']}/{route['netmask']}")
        if net.prefixlen == 0:
            gateway = route["gateway"]
        else:
            routes.append({"cidr": str(net), **route})
    dns = [nd.canonical_ip(d, "DNS server") for d in subnet.dns]
    return nd.canonical_ip(ip.address), cidr, gateway, dns, routes


def is_injected(network: Network | None) -> bool:
    """Whether ``network``'s configuration is written into the guest."""
    if network is None or not nd.truthy(network.meta.get("injected", False)):
        return False
    return not any(nd.is_dhcp_managed(network, s) for s in nd.addressed_subnets(network))


def injected_interfaces(network_info: NetworkInfo) -> list[InjectedInterface]:
    """The interfaces to write, in VIF order; [] when nothing is injected.

    :raises InvalidInput: a bad MAC or address (see network_data).
    """
    result: list[InjectedInterface] = []
    routing = nd.Routing()
    index = -1
    for vif in network_info:
        network = vif.network
        if network is None or not nd.addressed_subnets(network):
            continue
        index += 1
        if not is_injected(network):
            continue
        address, cidr, gateway, dns, routes = _family(network, 4, routing)
        address_v6, cidr_v6, gateway_v6, dns_v6, routes_v6 = _family(network, 6, routing)
        if not address and not address_v6:
            continue
        broadcast = ""
        if cidr is not None and cidr.prefixlen < 31:
            broadcast = str(cidr.broadcast)
        result.append(
            InjectedInterface(
                name=f"eth{index}",
                hwaddress=nd.canonical_mac(vif.address),
                address=address,
                netmask=str(cidr.netmask) if cidr is not None else "",
                broadcast=broadcast,
                gateway=gateway,
                dns=tuple(dns),
                routes=tuple(routes),
                mtu=nd.link_mtu(network),
                address_v6=address_v6,
                netmask_v6=str(cidr_v6.prefixlen) if cidr_v6 is not None else "",
                gateway_v6=gateway_v6,
                dns_v6=tuple(dns_v6),
                routes_v6=tuple(routes_v6),
            )
        )
    return result


def load_template(path: str | None = None) -> jinja2.Template:
    """Compile the interfaces template at ``path`` (default: the shipped one).

    Compiled templates are kept, keyed by path and modification time, so an
    edited file is picked up and an unchanged one is not compiled per
    request. NOTE(perf): compiling cost ~28 ms, 98% of a meta_data.json
    answer, before this cache (tools/bench_metadata.py).

    :raises InvalidConfig: the file is missing or is not a valid template.
    """
    path = os.path.abspath(path or DEFAULT_TEMPLATE)
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError as exc:
        raise exception.InvalidConfig(reason=f"interfaces template {path}: {exc}") from exc
    return _compile(path, mtime)


@functools.lru_cache(maxsize=16)
def _compile(path: str, mtime: int) -> jinja2.Template:
    directory, name = os.path.split(path)
    env = jinja2.Environment(  # noqa: S701 - plain text, not HTML
        loader=jinja2.FileSystemLoader(directory),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    try:
        return env.get_template(name)
    except (jinja2.TemplateError, OSError) as exc:
        raise exception.InvalidConfig(reason=f"interfaces template {path}: {exc}") from exc


def render_interfaces(
    network_info: NetworkInfo,
    template: jinja2.Template | None = None,
    virt_type: str | None = None,
) -> str | None:
    """The interfaces file for ``network_info``, or None when nothing is injected.

    :param template: a compiled template (:func:`load_template`); default the
        shipped one.
    :param virt_type: the hypervisor type; ``lxc`` changes IPv6 handling.
    """
    interfaces = injected_interfaces(network_info)
    if not interfaces:
        return None
    template = template or load_template()
    return template.render(
        interfaces=[i.as_template_vars() for i in interfaces],
        use_ipv6=any(i.address_v6 for i in interfaces),
        libvirt_virt_type=virt_type or "",
    )
