"""The Linux link layer: bridges, VLAN and VXLAN segments, addresses.

A change takes one path: :class:`~.links.Links` reads a snapshot, a pure
planner turns it into actions, :mod:`.privileged` applies them.

* :mod:`.records` - plain data: devices, addresses, routes, actions;
* :mod:`.names` - device names (15 characters) and the ownership alias tag;
* :mod:`.plan_bridge`, :mod:`.plan_gateway`, :mod:`.plan_segment` - pure
  planners: snapshot in, actions out;
* :mod:`.backend` - the ``LinkBackend`` protocol (read a snapshot, apply
  actions); :mod:`.privileged` is its real implementation and the only
  module that imports pyroute2 or runs tools; :mod:`.fake` is an in-memory
  kernel for tests;
* :mod:`.links` - ``Links``: idempotent ``ensure_*``/``remove_*`` per
  namespace, and per network ``plug``/``unplug`` for the ``LinuxNetDriver``
  facade;
* :mod:`.ebtables` - DHCP isolation for shared DHCP addresses;
* :mod:`.segments` - ``flat``/``vlan``/``vxlan`` drivers (stevedore group
  ``novanet.segment_drivers``).
"""

from __future__ import annotations

from novanet.drivers.linux_net.backend import LinkBackend
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.links import Links
from novanet.drivers.linux_net.plan_gateway import GatewaySpec
from novanet.drivers.linux_net.plan_segment import VlanSpec, VxlanSpec
from novanet.drivers.linux_net.segments import Plugged, SegmentDriver

__all__ = [
    "GatewaySpec",
    "LinkBackend",
    "LinkConfig",
    "Links",
    "Plugged",
    "SegmentDriver",
    "VlanSpec",
    "VxlanSpec",
]
