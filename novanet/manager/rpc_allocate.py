"""RPCAllocateFixedIP: fixed-IP work runs on the host that serves the network.

A single-host network is served by ``networks.host`` (claimed by the first
host that answers ``set_network_host`` on the shared topic, and the answer
names the real winner); a multi_host network by the instance's own host.
When the serving host is this one the work runs here, otherwise it is sent
to ``network.<host>``. A multi_host instance whose host is down is
deallocated in the store only (its host cleans up when it comes back).
"""

from __future__ import annotations

import logging

from novanet.db import api as db
from novanet.db.models import Network
from novanet.manager.base import NetworkManager
from novanet.types import InstanceInfo
from novanet.context import RequestContext

LOG = logging.getLogger(__name__)


class RPCAllocateFixedIP(NetworkManager):
    def serving_host(self, context: RequestContext, network: Network, instance_host: str | None) -> str:
        """The host that serves ``network`` for an instance on ``instance_host``."""
        if network.multi_host:
            return instance_host or self.host
        if network.host:
            return network.host
        # NOTE(drain): nova-network asked "any host" over the topic; the host
        # that got this request claiming it is the same lottery, needs no
        # round trip, and cannot wait on its own queue while it shuts down.
        return db.network_set_host(network.id, self.host)

    def allocation_host(self, context: RequestContext, network: Network, instance_host: str | None) -> str | None:
        return self.serving_host(context, network, instance_host)

    def allocate_remotely(self, context: RequestContext, host: str, instance: InstanceInfo, network: Network,
                          address: str | None, vpn: bool, tag: str | None) -> str | None:
        # The serving host finds the instance and its VIF in the store.
        self.record_instance(instance)
        vif = db.virtual_interface_get_by_instance_and_network(instance.uuid, network.id)
        if vif is None:
            self.create_vif(instance.uuid, network, None, tag)
        else:
            held = [r.address for r in db.fixed_ip_get_by_instance(instance.uuid)
                    if r.virtual_interface_id == vif.id and r.allocated]
            if held:
                return held[0]  # a retried request: this network is done already
        LOG.debug("Allocating on %s for network %s", host, network.uuid)
        assert self.peers is not None
        return self.peers.rpc_allocate_fixed_ip(context, host, instance.uuid, network.id, address, vpn)

    def add_fixed_ip_on_host(self, context: RequestContext, instance: InstanceInfo, network: Network) -> str | None:
        host = self.serving_host(context, network, instance.host)
        if host == self.host or self.peers is None:
            return self.allocate_fixed_ip(context, instance.uuid, network, reuse=False)
        # nova-network's _rpc_allocate_fixed_ip adds an address (multinic).
        return self.peers.rpc_allocate_fixed_ip(context, host, instance.uuid, network.id, None, False)

    def deallocate_fixed_ip(self, context: RequestContext, address: str, host: str | None,
                            instance: InstanceInfo | None = None) -> None:
        address = self.check_address(address)
        try:
            row = db.fixed_ip_get_by_address(address)
        except Exception:
            return super().deallocate_fixed_ip(context, address, host, instance)
        network = db.network_get(row.network_id)
        if network.multi_host:
            target = host or self.host
            if target != self.host and not self.service_is_up(target):
                LOG.warning("Host %s is down: deallocating %s in the store only", target, address)
                self.deallocate_fixed_ip_local(context, address, instance, teardown=False)
                return
        else:
            target = network.host or self.host
        if target == self.host or self.peers is None:
            self.deallocate_fixed_ip_local(context, address, instance, teardown=True)
        else:
            self.peers.deallocate_fixed_ip(context, target, address, instance)
