"""``NetworkAPI``: the client compute hosts, the API and other network hosts import.

One method per RPC of nova-network's network API 1.x, each pinned to the
newest version the cap allows (see :mod:`novanet.rpc.client.core`). It also
implements :class:`novanet.manager.peers.PeerAPI`, the host-to-host calls a
manager makes::

    from novanet.rpc import NetworkAPI, get_admin_context
    api = NetworkAPI()                        # transport_url, network_topic, multi_host from CONF
    nw_info = api.allocate_for_instance(ctx, instance_uuid, project_id=..., host=...)
"""

from __future__ import annotations

from novanet.rpc.client.auto import AutoCalls
from novanet.rpc.client.hosts import HostCalls
from novanet.rpc.client.instances import InstanceCalls
from novanet.rpc.client.legacy import LegacyCalls


class NetworkAPI(InstanceCalls, AutoCalls, HostCalls, LegacyCalls):
    """The network service's RPC client (see the module docstring)."""


__all__ = ["NetworkAPI"]
