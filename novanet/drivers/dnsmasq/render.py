"""What dnsmasq should read for a network: pure functions of the facts.

Nothing here touches the host. Every function takes the frozen facts
(:class:`~novanet.drivers.base.NetworkSpec`, :class:`~novanet.drivers.base.DhcpHost`,
:class:`~novanet.drivers.base.DhcpLease`) and a
:class:`~novanet.drivers.dnsmasq.settings.DnsmasqSettings` snapshot and returns
text, argv tuples or small frozen records; bad input raises a typed
:class:`~novanet.exception.Invalid` error before anything is written.

Theory of operation
-------------------
One dnsmasq serves one bridge (one network on this host). Its inputs are:

* **argv** (:func:`render_argv`): the process identity. Flags are only read at
  start, so a running dnsmasq whose ``/proc/<pid>/cmdline`` differs from the
  rendered argv is restarted, never HUPed.
* **opts file** (:func:`render_opts`): static per network (router, MTU), so a
  host change never touches it. ``use_single_default_gateway`` is expressed
  with one host tag (:data:`NO_GATEWAY_TAG`) set on the host entries of an
  instance's non-first interfaces, instead of nova's tag per VIF with one
  options line per VIF: the options file then never changes when hosts come
  and go, and it is only re-read on SIGHUP.
* **hosts** (:func:`render_host_entry`): ``<mac>,<fqdn>,<ip>[,set:<tag>]``.
  Every host as of dnsmasq's last full read is one line of the base
  hosts file (:func:`render_hostsfile`); a host changed since then is one
  file in the hosts directory, named by its MAC (:func:`host_file_name`); a
  removed host's file holds ``<mac>,ignore`` (a *tombstone*). See
  :mod:`.hostsdir` for why both.
* **DNS hosts directory** (multi_host, :func:`render_dns_hosts`): one file of
  ``<ip>\\t<fqdn>`` lines for every instance of the network on any host.
* **lease lines** (:func:`render_leases`): what ``novanet-dhcpbridge init``
  prints, because dnsmasq runs with ``--leasefile-ro``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from collections.abc import Iterable, Sequence

import netaddr

from novanet import exception
from novanet.drivers.base import DhcpHost, DhcpLease, NetworkSpec
from novanet.drivers.dnsmasq.paths import FILE_PREFIX, host_file_name, network_files, normalize_mac
from novanet.drivers.dnsmasq.settings import DnsmasqSettings

LOG = logging.getLogger(__name__)

#: Host tag of the interfaces that must not get a default route.
NO_GATEWAY_TAG = "novanet-nogw"
#: Host tag of the hosts answered with the PXE boot options (baremetal
#: nodes being deployed, cleaned or rescued).
PXE_TAG = "novanet-pxe"
#: dnsmasq refuses shorter leases (and nova's option has the same minimum).
MIN_LEASE_TIME = 120
#: NOTE(dnsmasq): a host name longer than a DNS label (63) is refused (nova bug
#: 1238910); nova keeps the first 2 and the last 60 characters, and so do we.
MAX_HOSTNAME = 63

_LABEL_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")


@dataclasses.dataclass(frozen=True)
class HostEntry:
    """One file of the hosts directory: a live entry or a tombstone."""

    mac: str
    #: None for a tombstone (``<mac>,ignore``).
    address: str | None
    text: str

    @property
    def name(self) -> str:
        return host_file_name(self.mac)

    @property
    def is_tombstone(self) -> bool:
        return self.address is None

    @property
    def tagged(self) -> bool:
        """It sets a tag (``set:``): see the NOTE in :mod:`.hostsdir`."""
        return ",set:" in self.text


# -- validation -------------------------------------------------------------------


def shorten_hostname(hostname: str) -> str:
    """The hostname dnsmasq accepts: over 63 characters, first 2 + '-' + last 60."""
    if len(hostname) > MAX_HOSTNAME:
        return f"{hostname[:2]}-{hostname[-60:]}"
    return hostname


def check_domain(domain: str) -> str:
    """``domain`` (may be empty) if every label of it is a valid DNS label."""
    if domain and (len(domain) > 253 or not all(
            len(label) <= MAX_HOSTNAME and _LABEL_RE.match(label) for label in domain.split("."))):
        raise exception.InvalidConfig(reason=f"dhcp_domain {domain!r} is not a valid DNS domain")
    return domain


def fqdn(hostname: str, domain: str) -> str:
    """``<hostname>.<domain>`` with the hostname shortened and validated.

    :raises InvalidInput: if the hostname is empty or has characters that are
        not allowed in a DNS label (they would also break the hosts file).
    """
    label = shorten_hostname(hostname) if isinstance(hostname, str) else ""
    if not _LABEL_RE.match(label):
        raise exception.InvalidInput(
            reason=f"hostname {hostname!r} must be letters, digits and inner '-' (it becomes a DNS label)")
    return f"{label}.{domain}" if domain else label


def _network(network: NetworkSpec) -> netaddr.IPNetwork:
    if not network.cidr:
        raise exception.InvalidInput(reason=f"network {network.id} has no IPv4 cidr; dnsmasq cannot serve it")
    return _parse_cidr(network.cidr, 4)


def _parse_cidr(cidr: str, version: int) -> netaddr.IPNetwork:
    """``cidr`` as an IPv``version`` network.

    :raises InvalidCidr: it is not one.
    """
    try:
        net = netaddr.IPNetwork(cidr)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise exception.InvalidCidr(cidr=cidr) from None
    if net.version != version:
        raise exception.InvalidCidr(cidr=cidr)
    return net


def _address_in(address: str | None, net: netaddr.IPNetwork, what: str) -> str:
    try:
        ip = netaddr.IPAddress(address, version=4) if address else None
    except (netaddr.AddrFormatError, ValueError, TypeError):
        ip = None
    if ip is None:
        raise exception.InvalidInput(reason=f"{what} {address!r} is not an IPv4 address")
    if ip not in net:
        raise exception.AddressOutOfRange(address=str(ip), cidr=str(net))
    return str(ip)


def _check_settings(settings: DnsmasqSettings) -> None:
    if not os.path.isabs(settings.networks_path):
        raise exception.InvalidConfig(reason=f"networks_path {settings.networks_path!r} must be an absolute path")
    if not settings.dhcpbridge:
        raise exception.InvalidConfig(reason="dhcpbridge (the dnsmasq --dhcp-script) must be set")
    if not settings.binary:
        raise exception.InvalidConfig(reason="[dnsmasq] binary must be set")
    if settings.dhcp_lease_time < MIN_LEASE_TIME:
        raise exception.InvalidConfig(
            reason=f"dhcp_lease_time {settings.dhcp_lease_time} is below dnsmasq's minimum of {MIN_LEASE_TIME}s")
    check_domain(settings.dhcp_domain)


# -- hosts and options ------------------------------------------------------------


def render_host_entry(network: NetworkSpec, host: DhcpHost, settings: DnsmasqSettings) -> HostEntry:
    """The hosts-directory entry of ``host``: ``<mac>,<fqdn>,<ip>[,set:<tag>]``.

    An empty hostname leaves the name out (``<mac>,<ip>``).
    """
    mac = normalize_mac(host.mac)
    address = _address_in(host.address, _network(network), f"address of {mac}")
    fields = [mac]
    if host.hostname:
        fields.append(fqdn(host.hostname, check_domain(settings.dhcp_domain)))
    fields.append(address)
    if settings.use_single_default_gateway and not host.default_route:
        fields.append(f"set:{NO_GATEWAY_TAG}")
    if host.pxe and settings.pxe_bootfile:
        fields.append(f"set:{PXE_TAG}")
    return HostEntry(mac, address, ",".join(fields) + "\n")


def render_tombstone(mac: str) -> HostEntry:
    """The entry that makes dnsmasq ignore ``mac`` (deleting its file would not)."""
    mac = normalize_mac(mac)
    return HostEntry(mac, None, f"{mac},ignore\n")


def render_host_entries(network: NetworkSpec, hosts: Iterable[DhcpHost],
                        settings: DnsmasqSettings) -> dict[str, HostEntry]:
    """Entries of all ``hosts``, by file name.

    As in nova, only the first address of a MAC is served (one file per MAC).

    :raises InvalidInput: if two MACs claim the same address.
    """
    entries: dict[str, HostEntry] = {}
    owners: dict[str, str] = {}
    for host in hosts:
        entry = render_host_entry(network, host, settings)
        if entry.name in entries:
            LOG.debug("%s: %s already has %s; %s is not served by DHCP",
                      network.bridge, entry.mac, entries[entry.name].address, entry.address)
            continue
        assert entry.address is not None
        other = owners.get(entry.address)
        if other is not None:
            raise exception.InvalidInput(
                reason=f"address {entry.address} is given to both {other} and {entry.mac} on {network.bridge}")
        owners[entry.address] = entry.mac
        entries[entry.name] = entry
    return entries


def parse_host_line(line: str) -> HostEntry | None:
    """Read back one rendered host line; None if it is not one of ours."""
    text = line.strip()
    fields = text.split(",")
    try:
        mac = normalize_mac(fields[0])
    except exception.InvalidInput:
        return None
    if not text or "\n" in text:
        return None
    if fields[1:] == ["ignore"]:
        return HostEntry(mac, None, text + "\n")
    for field in fields[1:]:
        if netaddr.valid_ipv4(field):
            return HostEntry(mac, field, text + "\n")
    return None


def parse_host_entry(name: str, text: str) -> HostEntry | None:
    """Read back a hosts-directory file; None if it is not one of ours."""
    entry = parse_host_line(text)
    if entry is None or entry.name != name or entry.text != text:
        return None
    return entry


def render_hostsfile(entries: Iterable[HostEntry]) -> str:
    """The base hosts file: the live entries, sorted by MAC."""
    return "".join(entry.text for entry in sorted(entries, key=lambda e: e.mac) if not entry.is_tombstone)


def router_address(network: NetworkSpec, settings: DnsmasqSettings) -> str | None:
    """The router (option 3) instances get: the gateway, or in multi_host
    without shared addresses this host's own dhcp_server."""
    if network.multi_host and not (network.share_address or settings.share_dhcp_address):
        return network.dhcp_server
    return network.gateway


def render_opts(network: NetworkSpec, settings: DnsmasqSettings) -> str:
    """The ``--dhcp-optsfile`` of ``network``.

    NOTE(dnsmasq): an option given without a value is sent empty, and an
    empty router option stops dnsmasq from offering itself as the router
    (checked with --log-dhcp: no option 3 in the OFFER).
    """
    net = _network(network)
    gateway = router_address(network, settings)
    router = f"option:router,{_address_in(gateway, net, 'router')}" if gateway else "option:router"
    if settings.use_single_default_gateway and gateway:
        lines = [f"tag:!{NO_GATEWAY_TAG},{router}", f"tag:{NO_GATEWAY_TAG},option:router"]
    else:
        lines = [router]
    if network.mtu:
        if not 68 <= network.mtu <= 65535:
            raise exception.InvalidInput(reason=f"MTU {network.mtu} of {network.bridge} is out of range")
        lines.append(f"option:mtu,{network.mtu}")
    lines += _pxe_lines(network, net, settings)
    return "".join(line + "\n" for line in lines)


def _pxe_lines(network: NetworkSpec, net: netaddr.IPNetwork, settings: DnsmasqSettings) -> list[str]:
    """The PXE boot options, for hosts tagged :data:`PXE_TAG` only.

    NOTE(dnsmasq): options 67 (boot file) and 66 (TFTP server) that the
    client did not ask for are sent in the BOOTP ``file`` and ``sname``
    fields, which is where PXE ROMs and ISC dhclient (``filename``,
    ``server-name`` in its lease) read them; 255 sets ``siaddr`` (next
    server). Checked with dnsmasq 2.90 (reference seed-extras.md §B.5).
    """
    if not settings.pxe_bootfile:
        return []
    if any(ch in settings.pxe_bootfile for ch in ",\n\"") or not settings.pxe_bootfile.strip():
        raise exception.InvalidConfig(reason=f"[baremetal] pxe_bootfile {settings.pxe_bootfile!r} is not a file name")
    if settings.tftp_server:
        server = str(netaddr.IPAddress(settings.tftp_server, version=4))
    else:
        server = _address_in(network.dhcp_server or network.gateway, net, f"dhcp_server of {network.bridge}")
    return [f"tag:{PXE_TAG},option:bootfile-name,{settings.pxe_bootfile}",
            f"tag:{PXE_TAG},option:tftp-server,{server}",
            f"tag:{PXE_TAG},option:server-ip-address,{server}"]


def render_dns_hosts(network: NetworkSpec, hosts: Iterable[DhcpHost], settings: DnsmasqSettings) -> str:
    """The multi_host DNS hosts file: ``<ip>\\t<fqdn>`` per instance address."""
    net = _network(network)
    domain = check_domain(settings.dhcp_domain)
    lines = []
    for host in hosts:
        address = _address_in(host.address, net, f"address of {host.hostname!r}")
        if not host.hostname:
            continue
        lines.append(f"{address}\t{fqdn(host.hostname, domain)}\n")
    return "".join(lines)


# -- argv -------------------------------------------------------------------------


def dns_servers(network: NetworkSpec, settings: DnsmasqSettings) -> tuple[str, ...]:
    """Upstream servers: ``dns_server``, then dns1/dns2 with use_network_dns_servers.

    Builds a new tuple every time; the option values are never extended.
    """
    candidates: list[str] = list(settings.dns_servers)
    if settings.use_network_dns_servers:
        candidates.extend(server for server in (network.dns1, network.dns2) if server)
    servers: list[str] = []
    for server in candidates:
        try:
            value = str(netaddr.IPAddress(server))
        except (netaddr.AddrFormatError, ValueError, TypeError):
            raise exception.InvalidConfig(reason=f"DNS server {server!r} is not an IP address") from None
        if value not in servers:
            servers.append(value)
    return tuple(servers)


def _v6_range(network: NetworkSpec, settings: DnsmasqSettings) -> netaddr.IPNetwork | None:
    if not (settings.use_ipv6 and network.cidr_v6):
        return None
    return _parse_cidr(network.cidr_v6, 6)


def render_argv(network: NetworkSpec, settings: DnsmasqSettings) -> tuple[str, ...]:
    """The dnsmasq command line serving ``network`` on this host.

    :raises InvalidInput: for missing or inconsistent network facts.
    :raises InvalidConfig: for unusable settings.
    """
    _check_settings(settings)
    files = network_files(settings, network.bridge)
    net = _network(network)
    server = _address_in(network.dhcp_server, net, f"dhcp_server of {network.bridge}")
    start = _address_in(network.dhcp_start, net, "dhcp_start") if network.dhcp_start else str(net.network)
    netmask = str(netaddr.IPAddress(network.netmask)) if network.netmask else str(net.netmask)
    lease = settings.dhcp_lease_time
    tag = f"net{network.id}"
    argv = [
        settings.binary,
        "--strict-order",
        "--bind-interfaces",
        # NOTE(dnsmasq): with only --listen-address, unicast renewals reaching
        # the bridge went unanswered; --interface fixes it (chef-bcpc PR #1009).
        f"--interface={network.bridge}",
        "--except-interface=lo",
        f"--listen-address={server}",
        # Any --conf-file stops dnsmasq from reading /etc/dnsmasq.conf.
        f"--conf-file={settings.config_file}",
        f"--pid-file={files.pid}",
        f"--dhcp-optsfile={files.opts}",
        f"--dhcp-hostsfile={files.hostsfile}",
        f"--dhcp-hostsdir={files.hostsdir}",
        f"--dhcp-range=set:{tag},{start},static,{netmask},{lease}s",
    ]
    net6 = _v6_range(network, settings)
    if net6 is not None:
        # ra-only: router advertisements with the autonomous flag (SLAAC), no
        # DHCPv6, as nova's radvd did; RA every 10 s like its MaxRtrAdvInterval.
        # NOTE(kernel): while the bridge's link-local address is tentative the
        # kernel sources RAs from the global one and clients drop them
        # (observed on a bridge started just before dnsmasq); the short
        # interval bounds that to 10 s.
        mtu = f"mtu:{network.mtu}," if network.mtu else ""
        argv += [
            f"--dhcp-range=set:{tag}-v6,{net6.network},ra-only,{net6.prefixlen},{lease}s",
            "--enable-ra",
            f"--ra-param={network.bridge},{mtu}10",
        ]
    argv += [
        # NOTE(dnsmasq): the default maximum of 1000 leases makes dnsmasq refuse
        # to serve with more stored leases ("too many stored leases", anchors
        # §2.2.4); the network size is always enough.
        f"--dhcp-lease-max={max(net.size, 1)}",
        f"--dhcp-script={settings.dhcpbridge}",
        "--leasefile-ro",
        "--no-hosts",
    ]
    if settings.dhcp_domain:
        argv.append(f"--domain={settings.dhcp_domain}")
    if network.multi_host:
        # NOTE(dnsmasq): --addn-hosts is only re-read on SIGHUP; a --hostsdir
        # file is re-read on change and its old names are dropped (man page,
        # dnsmasq >= 2.88), so a DNS update costs no reload.
        argv.append(f"--hostsdir={files.dnsdir}")
    servers = dns_servers(network, settings)
    if servers:
        argv.append("--no-resolv")
        argv += [f"--server={server}" for server in servers]
    if settings.log_dir:
        argv.append(f"--log-facility={os.path.join(settings.log_dir, f'{FILE_PREFIX}{network.bridge}.log')}")
    if settings.log_dhcp:
        argv.append("--log-dhcp")
    return tuple(argv)


#: Where the dhcp-script finds the daemon's lease socket.
BRIDGE_SOCKET_VARIABLE = "NOVANET_DHCPBRIDGE_SOCKET"


def render_env(network: NetworkSpec, settings: DnsmasqSettings) -> dict[str, str]:
    """Environment dnsmasq passes on to the dhcp-script (nova-dhcpbridge's contract).

    ``NOVANET_DHCPBRIDGE_SOCKET`` names the daemon's UNIX socket for lease
    events (see :mod:`novanet.rpc.bridge_socket`).
    """
    env = {
        "CONFIG_FILE": json.dumps(list(settings.dhcpbridge_flagfile)),
        "NETWORK_ID": str(network.id),
    }
    if settings.bridge_socket:
        env[BRIDGE_SOCKET_VARIABLE] = settings.bridge_socket
    return env


# -- leases -----------------------------------------------------------------------


def render_leases(leases: Sequence[DhcpLease]) -> str:
    """The lease lines ``novanet-dhcpbridge init`` prints for dnsmasq.

    Format per line: ``<expiry> <mac> <ip> <hostname or *> *``. A record that
    would break the format is skipped with a warning, so one bad row cannot
    stop dnsmasq from loading the others.
    """
    lines = []
    for lease in leases:
        try:
            mac = normalize_mac(lease.mac)
            address = str(netaddr.IPAddress(lease.address, version=4))
            expiry = int(lease.expiry)
        except (exception.InvalidInput, netaddr.AddrFormatError, ValueError, TypeError):
            LOG.warning("Skipping unusable lease %r", lease)
            continue
        name = shorten_hostname(lease.hostname) if lease.hostname else "*"
        if not _LABEL_RE.match(name):
            name = "*"
        lines.append(f"{expiry} {mac} {address} {name} *\n")
    return "".join(lines)
