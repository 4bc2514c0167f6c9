"""A driver that records host operations instead of doing them.

It keeps the host state it was asked for (networks, DHCP hosts, floating
forwards) in memory, so tests can assert what the host would look like, and
records every call in order. Loaded as ``network_driver = fake`` (and used
whenever ``fake_network`` is set).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from novanet.drivers.base import DhcpHost, FloatingForward, HostState, NetworkSpec


@dataclasses.dataclass
class RecordedCall:
    name: str
    args: tuple[Any, ...]


class RecordingDriver:
    """In-memory :class:`~novanet.drivers.base.NetworkDriver`."""

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self.networks: dict[str, NetworkSpec] = {}
        self.dhcp_hosts: dict[str, dict[str, DhcpHost]] = {}
        self.dns_hosts: dict[str, list[DhcpHost]] = {}
        self.floating: dict[str, FloatingForward] = {}
        self.released: list[tuple[str, str, str]] = []
        self.vpn_forwards: set[str] = set()
        self.deferred_depth = 0
        self.applies = 0
        self._lock = threading.RLock()

    def _record(self, name: str, *args: Any) -> None:
        with self._lock:
            self.calls.append(RecordedCall(name, args))
            if self.deferred_depth == 0:
                self.applies += 1

    def call_names(self) -> list[str]:
        return [c.name for c in self.calls]

    def init_host(self, state: HostState) -> None:
        with self._lock:
            self.networks = {n.bridge: n for n, _ in state.networks}
            self.dhcp_hosts = {n.bridge: {h.mac: h for h in hosts} for n, hosts in state.networks}
            self.floating = {f.floating: f for f in state.floating}
            self._record("init_host", state)

    def ensure_network(self, network: NetworkSpec, hosts: Sequence[DhcpHost]) -> None:
        with self._lock:
            self.networks[network.bridge] = network
            self.dhcp_hosts[network.bridge] = {h.mac: h for h in hosts}
            self._record("ensure_network", network, tuple(hosts))

    def remove_network(self, network: NetworkSpec) -> None:
        with self._lock:
            self.networks.pop(network.bridge, None)
            self.dhcp_hosts.pop(network.bridge, None)
            self._record("remove_network", network)

    def add_dhcp_host(self, network: NetworkSpec, host: DhcpHost) -> None:
        with self._lock:
            self.dhcp_hosts.setdefault(network.bridge, {})[host.mac] = host
            self._record("add_dhcp_host", network, host)

    def remove_dhcp_host(self, network: NetworkSpec, host: DhcpHost) -> None:
        with self._lock:
            self.dhcp_hosts.get(network.bridge, {}).pop(host.mac, None)
            self._record("remove_dhcp_host", network, host)

    def release_dhcp(self, network: NetworkSpec, address: str, mac: str) -> None:
        with self._lock:
            self.released.append((network.bridge, address, mac))
            self._record("release_dhcp", network, address, mac)

    def update_dns(self, network: NetworkSpec, hosts: Sequence[DhcpHost]) -> None:
        with self._lock:
            self.dns_hosts[network.bridge] = list(hosts)
            self._record("update_dns", network, tuple(hosts))

    def add_floating_ip(self, forward: FloatingForward) -> None:
        with self._lock:
            self.floating[forward.floating] = forward
            self._record("add_floating_ip", forward)

    def remove_floating_ip(self, forward: FloatingForward) -> None:
        with self._lock:
            self.floating.pop(forward.floating, None)
            self._record("remove_floating_ip", forward)

    def ensure_vpn_forward(self, network: NetworkSpec) -> None:
        with self._lock:
            self.vpn_forwards.add(network.bridge)
            self._record("ensure_vpn_forward", network)

    def periodic_tasks(self, networks: Sequence[NetworkSpec]) -> None:
        self._record("periodic_tasks", tuple(networks))

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        with self._lock:
            self.deferred_depth += 1
        try:
            yield
        finally:
            with self._lock:
                self.deferred_depth -= 1
                if self.deferred_depth == 0:
                    self.applies += 1


def create(conf: Any) -> RecordingDriver:
    """Entry point ``novanet.network_drivers: fake``."""
    return RecordingDriver()
