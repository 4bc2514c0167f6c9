"""The ``baremetal`` RPC namespace (1.0): nodes and their networks, for a conductor.

Each method reads its wire arguments through converters (a bad one:
InvalidRequest before anything runs), checks its ``baremetal:<rule>`` policy
(admin by default), calls the manager's baremetal collaborator
(:class:`~novanet.providers.service.BaremetalNetworks`) or the inventory, and
answers plain JSON: the node's state as ``baremetal node show --format
json`` prints it. A :class:`~novanet.exception.NovanetError` goes back to the
caller as the same class, logged in one line. The client is
:class:`novanet.rpc.client.baremetal.BaremetalAPI`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from novanet import exception
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.providers import inventory
from novanet.providers.service import SWITCH_METHODS
from novanet.rpc import errors, policy, wire
from novanet.rpc.endpoints.base import expose
from novanet.rpc.messaging import oslo_messaging
from novanet.rpc.versions import BAREMETAL_NAMESPACE, BAREMETAL_VERSION

LOG = logging.getLogger("novanet.rpc.endpoint")

Handler = Callable[["BaremetalEndpoint", RequestContext, wire.Arguments], Any]

NODE_FIELDS = ("network_provider", "power_state", "instance_uuid", "project_id", "driver_info")
GROUP_FIELDS = ("name", "mode", "mac", "miimon", "xmit_hash_policy", "standalone_ports_supported")


def baremetal_method(handler: Handler) -> Callable[..., Any]:
    """``handler(self, context, args)`` as the wire method ``baremetal_<name>``."""
    rule = handler.__name__.removeprefix("baremetal_")
    if rule not in policy.BAREMETAL_DEFAULTS:  # pragma: no cover - a programming error
        raise AssertionError(f"no policy default for baremetal:{rule}")

    @functools.wraps(handler)
    def endpoint_method(self: BaremetalEndpoint, context: RequestContext, **kwargs: Any) -> Any:
        args = wire.Arguments(handler.__name__, kwargs)
        try:
            policy.authorize(context, rule, family="baremetal")
            result = handler(self, context, args)
        except exception.NovanetError as error:
            raise errors.expected(error, handler.__name__, LOG) from None
        unused = args.unused()
        if unused:
            LOG.debug("%s: ignored arguments %s", handler.__name__, ", ".join(unused))
        return result

    return expose(endpoint_method)


def _fields(args: wire.Arguments, allowed: tuple[str, ...]) -> dict[str, Any]:
    fields = args.optional("fields", wire.mapping) or {}
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise exception.InvalidRequest(reason=f"unknown fields {unknown}; known: {', '.join(allowed)}")
    return dict(fields)


class BaremetalEndpoint:
    """The baremetal namespace in front of a network manager's collaborator."""

    target = oslo_messaging.Target(namespace=BAREMETAL_NAMESPACE, version=BAREMETAL_VERSION)

    def __init__(self, manager: Any) -> None:
        self.manager = manager

    @property
    def networks(self) -> Any:
        # Built on first use: a host without nodes never loads a switch driver.
        return self.manager.baremetal

    def _state(self, node: str) -> dict[str, Any]:
        return inventory.describe(CONF, node)

    # -- switching -----------------------------------------------------------------------

    @baremetal_method
    def baremetal_switch(self, context: RequestContext, args: wire.Arguments) -> Any:
        node = args.required("node", wire.text)
        operation = args.required("operation", wire.text)
        if operation not in SWITCH_METHODS:
            raise exception.InvalidRequest(reason=f"operation {operation!r} is not one of {', '.join(SWITCH_METHODS)}")
        self.networks.switch(node, operation, allow_powered_on=args.flag("allow_powered_on"))
        return self._state(node)

    @baremetal_method
    def baremetal_validate(self, context: RequestContext, args: wire.Arguments) -> Any:
        return self.networks.validate(args.required("node", wire.text), args.required("purpose", wire.text))

    @baremetal_method
    def baremetal_vif_attach(self, context: RequestContext, args: wire.Arguments) -> Any:
        return self.networks.vif_attach(
            args.required("node", wire.text), args.required("network", wire.text), tagged=args.flag("tagged"),
            port=args.optional("port", wire.text), portgroup=args.optional("portgroup", wire.text),
            allow_powered_on=args.flag("allow_powered_on"))

    @baremetal_method
    def baremetal_vif_detach(self, context: RequestContext, args: wire.Arguments) -> Any:
        self.networks.vif_detach(args.required("node", wire.text), args.required("network", wire.text),
                                 allow_powered_on=args.flag("allow_powered_on"))
        return None

    # -- nodes, ports, groups ------------------------------------------------------------------

    @baremetal_method
    def baremetal_node_show(self, context: RequestContext, args: wire.Arguments) -> Any:
        return self._state(args.required("node", wire.text))

    @baremetal_method
    def baremetal_node_create(self, context: RequestContext, args: wire.Arguments) -> Any:
        node = inventory.create_node(CONF, args.required("name", wire.text), **_fields(args, NODE_FIELDS))
        return self._state(node.uuid)

    @baremetal_method
    def baremetal_node_set(self, context: RequestContext, args: wire.Arguments) -> Any:
        node = inventory.set_node(CONF, args.required("node", wire.text), **_fields(args, NODE_FIELDS))
        return self._state(node.uuid)

    @baremetal_method
    def baremetal_node_delete(self, context: RequestContext, args: wire.Arguments) -> Any:
        inventory.delete_node(args.required("node", wire.text))
        return None

    @baremetal_method
    def baremetal_port_create(self, context: RequestContext, args: wire.Arguments) -> Any:
        node = args.required("node", wire.text)
        inventory.create_port(node, args.required("mac", wire.text), args.required("switch_port", wire.text),
                              pxe=args.flag("pxe", default=True), portgroup=args.optional("portgroup", wire.text))
        return self._state(node)

    @baremetal_method
    def baremetal_port_delete(self, context: RequestContext, args: wire.Arguments) -> Any:
        inventory.delete_port(args.required("port", wire.text))
        return None

    @baremetal_method
    def baremetal_portgroup_create(self, context: RequestContext, args: wire.Arguments) -> Any:
        node = args.required("node", wire.text)
        inventory.create_portgroup(node, **_fields(args, GROUP_FIELDS))
        return self._state(node)

    @baremetal_method
    def baremetal_portgroup_delete(self, context: RequestContext, args: wire.Arguments) -> Any:
        inventory.delete_portgroup(args.required("node", wire.text), args.required("portgroup", wire.text))
        return None
