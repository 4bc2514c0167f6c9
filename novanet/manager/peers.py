"""What a manager asks of other network hosts (the RPC client implements it).

The manager names the calls it needs here; :class:`novanet.rpc.NetworkAPI`
implements them over RPC (checked by mypy in the client's tests), and the
manager tests use in-process peers. The manager never imports the RPC layer.
"""

from __future__ import annotations

from typing import Any, Protocol

from novanet.context import RequestContext
from novanet.types import InstanceInfo


class PeerAPI(Protocol):
    """The host-to-host calls; ``host`` names the target host (the queue ``network.<host>``)."""

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
