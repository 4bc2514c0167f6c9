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
from novanet.manager.types import InstanceInfo
from novanet.rpc.context import RequestContext

LOG = logging.getLogger(__name__)


class RPCAllocateFixedIP(NetworkManager):
    def serving_host(self, context: RequestContext, network: Network, instance_host: str | None) -> str:
        """The host that serves ``network`` for an instance on ``instance_host``."""
        if network.multi_host:
            return instance_host or self.host
        if network.host:
            return network.host
        if self.peers is None:
            return db.network_set_host(network.id, self.host)
        return self.peers.set_network_host(context, network.id)

    def allocate_fixed_ip_on_host(self, context: RequestContext, instance: InstanceInfo, network: Network,
                                  address: str | None, vpn: bool) -> str | None:
        host = self.serving_host(context, network, instance.host)
        if host == self.host or self.peers is None:
            return self.allocate_fixed_ip(context, instance.uuid, network, address=address, vpn=vpn)
        LOG.debug("Allocating on %s for network %s", host, network.uuid)
        return self.peers.rpc_allocate_fixed_ip(context, host, instance.uuid, network.id, address, vpn)

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
