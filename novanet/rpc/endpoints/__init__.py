"""The RPC server's endpoints: nova-network's network API 1.17 (+ novanet's 1.18) and ``baseapi`` 1.1.

:class:`NetworkEndpoint` serves every method of
:data:`novanet.rpc.versions.METHODS` (the parts live in the sibling modules,
one per area) and answers any 1.x message; :class:`BaseEndpoint` answers
``ping`` and ``get_backdoor_port`` in the ``baseapi`` namespace, as nova's
``BaseRPCAPI`` did.
"""

from __future__ import annotations

from typing import Any

from novanet.context import RequestContext
from novanet.rpc.endpoints.auto import AutoMethods
from novanet.rpc.endpoints.base import expose, is_exposed, is_served
from novanet.rpc.endpoints.floating import FloatingMethods
from novanet.rpc.endpoints.hosts import HostMethods
from novanet.rpc.endpoints.instances import InstanceMethods
from novanet.rpc.endpoints.networks import NetworkMethods
from novanet.rpc.messaging import oslo_messaging
from novanet.rpc.versions import API_VERSION, BASE_NAMESPACE, BASE_VERSION


class NetworkEndpoint(InstanceMethods, AutoMethods, NetworkMethods, HostMethods, FloatingMethods):
    """nova-network's manager API, converted and checked, in front of a novanet manager."""

    target = oslo_messaging.Target(version=API_VERSION)

    @classmethod
    def served_methods(cls) -> list[str]:
        """The wire names this endpoint dispatches."""
        return sorted(name for name in dir(cls) if is_served(getattr(cls, name)))


class BaseEndpoint:
    """``baseapi`` 1.1: liveness for any caller, no manager involved."""

    target = oslo_messaging.Target(namespace=BASE_NAMESPACE, version=BASE_VERSION)

    def __init__(self, service_name: str = "network") -> None:
        self.service_name = service_name

    @expose
    def ping(self, context: RequestContext, arg: Any = None, **kwargs: Any) -> dict[str, Any]:
        return {"service": self.service_name, "arg": arg}

    @expose
    def get_backdoor_port(self, context: RequestContext, **kwargs: Any) -> None:
        return None


__all__ = ["BaseEndpoint", "NetworkEndpoint", "is_exposed"]
