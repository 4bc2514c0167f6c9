"""RPC: the client compute hosts import, the server endpoints, policy, the wire.

``from novanet.rpc import NetworkAPI, get_admin_context`` gives the client and
an admin context (the context itself lives on neutral ground,
:mod:`novanet.context`).
"""

from __future__ import annotations

from novanet.context import RequestContext, get_admin_context
from novanet.rpc.client import NetworkAPI
from novanet.rpc.transport import get_transport

__all__ = ["NetworkAPI", "RequestContext", "get_admin_context", "get_transport"]
