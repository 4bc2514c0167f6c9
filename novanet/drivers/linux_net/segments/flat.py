"""``flat``: the network's bridge on the operator's uplink, no segment device.

The uplink is ``flat_interface`` when set, else the network's
``bridge_interface`` (the option wins, as in nova-network, bug 833426). When
the manager does not create bridges (FlatManager), the operator's bridge must
already exist and is used as it is.
"""

from __future__ import annotations

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.links import Links
from novanet.drivers.linux_net.segments.base import Plugged


class FlatSegment:
    def __init__(self, links: Links, config: LinkConfig) -> None:
        self.links = links
        self.config = config

    def uplink(self, network: NetworkSpec) -> str | None:
        return self.config.flat_interface or network.bridge_interface or None

    def plug(self, network: NetworkSpec, mac: str | None = None) -> Plugged:
        uplink = self.uplink(network)
        if network.should_create_bridge:
            self.links.ensure_bridge(network.bridge, uplink, mtu=network.mtu)
        elif not self.links.device_exists(network.bridge):
            raise exception.DriverError(
                reason=f"bridge {network.bridge} of flat network {network.uuid} does not exist; "
                "FlatManager uses the operator's bridge and does not create it"
            )
        return Plugged(bridge=network.bridge, uplink=uplink)

    def unplug(self, network: NetworkSpec) -> None:
        if network.should_create_bridge:
            self.links.remove_bridge(network.bridge)

    def devices(self, network: NetworkSpec) -> tuple[str, ...]:
        return (network.bridge,) if network.should_create_bridge else ()
