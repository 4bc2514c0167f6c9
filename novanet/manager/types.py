"""Typed arguments of the manager's public methods, and the peer interface.

The RPC endpoint turns whatever arrived on the wire (nova's Instance and
NetworkRequestList primitives, tuples, dicts) into these records before the
manager sees them, so the manager never parses wire formats.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Protocol

from novanet.rpc.context import RequestContext


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    """An instance as far as networking needs it."""

    uuid: str
    project_id: str | None = None
    user_id: str | None = None
    host: str | None = None
    launched_on: str | None = None
    hostname: str | None = None
    display_name: str | None = None
    availability_zone: str | None = None
    #: nova's integer id, when a legacy caller sent only that.
    id: int | None = None


@dataclasses.dataclass(frozen=True)
class RequestedNetwork:
    """One entry of ``requested_networks``: a network uuid and an optional address."""

    network_id: str | None
    address: str | None = None
    tag: str | None = None


class NetworkChoice(str, enum.Enum):
    """``requested_networks`` as a word instead of a list (nova >= 2.37's ``networks``).

    ``auto``: the one network the project can use, made on first use;
    ``none``: no network at all (empty network_info, nothing touched).
    """

    AUTO = "auto"
    NONE = "none"


#: What ``requested_networks`` may be once read from the wire: the networks
#: named, a word, or None (the manager's choice, nova-network's default).
RequestedNetworks = list[RequestedNetwork] | NetworkChoice | None


class PeerAPI(Protocol):
    """What a manager asks of other network hosts (the RPC client implements it).

    ``host`` names the target host (the queue ``network.<host>``).
    """

    def set_network_host(self, context: RequestContext, network_id: int) -> str: ...

    def rpc_allocate_fixed_ip(self, context: RequestContext, host: str, instance_uuid: str, network_id: int,
                              address: str | None, vpn: bool) -> str | None: ...

    def deallocate_fixed_ip(self, context: RequestContext, host: str, address: str,
                            instance: InstanceInfo | None) -> None: ...

    def rpc_setup_network_on_host(self, context: RequestContext, host: str, network_id: int,
                                  teardown: bool) -> None: ...

    def associate_floating_ip_local(self, context: RequestContext, host: str, floating_address: str,
                                    fixed_address: str, interface: str | None, instance_uuid: str) -> None: ...

    def disassociate_floating_ip_local(self, context: RequestContext, host: str, address: str,
                                       interface: str | None, instance_uuid: str) -> None: ...

    def release_dhcp(self, context: RequestContext, host: str, dev: str, address: str, vif_address: str) -> None: ...

    def update_dns(self, context: RequestContext, network_ids: list[int]) -> None: ...

    def delete_auto_allocated_network(self, context: RequestContext, project_id: str,
                                      host: str | None = None) -> str | None: ...

    def migrate_instance_start(self, context: RequestContext, host: str, **kwargs: Any) -> None: ...

    def migrate_instance_finish(self, context: RequestContext, host: str, **kwargs: Any) -> None: ...
