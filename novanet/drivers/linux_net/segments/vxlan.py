"""``vxlan``: one VXLAN device per project network, VNI = the network's vlan.

``vxlan<VNI>`` is the uplink of the network's bridge. Its source address is
``vxlan_local_ip``; broadcast and unknown unicast reach the other network
hosts either through static flood entries to ``vxlan_peers`` (this host's own
address is skipped, so all hosts can share one list) or through the multicast
``vxlan_group`` joined on ``vxlan_interface``. With ``vxlan_learning`` remote
MACs are learnt from traffic, so known unicast goes to one peer only.

NOTE(vxlan): without an explicit network MTU the kernel gives the device the
underlay's MTU minus 50 when it is bound to ``vxlan_interface``, and 1450
otherwise; the bridge follows its smallest port.
"""

from __future__ import annotations

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net import names
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.links import Links
from novanet.drivers.linux_net.plan_segment import VxlanSpec
from novanet.drivers.linux_net.segments.base import SegmentDevice


class VxlanSegment(SegmentDevice):
    def __init__(self, links: Links, config: LinkConfig) -> None:
        config.validate()
        super().__init__(links, config)

    def device_name(self, segment: int) -> str:
        return names.vxlan_ifname(segment)

    def spec(self, network: NetworkSpec) -> VxlanSpec:
        if network.vlan is None:
            raise exception.InvalidInput(reason=f"network {network.uuid} has no vlan (VNI) for the vxlan segment driver")
        c = self.config
        return VxlanSpec(
            vni=network.vlan,
            local=c.vxlan_local_ip,
            group=c.vxlan_group,
            peers=c.vxlan_peers,
            port=c.vxlan_port,
            underlay=c.vxlan_interface,
            learning=c.vxlan_learning,
            mtu=network.mtu,
        )

    def ensure_device(self, network: NetworkSpec, mac: str | None) -> str:
        spec = self.spec(network)
        self.links.ensure_vxlan(spec)
        return spec.name
