"""Segment drivers, loaded by name from the ``novanet.segment_drivers`` group.

A network without a segment number (``vlan`` None) always uses ``flat``; one
with a number uses ``[linux_net] segment_driver`` (``vlan`` or ``vxlan``).
:meth:`~novanet.drivers.linux_net.links.Links.segment_driver` makes that
choice (:func:`segment_kind`) and keeps one instance per driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.segments.base import Plugged, SegmentDriver
from novanet.plugins import load_plugin

if TYPE_CHECKING:  # links.py imports this package to load the drivers
    from novanet.drivers.linux_net.links import Links

NAMESPACE = "novanet.segment_drivers"
FLAT = "flat"

__all__ = ["FLAT", "NAMESPACE", "Plugged", "SegmentDriver", "load_segment_driver", "segment_kind"]


def segment_kind(network: NetworkSpec, configured: str) -> str:
    """The segment driver name ``network`` needs: ``flat`` without a vlan."""
    return FLAT if network.vlan is None else configured


def load_segment_driver(name: str, links: Links, config: LinkConfig) -> SegmentDriver:
    """Load and construct the segment driver registered as ``name``.

    :raises InvalidConfig: no such entry point, it cannot be imported, or
        the options do not suit it.
    """
    driver: SegmentDriver = load_plugin(NAMESPACE, name, "[linux_net] segment_driver")(links, config)
    return driver
