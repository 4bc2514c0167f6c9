"""Plain records that cross the privileged boundary, and the actions on them.

Everything here is frozen data made of str, int and bool, so it can be handed
to a privileged process (oslo.privsep) unchanged. Devices are named, never
referenced by ifindex: a plan is computed before the devices it creates exist,
and the backend resolves names when it applies.

Three kinds of record:

* what the kernel has: :class:`Link`, :class:`Address`, :class:`Route`,
  :class:`FdbEntry`, gathered into a :class:`Snapshot` for a :class:`Query`;
* what to change: the action classes (:data:`Action` is their union), each one
  idempotent on its own (adding what exists and removing what is absent both
  succeed; see ``privileged.apply``);
* what a helper tool answered: :class:`ToolResult`.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from typing import TypeAlias

#: Address scopes (rtnetlink RT_SCOPE_*).
SCOPE_UNIVERSE = 0
SCOPE_LINK = 253
SCOPE_HOST = 254

#: Routing tables (rtnetlink RT_TABLE_*).
TABLE_MAIN = 254
TABLE_LOCAL = 255

#: Route protocols (RTPROT_*): how ``ip route add`` marks a route by default.
PROTO_BOOT = 3

ZERO_MAC = "00:00:00:00:00:00"


@dataclasses.dataclass(frozen=True, slots=True)
class Link:
    """A network device as the kernel reports it.

    Only the attributes novanet reads are kept. ``kind`` is None for devices
    without link info (physical NICs, ``lo``). ``master`` and ``parent`` are
    ifindexes (the bridge a port belongs to, the lower device of a VLAN).
    """

    index: int
    name: str
    kind: str | None = None
    mac: str | None = None
    mtu: int = 1500
    up: bool = False
    master: int | None = None
    alias: str | None = None
    parent: int | None = None
    vlan_id: int | None = None
    vni: int | None = None
    vxlan_local: str | None = None
    vxlan_group: str | None = None
    vxlan_port: int | None = None
    vxlan_link: int | None = None
    vxlan_learning: bool | None = None
    stp: bool | None = None
    forward_delay: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Address:
    """An interface address. ``family`` is 4 or 6."""

    address: str
    prefixlen: int
    family: int = 4
    broadcast: str | None = None
    scope: int = SCOPE_UNIVERSE
    secondary: bool = False
    #: False for addresses with a lifetime (DHCP-learned, "dynamic").
    permanent: bool = True

    @classmethod
    def parse(cls, cidr: str, broadcast: str | None = None, scope: int = SCOPE_UNIVERSE) -> Address:
        """Build an address from ``a.b.c.d/len`` (or an IPv6 equivalent)."""
        iface = ipaddress.ip_interface(cidr)
        return cls(
            address=str(iface.ip),
            prefixlen=iface.network.prefixlen,
            family=iface.version,
            broadcast=broadcast,
            scope=scope,
        )

    @property
    def cidr(self) -> str:
        return f"{self.address}/{self.prefixlen}"

    def same_ip(self, other: Address) -> bool:
        """Same address and prefix length, whatever the flags."""
        return (self.family, _norm(self.address), self.prefixlen) == (
            other.family,
            _norm(other.address),
            other.prefixlen,
        )

    def fresh(self) -> Address:
        """This address as novanet adds it: permanent, never marked secondary."""
        return dataclasses.replace(self, secondary=False, permanent=True)


@dataclasses.dataclass(frozen=True, slots=True)
class Route:
    """A route through device ``device``; ``dst`` None is the default route."""

    device: str
    dst: str | None = None
    dst_len: int = 0
    gateway: str | None = None
    family: int = 4
    table: int = TABLE_MAIN
    priority: int | None = None
    proto: int = PROTO_BOOT
    scope: int = SCOPE_UNIVERSE
    prefsrc: str | None = None
    onlink: bool = False

    @property
    def destination(self) -> str:
        return "default" if self.dst is None else f"{self.dst}/{self.dst_len}"

    def on(self, device: str) -> Route:
        """The same route through another device."""
        return dataclasses.replace(self, device=device)


@dataclasses.dataclass(frozen=True, slots=True)
class FdbEntry:
    """A bridge forwarding entry; on a VXLAN device ``dst`` is the remote VTEP."""

    mac: str
    dst: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Query:
    """What to read for a plan: links by name, and per device its addresses,
    routes (through it) and FDB entries; sysctls by dotted-free path
    (``net/ipv4/ip_forward``)."""

    links: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    fdb: tuple[str, ...] = ()
    sysctls: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The answer to a :class:`Query`. Absent devices are simply missing from
    ``links``; the per-device tables are empty for them."""

    links: Mapping[str, Link] = dataclasses.field(default_factory=dict)
    addresses: Mapping[str, tuple[Address, ...]] = dataclasses.field(default_factory=dict)
    routes: Mapping[str, tuple[Route, ...]] = dataclasses.field(default_factory=dict)
    fdb: Mapping[str, tuple[FdbEntry, ...]] = dataclasses.field(default_factory=dict)
    sysctls: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def link(self, name: str) -> Link | None:
        return self.links.get(name)

    def addrs(self, name: str) -> tuple[Address, ...]:
        return self.addresses.get(name, ())


# -- actions ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class CreateLink:
    """Create a device (``bridge``, ``vlan`` or ``vxlan``) and tag it ``alias``.

    ``parent`` is the lower device of a VLAN, ``vxlan_link`` the underlay
    device of a VXLAN (both by name).
    """

    name: str
    kind: str
    alias: str
    up: bool = True
    mtu: int | None = None
    mac: str | None = None
    parent: str | None = None
    vlan_id: int | None = None
    vni: int | None = None
    vxlan_local: str | None = None
    vxlan_group: str | None = None
    vxlan_port: int | None = None
    vxlan_link: str | None = None
    vxlan_learning: bool | None = None
    stp: bool | None = None
    forward_delay: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SetLink:
    """Change attributes of an existing device; None leaves one alone
    (``master=""`` takes the device out of its bridge)."""

    name: str
    up: bool | None = None
    master: str | None = None
    mac: str | None = None
    mtu: int | None = None
    alias: str | None = None
    stp: bool | None = None
    forward_delay: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class DeleteLink:
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class AddAddress:
    device: str
    address: Address


@dataclasses.dataclass(frozen=True, slots=True)
class DeleteAddress:
    device: str
    address: Address


@dataclasses.dataclass(frozen=True, slots=True)
class AddRoute:
    route: Route


@dataclasses.dataclass(frozen=True, slots=True)
class DeleteRoute:
    route: Route


@dataclasses.dataclass(frozen=True, slots=True)
class AddFdb:
    device: str
    entry: FdbEntry


@dataclasses.dataclass(frozen=True, slots=True)
class DeleteFdb:
    device: str
    entry: FdbEntry


@dataclasses.dataclass(frozen=True, slots=True)
class SetSysctl:
    path: str
    value: str


@dataclasses.dataclass(frozen=True, slots=True)
class SendArp:
    """Announce ``address`` on ``device`` with ``count`` gratuitous ARPs."""

    device: str
    address: str
    count: int


Action: TypeAlias = (
    CreateLink
    | SetLink
    | DeleteLink
    | AddAddress
    | DeleteAddress
    | AddRoute
    | DeleteRoute
    | AddFdb
    | DeleteFdb
    | SetSysctl
    | SendArp
)


@dataclasses.dataclass(frozen=True, slots=True)
class ToolResult:
    """Exit code and output of a helper tool run in the namespace."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str = ""
    stderr: str = ""


def _norm(address: str) -> str:
    return str(ipaddress.ip_address(address))
