"""RPCAllocateFixedIP: fixed-IP work runs on the host that serves the network.

A single-host network is served by ``networks.host``, a multi_host network
by the instance's own host (see :class:`novanet.manager.routing.ServingHostRouting`).
When the serving host is this one the work runs here, otherwise it is sent
to ``network.<host>``; a multi_host instance whose host is down is
deallocated in the store only (its host cleans up when it comes back).
"""

from __future__ import annotations

from novanet.manager.base import NetworkManager
from novanet.manager.routing import ServingHostRouting


class RPCAllocateFixedIP(NetworkManager):
    ROUTING = ServingHostRouting
