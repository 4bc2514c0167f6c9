"""Which host does a network's work: this one, or the one that serves the network.

A single-host network is served by ``networks.host`` (claimed by the first
host that handles a request for it, and the claim names the real winner); a
multi_host network by the instance's own host. :class:`LocalRouting` (the
flat manager's) does all fixed-IP work on this host;
:class:`ServingHostRouting` (the ``RPCAllocateFixedIP`` managers') sends it
to the serving host, and deallocates a multi_host instance whose host is
down in the store only (its host cleans up when it comes back).

Routing only names hosts; the manager decides whether that is itself or a
peer it must call.
"""

from __future__ import annotations

from novanet.conf import CONF
from novanet.db import api as db
from novanet.db.models import Network

SERVICE_BINARY = "novanet-network"


class LocalRouting:
    """Fixed-IP work on this host; floating IPs on the network's serving host."""

    def __init__(self, host: str) -> None:
        self.host = host

    def serving_host(self, network: Network, instance_host: str | None) -> str:
        """The host that serves ``network`` for an instance on ``instance_host``."""
        if network.multi_host:
            return instance_host or self.host
        if network.host:
            return network.host
        # NOTE(drain): nova-network asked "any host" over the topic; the host
        # that got this request claiming it is the same lottery, needs no
        # round trip, and cannot wait on its own queue while it shuts down.
        return db.network_set_host(network.id, self.host)

    def fixed_ip_host(self, network: Network, instance_host: str | None) -> str:
        """The host that allocates the instance's addresses on ``network``."""
        return self.host

    def deallocation_host(self, network: Network, host: str | None) -> tuple[str, bool]:
        """The host that gives an address of ``network`` back, and whether it can be asked."""
        return self.host, True

    def is_up(self, host: str) -> bool:
        return db.service_is_up(db.service_get(host, SERVICE_BINARY), CONF.service_down_time)


class ServingHostRouting(LocalRouting):
    """Fixed-IP work on the host that serves the network."""

    def fixed_ip_host(self, network: Network, instance_host: str | None) -> str:
        return self.serving_host(network, instance_host)

    def deallocation_host(self, network: Network, host: str | None) -> tuple[str, bool]:
        if not network.multi_host:
            return network.host or self.host, True
        target = host or self.host
        return target, target == self.host or self.is_up(target)
