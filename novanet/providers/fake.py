"""An in-memory :class:`~novanet.providers.base.NodeHost` for unit tests."""

from __future__ import annotations

from novanet import exception
from novanet.db.models import Network
from novanet.drivers.base import DhcpHost
from novanet.drivers.switch.fake import FakeSwitch


class FakeNodeHost:
    """Records DHCP entries per network and releases; fails on demand.

    ``served[network_id][mac]`` is what that network's DHCP answers;
    ``released`` lists every ``(network label, address, mac)`` whose lease
    was ended; serving a MAC in ``broken`` raises a DriverError.
    """

    def __init__(self, switch: FakeSwitch | None = None, host: str = "bm-host") -> None:
        self.host = host
        self.switch = switch if switch is not None else FakeSwitch()
        self.served: dict[int, dict[str, DhcpHost]] = {}
        self.released: list[tuple[str, str, str]] = []
        self.prepared: list[int] = []
        self.broken: set[str] = set()

    def prepare_network(self, network: Network) -> str:
        if network.id not in self.prepared:
            self.prepared.append(network.id)
        return self.bridge_of(network)

    def bridge_of(self, network: Network) -> str:
        return str(network.bridge)

    def serve(self, network: Network, host: DhcpHost) -> None:
        if host.mac in self.broken:
            raise exception.DriverError(reason=f"cannot write the DHCP entry of {host.mac} (fake failure)")
        self.served.setdefault(network.id, {})[host.mac] = host

    def unserve(self, network: Network, host: DhcpHost) -> None:
        self.served.get(network.id, {}).pop(host.mac, None)
        self.released.append((str(network.label), host.address, host.mac))

    def entries(self, network: Network) -> dict[str, DhcpHost]:
        return dict(self.served.get(network.id, {}))
