"""Host-to-host calls (:class:`novanet.manager.peers.PeerAPI`) and the DHCP callbacks.

A manager asks another network host to act on a network that host serves.
Each call goes to ``<topic>.<host>`` (except ``set_network_host``: any host may
claim a network; and ``update_dns``: all hosts) with the caller's context
elevated, because the service is acting on the user's behalf (the receiving
side's policy requires admin for these methods).
"""

from __future__ import annotations

from typing import Any

from novanet.types import InstanceInfo
from novanet.rpc import objects
from novanet.rpc.client.core import ClientCore, elevated
from novanet.context import RequestContext


class HostCalls(ClientCore):
    def set_network_host(self, context: RequestContext, network_id: int) -> str:
        """Ask any network host to claim the network; returns the host that owns it."""
        if self.can_send_version("1.15"):
            ref: dict[str, Any] = objects.network_primitive(network_id)
            version = "1.15"
        else:
            ref, version = {"id": network_id}, "1.0"
        result: str = self.send(elevated(context), "set_network_host", version, network_ref=ref)
        return result

    def rpc_setup_network_on_host(self, context: RequestContext, host: str, network_id: int,
                                  teardown: bool) -> None:
        self.send(elevated(context), "rpc_setup_network_on_host", "1.0", server=host, network_id=network_id,
                  teardown=teardown)

    def rpc_allocate_fixed_ip(self, context: RequestContext, host: str, instance_uuid: str, network_id: int,
                              address: str | None, vpn: bool) -> str | None:
        result: str | None = self.send(elevated(context), "_rpc_allocate_fixed_ip", "1.0", server=host,
                                       instance_id=instance_uuid, network_id=network_id, address=address,
                                       vpn=vpn)
        return result

    def deallocate_fixed_ip(self, context: RequestContext, host: str, address: str,
                            instance: InstanceInfo | None) -> None:
        kwargs: dict[str, Any] = {"address": address, "host": host}
        version = "1.0"
        if instance is not None and self.can_send_version("1.12"):
            version = "1.12"
            kwargs["instance"] = objects.instance_primitive(instance)
        self.send(elevated(context), "deallocate_fixed_ip", version, server=host, **kwargs)

    def update_dns(self, context: RequestContext, network_ids: list[int]) -> None:
        """Fanout cast: every network host refreshes DNS entries of those networks it serves."""
        self.send(elevated(context), "update_dns", "1.3", fanout=True, cast=True, network_ids=list(network_ids))

    def associate_floating_ip_local(self, context: RequestContext, host: str, floating_address: str,
                                    fixed_address: str, interface: str | None, instance_uuid: str) -> None:
        self.send(elevated(context), "_associate_floating_ip", "1.6", server=host,
                  floating_address=floating_address, fixed_address=fixed_address, interface=interface,
                  instance_uuid=instance_uuid)

    def disassociate_floating_ip_local(self, context: RequestContext, host: str, address: str,
                                       interface: str | None, instance_uuid: str) -> None:
        self.send(elevated(context), "_disassociate_floating_ip", "1.6", server=host, address=address,
                  interface=interface, instance_uuid=instance_uuid)

    def release_dhcp(self, context: RequestContext, host: str, dev: str, address: str, vif_address: str) -> None:
        """End a lease on ``host``.

        :raises RPCPinnedToOldVersion: capped below 1.17; the caller then runs
            dhcp_release itself, as nova-network did.
        """
        version = self.require_version("release_dhcp")
        self.send(elevated(context), "release_dhcp", version, server=host, dev=dev, address=address,
                  vif_address=vif_address)

    # -- DHCP lease callbacks (novanet-dhcpbridge) ----------------------------------------

    def lease_fixed_ip(self, context: RequestContext, host: str, address: str, mac: str | None = None) -> None:
        """Cast to ``host``: dnsmasq leased ``address`` (to ``mac``)."""
        kwargs: dict[str, Any] = {"address": address}
        if mac is not None:
            kwargs["mac"] = mac
        self.send(context, "lease_fixed_ip", "1.0", server=host, cast=True, **kwargs)

    def release_fixed_ip(self, context: RequestContext, host: str, address: str, mac: str | None = None) -> None:
        """Cast to ``host``: dnsmasq saw ``address`` released (by ``mac``; sent from 1.14)."""
        kwargs: dict[str, Any] = {"address": address}
        version = "1.0"
        if mac is not None and self.can_send_version("1.14"):
            version = "1.14"
            kwargs["mac"] = mac
        self.send(context, "release_fixed_ip", version, server=host, cast=True, **kwargs)
