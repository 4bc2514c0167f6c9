"""Host-to-host methods and the DHCP lease callbacks.

These arrive on this host's own queue (``<topic>.<host>``), except
``set_network_host`` (any host may claim a network: topic) and ``update_dns``
(fanout). The three wire names with a leading underscore are nova's and are
served under exactly those names (see
:class:`novanet.rpc.transport.NetworkAccessPolicy`).
"""

from __future__ import annotations

from typing import Any

from novanet.rpc import objects, wire
from novanet.context import RequestContext
from novanet.rpc.endpoints.base import EndpointCore, served
from novanet.rpc.wire import Arguments


class HostMethods(EndpointCore):
    @served
    def set_network_host(self, context: RequestContext, args: Arguments) -> Any:
        network_id = args.required("network_ref", objects.network_id)
        self.authorize(context, "set_network_host")
        self.log_request(context, "set_network_host", f"network {network_id}")
        return self.manager.networks.set_network_host(context, network_id)

    @served
    def rpc_setup_network_on_host(self, context: RequestContext, args: Arguments) -> Any:
        network_id = args.required("network_id", wire.integer)
        teardown = args.flag("teardown")
        self.authorize(context, "rpc_setup_network_on_host")
        self.log_request(context, "rpc_setup_network_on_host", f"network {network_id} teardown {teardown}")
        self.manager.plumbing.setup_network_on_host(context, network_id, teardown)
        return None

    @served
    def _rpc_allocate_fixed_ip(self, context: RequestContext, args: Arguments) -> Any:
        uuid = args.required("instance_id", wire.uuid)
        network_id = args.required("network_id", wire.integer)
        address = args.optional("address", wire.ip_address)
        vpn = args.flag("vpn")
        self.authorize(context, "rpc_allocate_fixed_ip")
        self.log_request(context, "_rpc_allocate_fixed_ip", f"instance {uuid} network {network_id}")
        return self.manager.rpc_allocate_fixed_ip(context, uuid, network_id, address, vpn)

    @served
    def deallocate_fixed_ip(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        host = args.optional("host", wire.text)
        instance = args.optional("instance", objects.instance)
        self.authorize(context, "deallocate_fixed_ip")
        self.log_request(context, "deallocate_fixed_ip", f"address {address}")
        self.manager.deallocate_fixed_ip(context, address, host, instance)
        return None

    @served
    def lease_fixed_ip(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        mac = args.optional("mac", wire.mac_address)
        self.authorize(context, "lease_fixed_ip")
        self.log_request(context, "lease_fixed_ip", f"address {address} mac {mac}")
        self.manager.lease_fixed_ip(context, address, mac)
        return None

    @served
    def release_fixed_ip(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        mac = args.optional("mac", wire.mac_address)
        self.authorize(context, "release_fixed_ip")
        self.log_request(context, "release_fixed_ip", f"address {address} mac {mac}")
        self.manager.release_fixed_ip(context, address, mac)
        return None

    @served
    def release_dhcp(self, context: RequestContext, args: Arguments) -> Any:
        dev = args.required("dev", wire.text)
        address = args.required("address", wire.ip_address)
        vif_address = args.required("vif_address", wire.mac_address)
        self.authorize(context, "release_dhcp")
        self.manager.release_dhcp(context, dev, address, vif_address)
        return None

    @served
    def update_dns(self, context: RequestContext, args: Arguments) -> Any:
        network_ids = args.required("network_ids", wire.list_of(wire.integer))
        self.authorize(context, "update_dns")
        self.manager.plumbing.update_dns(context, network_ids)
        return None

    @served
    def get_backdoor_port(self, context: RequestContext, args: Arguments) -> Any:
        self.authorize(context, "get_backdoor_port")
        return None
