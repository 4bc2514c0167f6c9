"""The segment driver contract: how a network's bridge reaches other hosts.

A segment driver owns the device between a network's bridge and the wire:
none for ``flat`` (the operator's uplink), an 802.1Q ``vlan<N>`` for ``vlan``,
a ``vxlan<VNI>`` for ``vxlan``. ``plug`` makes that device and the bridge
exist (idempotently) and returns their names; ``unplug`` removes what novanet
created for the network and nothing else. Drivers are loaded by stevedore
from the ``novanet.segment_drivers`` entry-point group and constructed with
``(links, config)``.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from novanet.drivers.base import NetworkSpec


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
