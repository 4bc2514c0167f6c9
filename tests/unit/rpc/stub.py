"""A manager stand-in for the RPC layer's unit tests: records calls, answers as told.

Calls to the manager's parts that the endpoint reaches directly
(``manager.queries.get_network``...) are recorded under their path
(``"queries.get_network"``).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from novanet.db import models
from novanet.model import VIF, FixedIP, Network, NetworkInfo, Subnet

UUID = "6bd5e8bd-7c37-4a8b-a9c5-0b5e5b7a0c11"
UUID2 = "0f3c1e2a-5b4d-4c6e-8f7a-9b0c1d2e3f40"
NET_UUID = "2d1c4f3e-6a5b-4c7d-9e8f-0a1b2c3d4e5f"

NW_INFO = NetworkInfo(vifs=(
    VIF(id="9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", address="fa:16:3e:00:00:01",
        network=Network(id=NET_UUID, bridge="br100", label="private",
                        subnets=(Subnet(cidr="10.0.0.0/24", gateway="10.0.0.1", dns=("8.8.4.4",),
                                        ips=(FixedIP("10.0.0.3", floating_ips=("172.24.4.9",)),),
                                        dhcp_server="10.0.0.1"),
                                 Subnet(cidr=None)),
                        meta={"tenant_id": "p1", "should_create_bridge": True})),
))

NETWORK_ROW = models.Network(id=1, uuid=NET_UUID, label="private", cidr="10.0.0.0/24", bridge="br100")

#: The manager's parts the endpoint calls directly.
PARTS = ("queries", "nw_info", "dns", "networks", "plumbing")

#: What each manager method returns by default (typed records, as the real manager's).
RESULTS: dict[str, Any] = {
    "allocate_for_instance": NW_INFO,
    "nw_info.get_instance_nw_info": NW_INFO,
    "add_fixed_ip_to_instance": NW_INFO,
    "remove_fixed_ip_from_instance": NW_INFO,
    "networks.create_networks": [NETWORK_ROW],
    "networks.set_network_host": "host-a",
    "rpc_allocate_fixed_ip": "10.0.0.3",
    "allocate_floating_ip": "172.24.4.9",
    "associate_floating_ip": None,
    "queries.get_all_networks": [NETWORK_ROW],
    "queries.get_network": NETWORK_ROW,
    "queries.get_fixed_ip": models.FixedIp(id=4, address="10.0.0.3", network_id=1),
    "queries.get_fixed_ip_by_address": models.FixedIp(id=4, address="10.0.0.3", network_id=1),
    "queries.get_vifs_by_instance": [],
    "queries.get_floating_ip": models.FloatingIp(id=3, address="172.24.4.9", pool="nova"),
    "queries.get_floating_ip_by_address": models.FloatingIp(id=3, address="172.24.4.9", pool="nova"),
    "queries.get_floating_ips_by_project": [],
    "queries.get_floating_ip_pools": ["nova"],
    "queries.get_floating_pools": ["nova"],
    "queries.get_instance_uuids_by_ip_filter": [],
    "dns.get_dns_domains": [],
}


@dataclasses.dataclass
class Call:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    @property
    def context(self) -> Any:
        return self.args[0]

    def bound(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The call without its context."""
        return self.args[1:], self.kwargs


class StubManager:
    """Answers every manager method: records it, then raises or returns as configured."""

    def __init__(self, host: str = "host-a") -> None:
        self.host = host
        self.calls: list[Call] = []
        self.raises: dict[str, BaseException] = {}
        self.results: dict[str, Any] = dict(RESULTS)
        self.hooks: dict[str, Callable[[], None]] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in PARTS:
            return _Part(self, name)
        return self.method(name)

    def method(self, name: str) -> Any:
        """A recording stand-in for the method at path ``name``."""

        def method(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls.append(Call(name, args, kwargs))
            hook = self.hooks.get(name)
            if hook is not None:
                hook()
            if name in self.raises:
                raise self.raises[name]
            return self.results.get(name)

        return method

    def names(self) -> list[str]:
        return [c.name for c in self.calls]

    def last(self, name: str | None = None) -> Call:
        calls = [c for c in self.calls if name is None or c.name == name]
        assert calls, f"no call to {name}: {self.names()}"
        return calls[-1]


class _Part:
    """One of the manager's parts: its calls are recorded by the manager stub."""

    def __init__(self, stub: StubManager, name: str) -> None:
        self._stub = stub
        self._name = name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._stub.method(f"{self._name}.{name}")
