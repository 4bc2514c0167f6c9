"""VlanManager: a network (VLAN or VXLAN segment) per project.

A project gets a free network the first time one of its instances needs one
(exactly one, even when several hosts race: see
:func:`novanet.db.networks.project_get_networks`); admins can add more with
``add_network_to_project``. Each network has a VPN address (``.2``) and a
public VPN port forwarded to it. There is no fixed-IP quota: the project
owns the whole network. What differs from the flat managers is the
strategy (:class:`~novanet.manager.strategy.VlanNetworks`) and the host side
(:class:`~novanet.manager.plumbing.VlanPlumbing`).
"""

from __future__ import annotations

from novanet.manager.base import NetworkManager
from novanet.manager.floating import FloatingIP
from novanet.manager.plumbing import VlanPlumbing
from novanet.manager.rpc_allocate import RPCAllocateFixedIP
from novanet.manager.strategy import VlanNetworks


class VlanManager(RPCAllocateFixedIP, FloatingIP, NetworkManager):
    NAME = "vlan"
    SHOULD_CREATE_BRIDGE = True
    SHOULD_CREATE_VLAN = True
    DHCP = True
    required_create_args = ("bridge_interface",)
    STRATEGY = VlanNetworks
    PLUMBING = VlanPlumbing
