"""Sending one request: target, version pin, routing, and the error it comes back with.

Theory of operation
-------------------
Every client method picks the newest argument shape the version cap allows
(``[upgrade_levels] network``), pins the message to that version, chooses the
route (any host, a named host, or all hosts), and sends it as a call or a
cast. A call returns the reply as JSON primitives; the public methods turn it
into novanet's types (a :class:`~novanet.model.NetworkInfo` for the
network_info methods). A typed error raised by the server is re-raised here
as the same :class:`~novanet.exception.NovanetError` class with its clean
message (see :mod:`novanet.rpc.errors`); transport failures stay
oslo.messaging's (``MessagingTimeout`` when no host answered in time).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from oslo_config import cfg

from novanet import exception
from novanet.conf import CONF
from novanet.rpc import errors, transport, versions
from novanet.context import RequestContext
from novanet.rpc.messaging import oslo_messaging
from novanet.rpc.serializer import RequestContextSerializer

LOG = logging.getLogger(__name__)


class ClientCore:
    """The oslo.messaging client and the send path shared by every method.

    :param transport_: an RPC transport (default: one for ``transport_url``,
        shared by every NetworkAPI of the process).
    :param topic: the RPC topic (default ``network_topic``).
    :param version_cap: a version or release name (default ``[upgrade_levels]
        network``); None or empty means the newest.
    :param timeout: seconds a call waits (default ``network_rpc_timeout``, or
        oslo.messaging's ``rpc_response_timeout`` when that is 0).
    :param multi_host: route allocate/deallocate to the instance's host
        (default ``multi_host``), as nova's client did.
    """

    def __init__(self, transport_: Any = None, topic: str | None = None, version_cap: str | None = None,
                 timeout: float | None = None, multi_host: bool | None = None,
                 conf: cfg.ConfigOpts = CONF) -> None:
        self.transport = transport_ if transport_ is not None else _shared_transport(conf)
        self.topic = topic or transport.topic(conf)
        cap = version_cap if version_cap is not None else conf.upgrade_levels.network
        self.version_cap = versions.resolve_cap(cap)
        self.multi_host = bool(conf.multi_host) if multi_host is None else multi_host
        configured_timeout = timeout if timeout is not None else (conf.network_rpc_timeout or None)
        target = oslo_messaging.Target(topic=self.topic, version="1.0")
        self.client: Any = oslo_messaging.get_rpc_client(
            self.transport, target, version_cap=self.version_cap, serializer=RequestContextSerializer(),
            timeout=configured_timeout)

    def can_send_version(self, version: str) -> bool:
        return bool(self.client.can_send_version(version))

    def send(self, context: RequestContext, method: str, version: str, *, server: str | None = None,
             fanout: bool = False, cast: bool = False, namespace: str | None = None,
             timeout: float | None = None, **kwargs: Any) -> Any:
        """Send ``method(**kwargs)`` pinned to ``version`` and return the reply (None for a cast)."""
        options: dict[str, Any] = {"version": version}
        if timeout is not None:
            options["timeout"] = timeout
        if server is not None:
            options["server"] = server
        if fanout:
            options["fanout"] = True
        if namespace is not None:
            options["namespace"] = namespace
        cctxt = self.client.prepare(**options)
        try:
            if cast:
                cctxt.cast(context, method, **kwargs)
                return None
            return cctxt.call(context, method, **kwargs)
        except exception.NovanetError as error:
            raise errors.unwrap(error) from None

    def route(self, host: str | None) -> str | None:
        """``server=host`` under multi_host (the caller's flag, as in nova), else any host."""
        return host if self.multi_host and host else None

    def require_version(self, method: str) -> str:
        """The pinned version of ``method``; raises when the cap is below it.

        :raises RPCPinnedToOldVersion: no older shape of the method exists.
        """
        version = versions.METHODS[method].version
        if not self.can_send_version(version):
            raise exception.RPCPinnedToOldVersion()
        return version


_transport_lock = threading.Lock()
_default_transport: Any = None


def _shared_transport(conf: cfg.ConfigOpts) -> Any:
    """One transport (one connection pool) per process for ``transport_url``."""
    global _default_transport
    with _transport_lock:
        if _default_transport is None:
            _default_transport = transport.get_transport(conf)
        return _default_transport


def elevated(context: RequestContext) -> RequestContext:
    """The context for a host-to-host call: the service acts, so admin rights."""
    return context if context.is_admin else context.elevated()
