"""The methods a Newton client no longer sent but the 1.x server still answers.

Useful to tools and tests (and to callers ported from older nova): network
and fixed-IP lookups, and the floating-IP operations that Newton ran inside
nova-api. They go to any network host.
"""

from __future__ import annotations

from typing import Any

from novanet.rpc import versions
from novanet.rpc.client.core import ClientCore
from novanet.context import RequestContext


class LegacyCalls(ClientCore):
    def get_all_networks(self, context: RequestContext) -> Any:
        return self.send(context, "get_all_networks", "1.0")

    def get_network(self, context: RequestContext, network_uuid: str) -> Any:
        return self.send(context, "get_network", "1.0", network_uuid=network_uuid)

    def disassociate_network(self, context: RequestContext, network_uuid: str) -> None:
        self.send(context, "disassociate_network", "1.0", network_uuid=network_uuid)

    def associate(self, context: RequestContext, network_uuid: str, associations: dict[str, Any]) -> None:
        self.send(context, "associate", "1.5", network_uuid=network_uuid, associations=associations)

    def get_fixed_ip(self, context: RequestContext, id: int) -> Any:
        return self.send(context, "get_fixed_ip", "1.0", id=id)

    def get_fixed_ip_by_address(self, context: RequestContext, address: str) -> Any:
        return self.send(context, "get_fixed_ip_by_address", "1.0", address=address)

    def get_vifs_by_instance(self, context: RequestContext, instance_id: str) -> Any:
        return self.send(context, "get_vifs_by_instance", "1.0", instance_id=instance_id)

    def get_vif_by_mac_address(self, context: RequestContext, mac_address: str) -> Any:
        return self.send(context, "get_vif_by_mac_address", "1.0", mac_address=mac_address)

    def get_instance_uuids_by_ip_filter(self, context: RequestContext, filters: dict[str, Any]) -> Any:
        return self.send(context, "get_instance_uuids_by_ip_filter", "1.0", filters=filters)

    def get_instance_id_by_floating_address(self, context: RequestContext, address: str) -> Any:
        return self.send(context, "get_instance_id_by_floating_address", "1.0", address=address)

    # -- floating IPs ------------------------------------------------------------------

    def get_floating_ip(self, context: RequestContext, id: int) -> Any:
        return self.send(context, "get_floating_ip", "1.0", id=id)

    def get_floating_pools(self, context: RequestContext) -> Any:
        return self.send(context, "get_floating_pools", "1.0")

    def get_floating_ip_pools(self, context: RequestContext) -> Any:
        if self.can_send_version("1.7"):
            return self.send(context, "get_floating_ip_pools", "1.7")
        return self.send(context, "get_floating_pools", "1.0")

    def get_floating_ip_by_address(self, context: RequestContext, address: str) -> Any:
        return self.send(context, "get_floating_ip_by_address", "1.0", address=address)

    def get_floating_ips_by_project(self, context: RequestContext) -> Any:
        return self.send(context, "get_floating_ips_by_project", "1.0")

    def get_floating_ips_by_fixed_address(self, context: RequestContext, fixed_address: str) -> Any:
        return self.send(context, "get_floating_ips_by_fixed_address", "1.0", fixed_address=fixed_address)

    def allocate_floating_ip(self, context: RequestContext, project_id: str, auto_assigned: bool = False,
                             pool: str | None = None) -> str:
        result: str = self.send(context, "allocate_floating_ip", "1.0", project_id=project_id,
                                auto_assigned=auto_assigned, pool=pool)
        return result

    def deallocate_floating_ip(self, context: RequestContext, address: str,
                               affect_auto_assigned: bool = False) -> None:
        self.send(context, "deallocate_floating_ip", "1.0", address=address,
                  affect_auto_assigned=affect_auto_assigned)

    def associate_floating_ip(self, context: RequestContext, floating_address: str, fixed_address: str,
                              affect_auto_assigned: bool = False) -> str | None:
        """Returns the uuid of the instance the address pointed at before, if any."""
        result: str | None = self.send(context, "associate_floating_ip", "1.0",
                                       floating_address=floating_address, fixed_address=fixed_address,
                                       affect_auto_assigned=affect_auto_assigned)
        return result

    def disassociate_floating_ip(self, context: RequestContext, address: str,
                                 affect_auto_assigned: bool = False) -> None:
        self.send(context, "disassociate_floating_ip", "1.0", address=address,
                  affect_auto_assigned=affect_auto_assigned)

    # -- liveness -------------------------------------------------------------------------

    def get_backdoor_port(self, context: RequestContext, host: str | None = None) -> Any:
        return self.send(context, "get_backdoor_port", versions.BASE_VERSION, server=host,
                         namespace=versions.BASE_NAMESPACE)

    def ping(self, context: RequestContext, arg: Any = None, host: str | None = None,
             timeout: float | None = None) -> Any:
        """``baseapi`` ping: ``{'service': 'network', 'arg': arg}`` from ``host`` (or any host)."""
        return self.send(context, "ping", versions.BASE_VERSION, server=host, namespace=versions.BASE_NAMESPACE,
                         timeout=timeout, arg=arg)
