"""``BaremetalAPI``: what a conductor (and ``novanet-manage baremetal``) calls.

The ``baremetal`` RPC namespace, version 1.0, on the network topic: the
network host that owns the nodes' switch ports (``[baremetal]
network_host``; any host on the topic when empty) records nodes, ports and
groups, takes the power state the conductor reports, and moves nodes
between networks under each node's lock. Every call returns plain JSON
(the node's state as ``baremetal node show --format json`` prints it);
refusals come back as the same :class:`~novanet.exception.NovanetError`
class (NodeLocked, NodePoweredOn, ProviderChanged, ...)::

    api = BaremetalAPI()
    ctx = get_admin_context()
    api.node_set(ctx, "node1", power_state="off")
    api.switch(ctx, "node1", "remove_provisioning_network")
    api.switch(ctx, "node1", "configure_tenant_networks")
    api.node_set(ctx, "node1", power_state="on")
"""

from __future__ import annotations

from typing import Any

from oslo_config import cfg

from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.rpc.client.core import ClientCore
from novanet.rpc.versions import BAREMETAL_NAMESPACE as NAMESPACE
from novanet.rpc.versions import BAREMETAL_VERSION as VERSION


class BaremetalAPI:
    """The baremetal namespace's RPC client (see the module docstring)."""

    def __init__(self, transport_: Any = None, topic: str | None = None, timeout: float | None = None,
                 server: str | None = None, conf: cfg.ConfigOpts = CONF) -> None:
        self.core = ClientCore(transport_, topic, timeout=timeout, conf=conf)
        self.server = server if server is not None else (conf.baremetal.network_host or None)

    def _call(self, context: RequestContext, rpc_method: str, **kwargs: Any) -> Any:
        return self.core.send(context, rpc_method, VERSION, server=self.server, namespace=NAMESPACE, **kwargs)

    # -- switching -------------------------------------------------------------------

    def switch(self, context: RequestContext, node: str, method: str,
               allow_powered_on: bool = False) -> dict[str, Any]:
        """Run a provider method (``add_provisioning_network`` ...); the node's new state."""
        result: dict[str, Any] = self._call(context, "baremetal_switch", node=node, operation=method,
                                            allow_powered_on=allow_powered_on)
        return result

    def validate(self, context: RequestContext, node: str, purpose: str) -> list[str]:
        result: list[str] = self._call(context, "baremetal_validate", node=node, purpose=purpose)
        return result

    def vif_attach(self, context: RequestContext, node: str, network: str, tagged: bool = False,
                   port: str | None = None, portgroup: str | None = None,
                   allow_powered_on: bool = False) -> str | None:
        result: str | None = self._call(context, "baremetal_vif_attach", node=node, network=network, tagged=tagged,
                                        port=port, portgroup=portgroup, allow_powered_on=allow_powered_on)
        return result

    def vif_detach(self, context: RequestContext, node: str, network: str, allow_powered_on: bool = False) -> None:
        self._call(context, "baremetal_vif_detach", node=node, network=network, allow_powered_on=allow_powered_on)

    # -- nodes, ports, groups --------------------------------------------------------------

    def node_show(self, context: RequestContext, node: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call(context, "baremetal_node_show", node=node)
        return result

    def node_create(self, context: RequestContext, name: str, **fields: Any) -> dict[str, Any]:
        """``fields``: network_provider, power_state, instance_uuid, project_id, driver_info."""
        result: dict[str, Any] = self._call(context, "baremetal_node_create", name=name, fields=fields)
        return result

    def node_set(self, context: RequestContext, node: str, **fields: Any) -> dict[str, Any]:
        """``fields`` as for :meth:`node_create`; ``network_provider=None`` unsets it."""
        result: dict[str, Any] = self._call(context, "baremetal_node_set", node=node, fields=fields)
        return result

    def node_delete(self, context: RequestContext, node: str) -> None:
        self._call(context, "baremetal_node_delete", node=node)

    def port_create(self, context: RequestContext, node: str, mac: str, switch_port: str, pxe: bool = True,
                    portgroup: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._call(context, "baremetal_port_create", node=node, mac=mac,
                                            switch_port=switch_port, pxe=pxe, portgroup=portgroup)
        return result

    def port_delete(self, context: RequestContext, port: str) -> None:
        self._call(context, "baremetal_port_delete", port=port)

    def portgroup_create(self, context: RequestContext, node: str, **fields: Any) -> dict[str, Any]:
        """``fields``: name, mode, mac, miimon, xmit_hash_policy, standalone_ports_supported."""
        result: dict[str, Any] = self._call(context, "baremetal_portgroup_create", node=node, fields=fields)
        return result

    def portgroup_delete(self, context: RequestContext, node: str, portgroup: str) -> None:
        self._call(context, "baremetal_portgroup_delete", node=node, portgroup=portgroup)
