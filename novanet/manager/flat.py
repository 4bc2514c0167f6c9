"""FlatManager and FlatDHCPManager."""

from __future__ import annotations

from typing import Any, ClassVar

from novanet.manager.base import NetworkManager
from novanet.manager.floating import FloatingIP
from novanet.manager.rpc_allocate import RPCAllocateFixedIP
from novanet.context import RequestContext


class FlatManager(NetworkManager):
    """No DHCP, no bridge creation: the operator's bridge, optional injection.

    Addresses are freed as soon as they are deallocated (no lease can hold
    them), and floating IPs do not exist: those calls answer nothing, as
    nova-network's did.
    """

    NAME = "flat"
    timeout_fixed_ips: ClassVar[bool] = False
    required_create_args = ("bridge",)

    def allocate_floating_ip(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None

    def deallocate_floating_ip(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None

    def associate_floating_ip(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None

    def disassociate_floating_ip(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None

    def get_floating_ip(self, context: RequestContext, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {}

    def get_floating_ip_pools(self, context: RequestContext) -> list[dict[str, str]]:
        return []

    def get_floating_pools(self, context: RequestContext) -> list[dict[str, str]]:
        return []

    def get_floating_ip_by_address(self, context: RequestContext, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {}

    def get_floating_ips_by_project(self, context: RequestContext) -> list[dict[str, Any]]:
        return []

    def get_floating_ips_by_fixed_address(self, context: RequestContext, *args: Any, **kwargs: Any) -> list[str]:
        return []

    def get_instance_id_by_floating_address(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None

    def migrate_instance_start(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None

    def migrate_instance_finish(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None


class FlatDHCPManager(RPCAllocateFixedIP, FloatingIP, NetworkManager):
    """One bridge per network, dnsmasq, NAT and floating IPs on the network host."""

    NAME = "flatdhcp"
    SHOULD_CREATE_BRIDGE = True
    DHCP = True
    required_create_args = ("bridge",)
