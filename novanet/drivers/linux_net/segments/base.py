"""The segment driver contract: how a network's bridge reaches other hosts.

A segment driver owns the device between a network's bridge and the wire:
none for ``flat`` (the operator's uplink), an 802.1Q ``vlan<N>`` for ``vlan``,
a ``vxlan<VNI>`` for ``vxlan``. ``plug`` makes that device and the bridge
exist (idempotently) and returns their names; ``unplug`` removes what novanet
created for the network and nothing else. Drivers are loaded by stevedore
from the ``novanet.segment_drivers`` entry-point group and constructed with
``(links, config)``. :class:`SegmentDevice` is what ``vlan`` and ``vxlan``
share: one device per segment number as the bridge's uplink.
"""

from __future__ import annotations

import abc
import dataclasses
from typing import TYPE_CHECKING, Protocol

from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net.config import LinkConfig

if TYPE_CHECKING:  # links.py imports this package to load the drivers
    from novanet.drivers.linux_net.links import Links


@dataclasses.dataclass(frozen=True, slots=True)
class Plugged:
    """Where a plugged network lives: its bridge and the bridge's uplink."""

    bridge: str
    uplink: str | None = None


class SegmentDriver(Protocol):
    """Creates and removes the segment device and the bridge of a network."""

    def plug(self, network: NetworkSpec, mac: str | None = None) -> Plugged:
        """Ensure the segment device (with ``mac``, if the kind allows) and the
        bridge, uplink enslaved.

        :raises DriverError: the kernel or the host cannot provide it.
        """

    def unplug(self, network: NetworkSpec) -> None:
        """Remove the bridge and segment device novanet created for ``network``."""

    def devices(self, network: NetworkSpec) -> tuple[str, ...]:
        """Names of the devices this driver creates for ``network``."""


class SegmentDevice(abc.ABC):
    """A segment driver with one device per segment number (``network.vlan``)
    as the uplink of the network's bridge.

    Subclasses name the device (:meth:`device_name`) and make it exist
    (:meth:`ensure_device`); plugging, unplugging and listing are the same.
    """

    def __init__(self, links: Links, config: LinkConfig) -> None:
        self.links = links
        self.config = config

    @abc.abstractmethod
    def device_name(self, segment: int) -> str:
        """The device of segment number ``segment`` (``vlan<N>``, ``vxlan<VNI>``)."""

    @abc.abstractmethod
    def ensure_device(self, network: NetworkSpec, mac: str | None) -> str:
        """Make the segment device of ``network`` exist as it should; its name."""

    def plug(self, network: NetworkSpec, mac: str | None = None) -> Plugged:
        uplink = self.ensure_device(network, mac)
        self.links.ensure_bridge(network.bridge, uplink, mtu=network.mtu)
        return Plugged(bridge=network.bridge, uplink=uplink)

    def unplug(self, network: NetworkSpec) -> None:
        self.links.remove_bridge(network.bridge)
        if network.vlan is not None:
            self.links.remove_device(self.device_name(network.vlan))

    def devices(self, network: NetworkSpec) -> tuple[str, ...]:
        if network.vlan is None:
            return (network.bridge,)
        return (network.bridge, self.device_name(network.vlan))
