"""FlatManager and FlatDHCPManager."""

from __future__ import annotations

from typing import Any, ClassVar

from novanet.context import RequestContext
from novanet.manager.base import NetworkManager
from novanet.manager.floating import FloatingIP
from novanet.manager.queries import NoFloatingQueries
from novanet.manager.rpc_allocate import RPCAllocateFixedIP


class FlatManager(NetworkManager):
    """No DHCP, no bridge creation: the operator's bridge, optional injection.

    Addresses are freed as soon as they are deallocated (no lease can hold
    them), and floating IPs do not exist: those calls answer nothing, as
    nova-network's did (the lookups too: :class:`NoFloatingQueries`).
    """

    NAME = "flat"
    timeout_fixed_ips: ClassVar[bool] = False
    required_create_args = ("bridge",)
    QUERIES = NoFloatingQueries

    def allocate_floating_ip(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None

    def deallocate_floating_ip(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None

    def associate_floating_ip(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
        return None

    def disassociate_floating_ip(self, context: RequestContext, *args: Any, **kwargs: Any) -> None:
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
