"""Segment drivers, loaded by name from the ``novanet.segment_drivers`` group.

A network without a segment number (``vlan`` None) always uses ``flat``; one
with a number uses ``[linux_net] segment_driver`` (``vlan`` or ``vxlan``).
:class:`Segments` does that choice and keeps one instance per driver.
"""

from __future__ import annotations

from typing import cast

from stevedore import driver as sd_driver
from stevedore import exception as sd_exception

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.links import Links
from novanet.drivers.linux_net.segments.base import Plugged, SegmentDriver

NAMESPACE = "novanet.segment_drivers"
FLAT = "flat"

__all__ = ["FLAT", "NAMESPACE", "Plugged", "SegmentDriver", "Segments", "load_segment_driver", "segment_kind"]


def segment_kind(network: NetworkSpec, configured: str) -> str:
    """The segment driver name ``network`` needs: ``flat`` without a vlan."""
    return FLAT if network.vlan is None else configured


def load_segment_driver(name: str, links: Links, config: LinkConfig) -> SegmentDriver:
    """Load and construct the segment driver registered as ``name``.

    :raises InvalidConfig: no such entry point, or it failed to load.
    """
    try:
        manager: sd_driver.DriverManager[SegmentDriver] = sd_driver.DriverManager(
            namespace=NAMESPACE,
            name=name,
            invoke_on_load=True,
            invoke_args=(links, config),
        )
    except sd_exception.NoMatches:
        raise exception.InvalidConfig(
            reason=f"[linux_net] segment_driver {name!r} is not an entry point in {NAMESPACE}"
        ) from None
    except exception.NovanetError:
        raise
    except Exception as err:
        raise exception.InvalidConfig(reason=f"segment driver {name!r} failed to load: {err}") from err
    # stevedore types .driver loosely (the plugin or its factory).
    return cast(SegmentDriver, manager.driver)


class Segments:
    """Picks and caches the segment driver for each network."""

    def __init__(self, links: Links, config: LinkConfig) -> None:
        self.links = links
        self.config = config
        self._drivers: dict[str, SegmentDriver] = {}

    def driver(self, name: str) -> SegmentDriver:
        if name not in self._drivers:
            self._drivers[name] = load_segment_driver(name, self.links, self.config)
        return self._drivers[name]

    def driver_for(self, network: NetworkSpec) -> SegmentDriver:
        return self.driver(segment_kind(network, self.config.segment_driver))

    def plug(self, network: NetworkSpec, mac: str | None = None) -> Plugged:
        return self.driver_for(network).plug(network, mac)

    def unplug(self, network: NetworkSpec) -> None:
        self.driver_for(network).unplug(network)

    def devices(self, network: NetworkSpec) -> tuple[str, ...]:
        return self.driver_for(network).devices(network)
