"""Segment drivers, loaded by name from the ``novanet.segment_drivers`` group.

A network without a segment number (``vlan`` None) always uses ``flat``; one
with a number uses ``[linux_net] segment_driver`` (``vlan`` or ``vxlan``).
:meth:`~novanet.drivers.linux_net.links.Links.segment_driver` makes that
choice (:func:`segment_kind`) and keeps one instance per driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from stevedore import driver as sd_driver
from stevedore import exception as sd_exception

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.segments.base import Plugged, SegmentDriver

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

    :raises InvalidConfig: no such entry point, or it failed to load.
    """
    try:
        loaded: sd_driver.DriverManager[SegmentDriver] = sd_driver.DriverManager(
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
    return cast(SegmentDriver, loaded.driver)

