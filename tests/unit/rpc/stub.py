"""A manager stand-in for the RPC layer's unit tests: records calls, answers as told."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

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

#: What each manager method returns by default.
RESULTS: dict[str, Any] = {
    "allocate_for_instance": NW_INFO,
    "get_instance_nw_info": NW_INFO,
    "add_fixed_ip_to_instance": NW_INFO,
    "remove_fixed_ip_from_instance": NW_INFO,
    "create_networks_rpc": [{"id": 1, "uuid": NET_UUID, "label": "private"}],
    "set_network_host": "host-a",
    "rpc_allocate_fixed_ip": "10.0.0.3",
    "allocate_floating_ip": "172.24.4.9",
    "associate_floating_ip": None,
    "get_all_networks": [{"id": 1, "uuid": NET_UUID}],
    "get_network": {"id": 1, "uuid": NET_UUID},
    "get_floating_ip_pools": [{"name": "nova"}],
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
