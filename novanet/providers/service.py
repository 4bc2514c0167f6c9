"""BaremetalNetworks: the collaborator a network manager holds for baremetal nodes.

Theory of operation
-------------------
Every switching call (``add_provisioning_network`` ... ``vif_detach``) runs the
same envelope around its provider's method:

1. resolve the node (uuid or name) and its *effective* provider (its own,
   else ``[baremetal] default_network_provider``), refusing unknown or
   disabled names;
2. take the node's lock: a compare-and-set on the node row in the store,
   retried ``node_lock_retry_attempts`` times ``node_lock_retry_interval``
   apart, then :class:`~novanet.exception.NodeLocked`. It works across
   processes and hosts sharing the store; a lock older than
   ``node_lock_timeout`` was left by a dead process and is taken over;
3. re-read the node under the lock and refuse with ProviderChanged when the
   provider that put it in its current phase is not the effective one any
   more (a changed option or node field must not silently act on a node
   another provider wired, Ironic bug 1608511);
4. call the provider with a :class:`~novanet.providers.base.Call`;
5. append the outcome, won or lost, to ``baremetal_net_ops``; give the lock
   back.

:meth:`BaremetalNetworks.reconcile` runs when the daemon starts, after the
host was rebuilt from the store: locks this host's previous run held are
dropped, and every switch port of a node novanet wired is put back on the
segment the store records (DHCP entries and firewall rules were rebuilt by
``init_host`` already, from the same facts).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import time
import uuid as uuidlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db import baremetal as bmdb
from novanet.db.baremetal_models import BaremetalNode
from novanet.db.models import Network, utcnow
from novanet.providers import loader
from novanet.providers.base import Call, NetworkProvider, NodeHost, Phase, Purpose

LOG = logging.getLogger(__name__)
T = TypeVar("T")

#: The switching calls, in the provider interface's names.
SWITCH_METHODS = (
    "add_provisioning_network", "remove_provisioning_network",
    "add_cleaning_network", "remove_cleaning_network",
    "add_rescuing_network", "remove_rescuing_network",
    "configure_tenant_networks", "unconfigure_tenant_networks",
)


def find_network(name: str) -> Network:
    """A tenant network by uuid or unique label.

    :raises InvalidParameterValue: none or several match.
    """
    found = bmdb.networks_named(name)
    if len(found) != 1:
        what = "no network" if not found else f"{len(found)} networks; name it by uuid"
        raise exception.InvalidParameterValue(reason=f"network {name!r} matches {what}")
    return found[0]


class BaremetalNetworks:
    """Switches baremetal nodes between networks through their providers."""

    def __init__(self, host: NodeHost, conf: Any = None) -> None:
        self.host = host
        self.conf = conf if conf is not None else CONF

    # -- the lock -------------------------------------------------------------------

    def _holder_prefix(self) -> str:
        return f"{self.host.host}:"

    @contextlib.contextmanager
    def locked(self, node: BaremetalNode) -> Iterator[str]:
        """Hold ``node``'s store lock inside the block; yields the holder token.

        :raises NodeLocked: somebody else held it through every attempt.
        """
        opts = self.conf.baremetal
        holder = f"{self._holder_prefix()}{os.getpid()}:{uuidlib.uuid4().hex[:12]}"
        current: str | None = None
        for attempt in range(opts.node_lock_retry_attempts):
            stale = utcnow() - datetime.timedelta(seconds=opts.node_lock_timeout)
            current = bmdb.node_reserve(node.id, holder, stale)
            if current is None:
                break
            if attempt + 1 < opts.node_lock_retry_attempts:
                time.sleep(opts.node_lock_retry_interval)
        else:
            raise exception.NodeLocked(node=node.name, holder=current)
        try:
            yield holder
        finally:
            if not bmdb.node_release(node.id, holder):
                LOG.warning("node %s: lock %s was taken over while held", node.name, holder)

    # -- the envelope -----------------------------------------------------------------

    def _run(self, ident: str, method: str, allow_powered_on: bool,
             action: Callable[[NetworkProvider, Call], T]) -> T:
        node = bmdb.node_get(ident)
        name = loader.effective_name(node.network_provider, self.conf)
        before: str | None = node.net_phase
        try:
            provider = loader.get_provider(name, self.conf)
            with self.locked(node):
                layout = bmdb.node_layout(node.id)
                node = layout.node
                before = node.net_phase
                phase = Phase(node.net_phase)
                if not phase.resting and node.phase_provider and node.phase_provider != name:
                    raise exception.ProviderChanged(node=node.name, phase=phase.value, old=node.phase_provider,
                                                    new=name)
                call = Call(layout, name, self.host, self.conf, allow_powered_on, method)
                result = action(provider, call)
        except exception.NovanetError as error:
            LOG.warning("node %s: %s refused or failed: %s", node.name, method, error)
            bmdb.op_record(node.uuid, method, name, before, bmdb.node_get(node.uuid).net_phase,
                           type(error).__name__, str(error), self.host.host)
            raise
        after = bmdb.node_get(node.uuid).net_phase
        bmdb.op_record(node.uuid, method, name, before, after, "ok", None, self.host.host)
        LOG.info("node %s: %s done with provider %s (%s -> %s)", node.name, method, name, before, after)
        return result

    # -- the calls --------------------------------------------------------------------

    def switch(self, node: str, method: str, allow_powered_on: bool = False) -> None:
        """Run one of :data:`SWITCH_METHODS` on ``node``.

        :raises InvalidRequest: an unknown method.
        """
        if method not in SWITCH_METHODS:
            raise exception.InvalidRequest(reason=f"{method!r} is not one of {', '.join(SWITCH_METHODS)}")
        self._run(node, method, allow_powered_on, lambda provider, call: getattr(provider, method)(call))

    def validate(self, node: str, purpose: str) -> list[str]:
        """Dry run for ``purpose``: what would be used, or the error it would raise.

        Touches neither the host nor the store (no lock, no audit).
        """
        wanted = Purpose.parse(purpose)
        row = bmdb.node_get(node)
        name = loader.effective_name(row.network_provider, self.conf)
        provider = loader.get_provider(name, self.conf)
        phase = Phase(row.net_phase)
        if not phase.resting and row.phase_provider and row.phase_provider != name:
            raise exception.ProviderChanged(node=row.name, phase=phase.value, old=row.phase_provider, new=name)
        call = Call(bmdb.node_layout(row.id), name, self.host, self.conf)
        return [f"provider {name}"] + provider.validate(call, wanted)

    def vif_attach(self, node: str, network: str, tagged: bool = False, port: str | None = None,
                   portgroup: str | None = None, allow_powered_on: bool = False) -> str | None:
        """Give ``node`` a tenant VIF (a fixed IP) on ``network``; its uuid."""
        target = find_network(network)
        return self._run(node, "vif_attach", allow_powered_on,
                         lambda provider, call: provider.vif_attach(call, target, tagged, port, portgroup))

    def vif_detach(self, node: str, network: str, allow_powered_on: bool = False) -> None:
        target = find_network(network)
        self._run(node, "vif_detach", allow_powered_on, lambda provider, call: provider.vif_detach(call, target))

    # -- restart --------------------------------------------------------------------------

    def reconcile(self) -> list[str]:
        """Put every wired switch port back where the store says; what moved."""
        dropped = bmdb.node_release_all(self._holder_prefix())
        if dropped:
            LOG.warning("Dropped %d node lock(s) a previous run of %s held", dropped, self.host.host)
        moved: list[str] = []
        bridges: dict[int, str] = {}
        for port, node in bmdb.ports_all():
            if Phase(node.net_phase) is Phase.NONE:
                continue  # never wired by novanet: left as cabled
            if (node.phase_provider or loader.effective_name(node.network_provider, self.conf)) == "none":
                continue
            try:
                if port.network_id is not None and port.network_id not in bridges:
                    bridges[port.network_id] = self.host.bridge_of(db.network_get(port.network_id))
                wanted = bridges.get(port.network_id) if port.network_id is not None else None
                actual = self.host.switch.segment_of(port.switch_port)
                if actual != wanted:
                    LOG.warning("node %s: switch port %s is on %s, the store says %s; moving it back", node.name,
                                port.switch_port, actual or "none", wanted or "none")
                    self.host.switch.move([port.switch_port], wanted)
                    moved.append(f"{port.switch_port}: {actual or 'none'} -> {wanted or 'none'}")
            except exception.NovanetError as error:
                LOG.error("node %s: cannot reconcile switch port %s: %s", node.name, port.switch_port, error)
        return moved
