"""The Linux link layer: bridges, VLAN and VXLAN segments, addresses.

Layout (pure planning apart from thin application):

* :mod:`.records` - plain data: devices, addresses, routes, actions;
* :mod:`.names` - device names (15 characters) and the ownership alias tag;
* :mod:`.plan_bridge`, :mod:`.plan_gateway`, :mod:`.plan_segment` - pure
  planners: snapshot in, actions out;
* :mod:`.backend` - the ``LinkBackend`` protocol and the real backend;
  :mod:`.fake` - an in-memory kernel for tests;
* :mod:`.privileged` - the only module that imports pyroute2 or runs tools;
* :mod:`.links` - ``Links``: idempotent ``ensure_*``/``remove_*`` per namespace;
* :mod:`.ebtables` - DHCP isolation for shared DHCP addresses;
* :mod:`.segments` - ``flat``/``vlan``/``vxlan`` drivers (stevedore group
  ``novanet.segment_drivers``);
* :mod:`.layer` - ``LinkLayer``: per-network plug/unplug/gateway for the
  ``LinuxNetDriver`` facade.
"""

from __future__ import annotations

from novanet.drivers.linux_net.backend import LinkBackend, PrivilegedBackend
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.layer import LinkLayer
from novanet.drivers.linux_net.links import Links
from novanet.drivers.linux_net.plan_gateway import GatewaySpec
from novanet.drivers.linux_net.plan_segment import VlanSpec, VxlanSpec
from novanet.drivers.linux_net.segments import Plugged, SegmentDriver, Segments

__all__ = [
    "GatewaySpec",
    "LinkBackend",
    "LinkConfig",
    "LinkLayer",
    "Links",
    "Plugged",
    "PrivilegedBackend",
    "SegmentDriver",
    "Segments",
    "VlanSpec",
    "VxlanSpec",
]
