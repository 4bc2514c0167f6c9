"""VlanManager: a network (VLAN or VXLAN segment) per project."""

from __future__ import annotations

from novanet.manager import create
from novanet.manager.base import NetworkManager


class VlanManager(NetworkManager):
    NAME = "vlan"
    SHOULD_CREATE_BRIDGE = True
    SHOULD_CREATE_VLAN = True
    DHCP = True
    required_create_args = ("bridge_interface",)

    @classmethod
    def create_rules(cls) -> create.ManagerRules:
        return create.ManagerRules(name=cls.NAME, required=cls.required_create_args, vlan=True,
                                   bottom_reserved=3, top_reserved=1)
