"""Transports, targets and the RPC server, configured the novanet way.

* The control exchange defaults to ``novanet``; ``control_exchange = nova``
  puts novanet on nova's exchange so nova-compute hosts reach it unchanged.
* Clients rebuild exceptions from ``novanet.exception`` only.
* The server uses oslo.messaging's threading executor (its default when
  nothing is monkey-patched) and no eventlet at all. NOTE(eventlet): eventlet
  0.41 declares itself deprecated for new projects and oslo.messaging 18
  deprecates its eventlet executor; novanet never imports eventlet's
  patching, so every request runs in a real thread from a pool of
  ``executor_thread_pool_size`` (default 64) threads.
* The server consumes three queues: ``<topic>`` (shared, round-robin over all
  network hosts), ``<topic>.<host>`` (this host only) and the fanout
  exchange ``<topic>_fanout``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oslo_config import cfg

from novanet.conf import CONF
from novanet.rpc import errors
from novanet.rpc.messaging import dispatcher, opts, oslo_messaging
from novanet.rpc.serializer import RequestContextSerializer

DEFAULT_EXCHANGE = "novanet"

oslo_messaging.set_transport_defaults(control_exchange=DEFAULT_EXCHANGE)


def register_messaging_opts(conf: cfg.ConfigOpts = CONF) -> None:
    """Register oslo.messaging's [DEFAULT] options now (transport_url, control_exchange...).

    oslo.messaging registers them when the first transport is made; novanet
    registers them up front so that configuration files, ``set_override`` and
    the CLI can use them before that. The copies carry the defaults set
    above, so oslo.messaging's own registration later finds them equal.
    """
    for group, options in opts.list_opts():
        if group is None:
            conf.register_opts(options)


register_messaging_opts(CONF)


def get_transport(conf: cfg.ConfigOpts = CONF, url: str | None = None) -> Any:
    """An RPC transport for ``url`` (default: ``transport_url``).

    oslo.messaging 18 needs the global ``cfg.CONF`` here (a private
    ``ConfigOpts`` fails with "no such option oslo_messaging_tracing").
    """
    return oslo_messaging.get_rpc_transport(conf, url=url, allowed_remote_exmods=errors.ALLOWED_EXMODS)


def topic(conf: cfg.ConfigOpts = CONF) -> str:
    return str(conf.network_topic)


def server_target(host: str, topic_: str | None = None, conf: cfg.ConfigOpts = CONF) -> Any:
    """What a network host listens on: the topic, its own queue, and fanout."""
    return oslo_messaging.Target(topic=topic_ or topic(conf), server=host)


class NetworkAccessPolicy(dispatcher.RPCAccessPolicyBase):
    """Only the methods the endpoints expose, including nova's three private wire names.

    oslo.messaging's default policy refuses every name with a leading
    underscore (so nova's ``_rpc_allocate_fixed_ip``,
    ``_associate_floating_ip`` and ``_disassociate_floating_ip`` could not be
    served) and allows every other attribute of an endpoint (so helpers such
    as ``authorize`` would be callable). This one allows exactly what is
    marked exposed (:func:`novanet.rpc.endpoints.base.expose`), plus
    oslo.messaging's own ping when ``rpc_ping_enabled`` adds it.
    """

    def is_allowed(self, endpoint: Any, method: str) -> bool:
        if method == "oslo_rpc_server_ping":
            return True
        return getattr(getattr(endpoint, method, None), "rpc_exposed", False) is True


def get_server(transport: Any, host: str, endpoints: Sequence[Any], topic_: str | None = None,
               conf: cfg.ConfigOpts = CONF) -> Any:
    """An RPC server for ``endpoints`` on this host's target (threading executor)."""
    return oslo_messaging.get_rpc_server(transport, server_target(host, topic_, conf), list(endpoints),
                                         serializer=RequestContextSerializer(),
                                         access_policy=NetworkAccessPolicy)
