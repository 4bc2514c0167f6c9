"""The link layer's settings as one frozen record, read once from oslo.config.

Drivers take a :class:`LinkConfig` rather than the global ``CONF``, so tests
and tools build one directly and nothing reads options deep inside a call.
"""

from __future__ import annotations

import dataclasses
import ipaddress

from oslo_config import cfg

from novanet import exception


@dataclasses.dataclass(frozen=True, slots=True)
class LinkConfig:
    namespace: str | None = None
    segment_driver: str = "vlan"
    flat_interface: str | None = None
    vlan_interface: str | None = None
    public_interface: str | None = None
    share_dhcp_address: bool = False
    send_arp_for_ha: bool = False
    send_arp_for_ha_count: int = 3
    ebtables_exec_attempts: int = 3
    ebtables_retry_interval: float = 1.0
    vxlan_local_ip: str | None = None
    vxlan_peers: tuple[str, ...] = ()
    vxlan_group: str | None = None
    vxlan_interface: str | None = None
    vxlan_port: int = 4789
    vxlan_learning: bool = True

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> LinkConfig:
        """Read ``[DEFAULT]`` (nova's names) and ``[linux_net]``.

        :raises InvalidConfig: see :meth:`validate`.
        """
        group = conf.linux_net
        config = cls(
            namespace=group.namespace or None,
            segment_driver=group.segment_driver,
            flat_interface=conf.flat_interface or None,
            vlan_interface=conf.vlan_interface or None,
            public_interface=conf.public_interface or None,
            share_dhcp_address=conf.share_dhcp_address,
            send_arp_for_ha=conf.send_arp_for_ha,
            send_arp_for_ha_count=conf.send_arp_for_ha_count,
            ebtables_exec_attempts=conf.ebtables_exec_attempts,
            ebtables_retry_interval=conf.ebtables_retry_interval,
            vxlan_local_ip=str(group.vxlan_local_ip) if group.vxlan_local_ip else None,
            vxlan_peers=tuple(str(p) for p in group.vxlan_peers),
            vxlan_group=str(group.vxlan_group) if group.vxlan_group else None,
            vxlan_interface=group.vxlan_interface or None,
            vxlan_port=group.vxlan_port,
            vxlan_learning=group.vxlan_learning,
        )
        config.validate()
        return config

    @property
    def arp_count(self) -> int:
        """Gratuitous ARPs per announced address (0 when send_arp_for_ha is off)."""
        return self.send_arp_for_ha_count if self.send_arp_for_ha else 0

    def validate(self) -> None:
        """Check combinations a single option cannot check.

        :raises InvalidConfig: vxlan_group with vxlan_peers, a group that is
            not multicast, or a group without vxlan_interface.
        """
        if self.vxlan_group:
            if self.vxlan_peers:
                raise exception.InvalidConfig(
                    reason="[linux_net] vxlan_group and vxlan_peers are mutually exclusive: "
                    "flood either to a multicast group or to a list of peers"
                )
            if not ipaddress.ip_address(self.vxlan_group).is_multicast:
                raise exception.InvalidConfig(reason=f"[linux_net] vxlan_group {self.vxlan_group} is not multicast")
            if not self.vxlan_interface:
                raise exception.InvalidConfig(
                    reason="[linux_net] vxlan_group needs vxlan_interface (the device to join the group on)"
                )
