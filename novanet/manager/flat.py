"""FlatManager and FlatDHCPManager."""

from __future__ import annotations

from typing import ClassVar

from novanet.manager.base import NetworkManager


class FlatManager(NetworkManager):
    """No DHCP, no bridge creation: the operator's bridge, optional injection."""

    NAME = "flat"
    timeout_fixed_ips: ClassVar[bool] = False
    required_create_args = ("bridge",)


class FlatDHCPManager(NetworkManager):
    """One bridge per network, dnsmasq, NAT and floating IPs on the network host."""

    NAME = "flatdhcp"
    SHOULD_CREATE_BRIDGE = True
    DHCP = True
    required_create_args = ("bridge",)
