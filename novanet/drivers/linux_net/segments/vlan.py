"""``vlan``: nova-network's 802.1Q segment, ``vlan<N>`` under the bridge.

The parent is ``vlan_interface`` when set, else the network's
``bridge_interface`` (the option wins, nova bug 833426). The VLAN device takes
the MAC given to :meth:`VlanSegment.plug` (nova-network passed a random one so
the bridges of different VLANs on one trunk do not share the trunk's MAC) and
the network's MTU on every call.

NOTE(kernel): kernels built without CONFIG_VLAN_8021Q answer RTM_NEWLINK of
kind "vlan" with EOPNOTSUPP (``ip link`` says "Unknown device type"); that
surfaces as a DriverError naming the missing support, and
:meth:`VlanSegment.supported` finds out by trying.
"""

from __future__ import annotations

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net import names
from novanet.drivers.linux_net.plan_segment import VlanSpec
from novanet.drivers.linux_net.segments.base import SegmentDevice


class VlanSegment(SegmentDevice):
    def device_name(self, segment: int) -> str:
        return names.vlan_ifname(segment)

    def supported(self) -> bool:
        """Whether the kernel can create 802.1Q devices here."""
        return self.links.vlan_supported()

    def spec(self, network: NetworkSpec, mac: str | None = None) -> VlanSpec:
        if network.vlan is None:
            raise exception.InvalidInput(reason=f"network {network.uuid} has no vlan for the vlan segment driver")
        parent = self.config.vlan_interface or network.bridge_interface
        if not parent:
            raise exception.InvalidConfig(
                reason=f"network {network.uuid} (vlan {network.vlan}) needs vlan_interface or a bridge_interface"
            )
        return VlanSpec(vlan=network.vlan, parent=parent, mac=mac, mtu=network.mtu)

    def ensure_device(self, network: NetworkSpec, mac: str | None) -> str:
        spec = self.spec(network, mac)
        self.links.ensure_vlan(spec)
        return spec.name
