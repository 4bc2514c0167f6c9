"""The network_info model handed to compute hosts and to the metadata layer.

An instance's network_info is a list of VIFs; each VIF has one network with
its subnets, and each subnet its gateway, DNS servers, routes and the fixed
IPs (with their floating IPs) of that VIF. The classes here are immutable and
typed; :meth:`NetworkInfo.to_primitive` produces exactly the JSON shape nova's
``nova.network.model.NetworkInfo.hydrate`` accepts, and
:meth:`NetworkInfo.from_primitive` reads that shape back (tolerating the keys
nova adds or omits), so the wire format stays nova's.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import netaddr

VIF_TYPE_BRIDGE = "bridge"
VNIC_TYPE_NORMAL = "normal"


def _version_of(address: str | None) -> int | None:
    if not address:
        return None
    return netaddr.IPAddress(address).version


def _meta(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


@dataclasses.dataclass(frozen=True)
class IP:
    """An address with a role: ``fixed``, ``floating``, ``gateway`` or ``dns``."""

    address: str | None
    type: str | None = None
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def version(self) -> int | None:
        return _version_of(self.address)

    def to_primitive(self) -> dict[str, Any]:
        return {"address": self.address, "type": self.type, "version": self.version, "meta": dict(self.meta)}

    @classmethod
    def from_primitive(cls, data: Mapping[str, Any] | None) -> IP:
        data = data or {}
        return cls(address=data.get("address"), type=data.get("type"), meta=_meta(data.get("meta")))


@dataclasses.dataclass(frozen=True)
class FixedIP:
    """A fixed address of a VIF and the floating addresses that point at it."""

    address: str
    floating_ips: tuple[str, ...] = ()
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def version(self) -> int:
        return netaddr.IPAddress(self.address).version

    def to_primitive(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "type": "fixed",
            "version": self.version,
            "meta": dict(self.meta),
            "floating_ips": [IP(f, "floating").to_primitive() for f in self.floating_ips],
        }

    @classmethod
    def from_primitive(cls, data: Mapping[str, Any]) -> FixedIP:
        floats = tuple(str(f["address"]) for f in data.get("floating_ips") or () if f.get("address"))
        return cls(address=str(data["address"]), floating_ips=floats, meta=_meta(data.get("meta")))


@dataclasses.dataclass(frozen=True)
class Route:
    cidr: str
    gateway: str | None = None
    interface: str | None = None

    def to_primitive(self) -> dict[str, Any]:
        return {
            "cidr": self.cidr,
            "gateway": IP(self.gateway, "gateway").to_primitive(),
            "interface": self.interface,
            "meta": {},
        }

    @classmethod
    def from_primitive(cls, data: Mapping[str, Any]) -> Route:
        gateway = data.get("gateway")
        if isinstance(gateway, Mapping):
            gateway = gateway.get("address")
        return cls(cidr=str(data["cidr"]), gateway=gateway, interface=data.get("interface"))


@dataclasses.dataclass(frozen=True)
class Subnet:
    """One address family of a network as one VIF sees it.

    ``cidr`` is None for the placeholder IPv6 subnet of a network without
    IPv6 (nova always sent two subnets, v4 then v6).
    """

    cidr: str | None
    gateway: str | None = None
    dns: tuple[str, ...] = ()
    ips: tuple[FixedIP, ...] = ()
    routes: tuple[Route, ...] = ()
    dhcp_server: str | None = None

    @property
    def version(self) -> int | None:
        return netaddr.IPNetwork(self.cidr).version if self.cidr else None

    def to_primitive(self) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        if self.dhcp_server is not None:
            meta["dhcp_server"] = self.dhcp_server
        return {
            "cidr": self.cidr,
            "dns": [IP(d, "dns").to_primitive() for d in self.dns],
            "gateway": IP(self.gateway, "gateway" if self.gateway else None).to_primitive(),
            "ips": [ip.to_primitive() for ip in self.ips],
            "routes": [r.to_primitive() for r in self.routes],
            "version": self.version,
            "meta": meta,
        }

    @classmethod
    def from_primitive(cls, data: Mapping[str, Any]) -> Subnet:
        gateway = data.get("gateway")
        if isinstance(gateway, Mapping):
            gateway = gateway.get("address")
        return cls(
            cidr=data.get("cidr"),
            gateway=gateway,
            dns=tuple(str(d["address"]) for d in data.get("dns") or () if d.get("address")),
            ips=tuple(FixedIP.from_primitive(ip) for ip in data.get("ips") or ()),
            routes=tuple(Route.from_primitive(r) for r in data.get("routes") or ()),
            dhcp_server=_meta(data.get("meta")).get("dhcp_server"),
        )


@dataclasses.dataclass(frozen=True)
class Network:
    """A network as a VIF sees it.

    ``meta`` carries nova's keys: ``tenant_id``, ``injected``,
    ``should_create_bridge``, ``bridge_interface``, ``multi_host``,
    ``should_create_vlan``, ``vlan``, and novanet's ``mtu`` and
    ``enable_dhcp``.
    """

    id: str
    bridge: str | None
    label: str
    subnets: tuple[Subnet, ...] = ()
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def to_primitive(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "bridge": self.bridge,
            "label": self.label,
            "subnets": [s.to_primitive() for s in self.subnets],
            "meta": dict(self.meta),
        }

    @classmethod
    def from_primitive(cls, data: Mapping[str, Any]) -> Network:
        return cls(
            id=str(data["id"]),
            bridge=data.get("bridge"),
            label=str(data.get("label") or ""),
            subnets=tuple(Subnet.from_primitive(s) for s in data.get("subnets") or ()),
            meta=_meta(data.get("meta")),
        )


@dataclasses.dataclass(frozen=True)
class VIF:
    """A virtual interface of an instance: its MAC and its network."""

    id: str
    address: str
    network: Network | None
    type: str = VIF_TYPE_BRIDGE
    devname: str | None = None
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def fixed_ips(self) -> list[FixedIP]:
        if self.network is None:
            return []
        return [ip for subnet in self.network.subnets for ip in subnet.ips]

    def floating_ips(self) -> list[str]:
        return [f for ip in self.fixed_ips() for f in ip.floating_ips]

    def to_primitive(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "address": self.address,
            "network": self.network.to_primitive() if self.network else None,
            "type": self.type,
            "details": {},
            "devname": self.devname,
            "ovs_interfaceid": None,
            "qbh_params": None,
            "qbg_params": None,
            "active": False,
            "vnic_type": VNIC_TYPE_NORMAL,
            "profile": None,
            "preserve_on_delete": False,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_primitive(cls, data: Mapping[str, Any]) -> VIF:
        network = data.get("network")
        return cls(
            id=str(data["id"]),
            address=str(data["address"]),
            network=Network.from_primitive(network) if network else None,
            type=str(data.get("type") or VIF_TYPE_BRIDGE),
            devname=data.get("devname"),
            meta=_meta(data.get("meta")),
        )


@dataclasses.dataclass(frozen=True)
class NetworkInfo:
    """An instance's network_info: its VIFs in creation order."""

    vifs: tuple[VIF, ...] = ()

    def __iter__(self) -> Iterator[VIF]:
        return iter(self.vifs)

    def __len__(self) -> int:
        return len(self.vifs)

    def __getitem__(self, index: int) -> VIF:
        return self.vifs[index]

    def fixed_ips(self) -> list[FixedIP]:
        return [ip for vif in self.vifs for ip in vif.fixed_ips()]

    def floating_ips(self) -> list[str]:
        return [f for vif in self.vifs for f in vif.floating_ips()]

    def to_primitive(self) -> list[dict[str, Any]]:
        return [vif.to_primitive() for vif in self.vifs]

    def json(self) -> str:
        return json.dumps(self.to_primitive())

    @classmethod
    def from_primitive(cls, data: Sequence[Mapping[str, Any]] | str | None) -> NetworkInfo:
        items: Sequence[Mapping[str, Any]] = json.loads(data) if isinstance(data, str) else (data or ())
        return cls(vifs=tuple(VIF.from_primitive(v) for v in items))
