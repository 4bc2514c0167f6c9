"""RPC: the client compute hosts import, the server endpoints, context, policy.

``from novanet.rpc import NetworkAPI`` gives the client. The names are loaded
on first use, because :mod:`novanet.manager.types` imports
:mod:`novanet.rpc.context` and the client imports the manager's types.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from novanet.rpc.client import NetworkAPI
    from novanet.rpc.context import RequestContext, get_admin_context
    from novanet.rpc.transport import get_transport

_LAZY = {
    "NetworkAPI": "novanet.rpc.client",
    "RequestContext": "novanet.rpc.context",
    "get_admin_context": "novanet.rpc.context",
    "get_transport": "novanet.rpc.transport",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'novanet.rpc' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = ["NetworkAPI", "RequestContext", "get_admin_context", "get_transport"]
