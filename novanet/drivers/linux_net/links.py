"""Idempotent link operations on one namespace: read, plan, apply.

Every public method follows pyroute2's ``ensure`` contract: it reads the
current state (one snapshot, looked up by name), computes the actions that
close the gap (a pure planner), applies them (each tolerating "already done")
and returns the actions it applied, so a second call with the same arguments
returns ``()``. ``remove_*`` of an absent device succeeds; a device novanet
did not create (no alias tag) is never removed, only reported.

One lock serialises the operations of a :class:`Links`: a plan is only valid
against the snapshot it was made from.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from novanet.drivers.linux_net import names
from novanet.drivers.linux_net.backend import LinkBackend, PrivilegedBackend
from novanet.drivers.linux_net.ebtables import Ebtables, dhcp_isolation_rules
from novanet.drivers.linux_net.plan_bridge import bridge_query, plan_bridge, plan_remove_link
from novanet.drivers.linux_net.plan_gateway import (
    LOOPBACK,
    GatewaySpec,
    address_query,
    gateway_query,
    plan_bind_address,
    plan_bind_addresses,
    plan_unbind_addresses,
    plan_gateway,
    plan_metadata_ip,
    plan_unbind_address,
)
from novanet.drivers.linux_net.plan_segment import VlanSpec, VxlanSpec, plan_vlan, plan_vxlan, vlan_query, vxlan_query
from novanet.drivers.linux_net.records import Action, Link, Query, Snapshot

LOG = logging.getLogger(__name__)

Applied = tuple[Action, ...]


class Links:
    """The link layer of one namespace.

    :param backend: where to read and apply (:class:`PrivilegedBackend` for
        the kernel, :class:`~.fake.FakeBackend` in unit tests).
    :param arp_count: gratuitous ARPs sent when a gateway or floating address
        appears (``send_arp_for_ha_count`` when ``send_arp_for_ha``, else 0).
    :param ebtables_attempts: ``ebtables_exec_attempts``.
    :param ebtables_interval: ``ebtables_retry_interval``.
    """

    def __init__(
        self,
        backend: LinkBackend,
        *,
        arp_count: int = 0,
        ebtables_attempts: int = 3,
        ebtables_interval: float = 1.0,
    ) -> None:
        self.backend = backend
        self.arp_count = arp_count
        self.ebtables = Ebtables(backend, ebtables_attempts, ebtables_interval)
        self._lock = threading.RLock()

    @classmethod
    def for_namespace(cls, namespace: str | None, *, arp_count: int = 0) -> Links:
        """Links on the real kernel, in ``namespace`` (None: our own)."""
        return cls(PrivilegedBackend(namespace), arp_count=arp_count)

    @property
    def namespace(self) -> str | None:
        return self.backend.namespace

    def _converge(self, query: Query, planner: Callable[[Snapshot], list[Action]]) -> Applied:
        with self._lock:
            actions = planner(self.backend.snapshot(query))
            if actions:
                LOG.debug("%s: applying %s", self.namespace or "host", actions)
                self.backend.apply(actions)
            return tuple(actions)

    # -- devices -----------------------------------------------------------------------

    def get_link(self, name: str) -> Link | None:
        """The device ``name``, or None."""
        return self.backend.snapshot(Query(links=(name,))).link(name)

    def device_exists(self, name: str) -> bool:
        return self.get_link(name) is not None

    def owned_links(self) -> tuple[Link, ...]:
        """Every device novanet created in this namespace (for garbage collection)."""
        return tuple(link for link in self.backend.list_links() if names.is_owned(link))

    def ensure_bridge(self, bridge: str, interface: str | None = None, *, mtu: int | None = None) -> Applied:
        """Make ``bridge`` exist and be up, with ``interface`` as its uplink.

        The uplink's global IPv4 addresses and routes move to the bridge, and
        the bridge takes the uplink's MAC (see :mod:`.plan_bridge`).

        :raises DriverError: a non-bridge holds the name, the uplink is
            missing or belongs to another bridge, or the kernel refused.
        """
        return self._converge(bridge_query(bridge, interface), lambda s: plan_bridge(s, bridge, interface, mtu))

    def remove_bridge(self, bridge: str) -> bool:
        """Remove ``bridge`` if novanet created it.

        :returns: False when it was absent or is not ours (left alone).
        """
        return self.remove_device(bridge)

    def remove_device(self, name: str) -> bool:
        """Remove the device ``name`` (bridge, VLAN, VXLAN) if novanet created it.

        :returns: False when it was absent or is not ours (left alone).
        """
        with self._lock:
            link = self.get_link(name)
            if link is None:
                return False
            if not names.is_owned(link):
                LOG.warning("not removing %s: novanet did not create it (no '%s' alias)", name, names.TAG)
                return False
            self.backend.apply(plan_remove_link(link))
            return True

    def ensure_vlan(self, spec: VlanSpec) -> Applied:
        """Make the 802.1Q device ``vlan<N>`` exist on its parent, up, with its MTU.

        :raises DriverError: the kernel has no 802.1Q support, the parent is
            missing, or a different device holds the name.
        """
        return self._converge(vlan_query(spec), lambda s: plan_vlan(s, spec))

    def ensure_vxlan(self, spec: VxlanSpec) -> Applied:
        """Make ``vxlan<VNI>`` match ``spec`` (recreating ours if it drifted),
        up, with one flood entry per peer."""
        return self._converge(vxlan_query(spec), lambda s: plan_vxlan(s, spec))

    def vlan_supported(self) -> bool:
        """Whether this kernel can create 802.1Q devices (found by trying)."""
        return self.backend.link_kind_supported("vlan")

    # -- addresses ---------------------------------------------------------------------

    def ensure_gateway(self, device: str, spec: GatewaySpec) -> Applied:
        """Forwarding on, ``spec``'s DHCP address first on ``device``, other
        addresses and routes kept, IPv6 gateway address added.

        :raises DriverError: the device does not exist or the kernel refused.
        """
        return self._converge(gateway_query(device), lambda s: plan_gateway(s, device, spec, self.arp_count))

    def bind_floating_ip(self, address: str, device: str) -> Applied:
        """Put ``address``/32 on ``device``, with gratuitous ARPs if configured.

        :raises NoFloatingIpInterface: ``device`` does not exist.
        """
        return self._converge(address_query(device), lambda s: plan_bind_address(s, device, address, self.arp_count))

    def bind_floating_ips(self, addresses: Sequence[str], device: str) -> Applied:
        """:meth:`bind_floating_ip` for many addresses in one pass (init_host)."""
        return self._converge(address_query(device),
                              lambda s: plan_bind_addresses(s, device, addresses, self.arp_count))

    def unbind_floating_ips(self, addresses: Sequence[str], device: str) -> Applied:
        """:meth:`unbind_floating_ip` for many addresses in one pass."""
        return self._converge(address_query(device), lambda s: plan_unbind_addresses(s, device, addresses))

    def unbind_floating_ip(self, address: str, device: str) -> Applied:
        """Take ``address``/32 off ``device``; absent address or device is fine."""
        return self._converge(address_query(device), lambda s: plan_unbind_address(s, device, address))

    def ensure_metadata_ip(self) -> Applied:
        """169.254.169.254/32 on ``lo`` (for a local metadata service)."""
        return self._converge(address_query(LOOPBACK), plan_metadata_ip)

    # -- helpers run as tools ----------------------------------------------------------

    def clean_conntrack(self, fixed_ip: str) -> None:
        """Forget connections to ``fixed_ip`` (its NAT changed).

        NOTE(conntrack): ``conntrack -D`` exits 1 when nothing matched; only
        other codes are worth a warning, and none is fatal (nova-network
        logged and went on).
        """
        result = self.backend.run_tool(("conntrack", "-D", "-r", fixed_ip))
        if result.returncode not in (0, 1):
            LOG.warning("conntrack -D -r %s failed (%d): %s", fixed_ip, result.returncode, result.stderr.strip())

    def isolate_dhcp_address(self, interface: str, address: str) -> None:
        """Keep a shared DHCP address from ARPing or serving DHCP across ``interface``.

        :raises ProcessExecutionError: ebtables refused a rule.
        """
        self.ebtables.ensure_rules(dhcp_isolation_rules(interface, address))

    def remove_dhcp_isolation(self, interface: str, address: str) -> None:
        """Remove the rules :meth:`isolate_dhcp_address` added."""
        self.ebtables.remove_rules(dhcp_isolation_rules(interface, address))
