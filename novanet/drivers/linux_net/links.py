"""The links of one namespace: read, plan, apply; per device and per network.

:class:`Links` is the link part of the ``LinuxNetDriver`` facade. Every change
takes the same short path: read a snapshot through the backend, hand it to a
pure planner (:mod:`.plan_bridge`, :mod:`.plan_gateway`, :mod:`.plan_segment`)
and apply the actions it returns through the backend, which is the module
:mod:`.privileged` itself (or :class:`~.fake.FakeBackend` in unit tests; the
protocol is :class:`~.backend.LinkBackend`).

Theory of operation
-------------------
* **pyroute2's ``ensure`` contract.** Every public ``ensure_*``/``bind_*``
  method reads the current state (one snapshot, looked up by name), computes
  the actions that close the gap, applies them (each tolerating "already
  done") and returns the actions it applied, so a second call with the same
  arguments returns ``()``. ``remove_*`` of an absent device succeeds; a
  device novanet did not create (no alias tag) is never removed, only
  reported.
* **One lock per namespace object**: a plan is only valid against the
  snapshot it was made from.
* **Per network** (nova-network's ``LinuxBridgeInterfaceDriver.plug`` and
  ``unplug``): :meth:`Links.plug` has the network's segment driver (``flat``,
  ``vlan`` or ``vxlan``, loaded by name and kept, see :mod:`.segments`) make
  the segment device and the bridge, then hides a shared DHCP address from
  the uplink with ebtables; :meth:`Links.unplug` reverses both, for what
  novanet created only. :meth:`Links.remove_stale_devices` removes the
  devices novanet made that no network needs (``init_host``).
* Floating addresses go on ``public_interface`` when it is set, else on the
  floating IP's own interface (:meth:`Links.public_device`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence

from oslo_config import cfg

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net import names, privileged
from novanet.drivers.linux_net.backend import LinkBackend
from novanet.drivers.linux_net.config import LinkConfig
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
from novanet.drivers.linux_net.segments import Plugged, SegmentDriver, load_segment_driver, segment_kind

LOG = logging.getLogger(__name__)

Applied = tuple[Action, ...]


class Links:
    """The links of the namespace ``config.namespace`` (None: our own).

    :param config: the settings (:meth:`LinkConfig.from_conf`).
    :param backend: where to read and apply: the kernel (the module
        :mod:`.privileged`), or :class:`~.fake.FakeBackend` in unit tests.
    """

    def __init__(self, config: LinkConfig, backend: LinkBackend = privileged) -> None:
        self.config = config
        self.namespace = config.namespace
        self.backend = backend
        self.arp_count = config.arp_count
        self.ebtables = Ebtables(backend, self.namespace, config.ebtables_exec_attempts,
                                 config.ebtables_retry_interval)
        self._segments: dict[str, SegmentDriver] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Links:
        return cls(LinkConfig.from_conf(conf))

    def close(self) -> None:
        """Release the namespace's netlink socket (it keeps the namespace alive)."""
        self.backend.close(self.namespace)

    def _converge(self, query: Query, planner: Callable[[Snapshot], list[Action]]) -> Applied:
        with self._lock:
            actions = planner(self.backend.snapshot(self.namespace, query))
            if actions:
                LOG.debug("%s: applying %s", self.namespace or "host", actions)
                self.backend.apply(self.namespace, actions)
            return tuple(actions)

    # -- devices -----------------------------------------------------------------------

    def get_link(self, name: str) -> Link | None:
        """The device ``name``, or None."""
        return self.backend.snapshot(self.namespace, Query(links=(name,))).link(name)

    def device_exists(self, name: str) -> bool:
        return self.get_link(name) is not None

    def owned_links(self) -> tuple[Link, ...]:
        """Every device novanet created in this namespace (for garbage collection)."""
        return tuple(link for link in self.backend.list_links(self.namespace) if names.is_owned(link))

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
            self.backend.apply(self.namespace, plan_remove_link(link))
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
        return self.backend.link_kind_supported(self.namespace, "vlan")

    # -- networks ----------------------------------------------------------------------

    def segment_driver(self, network: NetworkSpec) -> SegmentDriver:
        """The segment driver ``network`` needs (``flat`` without a vlan).

        :raises InvalidConfig: the configured driver is not an entry point.
        """
        name = segment_kind(network, self.config.segment_driver)
        if name not in self._segments:
            self._segments[name] = load_segment_driver(name, self, self.config)
        return self._segments[name]

    def shares_dhcp_address(self, network: NetworkSpec) -> bool:
        return bool(network.dhcp_server) and (network.share_address or self.config.share_dhcp_address)

    def plug(self, network: NetworkSpec, mac: str | None = None) -> Plugged:
        """Segment device and bridge of ``network``; DHCP isolation if shared.

        :returns: the bridge and its uplink.
        :raises DriverError: the host cannot provide the segment or bridge.
        """
        plugged = self.segment_driver(network).plug(network, mac)
        if self.shares_dhcp_address(network) and plugged.uplink and network.dhcp_server:
            self.isolate_dhcp_address(plugged.uplink, network.dhcp_server)
        return plugged

    def unplug(self, network: NetworkSpec) -> None:
        """Remove DHCP isolation, the bridge and the segment device (ours only)."""
        driver = self.segment_driver(network)
        if self.shares_dhcp_address(network) and network.dhcp_server:
            devices = driver.devices(network)
            uplink = devices[1] if len(devices) > 1 else self.config.flat_interface or network.bridge_interface
            if uplink:
                self.remove_dhcp_isolation(uplink, network.dhcp_server)
        driver.unplug(network)

    def stale_devices(self, networks: Iterable[NetworkSpec]) -> tuple[str, ...]:
        """Devices novanet created here that none of ``networks`` needs."""
        wanted: set[str] = set()
        for network in networks:
            wanted.update(self.segment_driver(network).devices(network))
        return tuple(link.name for link in self.owned_links() if link.name not in wanted)

    def remove_stale_devices(self, networks: Iterable[NetworkSpec]) -> tuple[str, ...]:
        """Remove :meth:`stale_devices` (bridges first); returns their names.

        NOTE(kernel): each deletion waits ~16-40 ms in the kernel (netdev
        unregister), so call this at start-up, not on the RPC path.
        """
        stale = self.stale_devices(networks)
        kinds = {link.name: link.kind for link in self.owned_links()}
        for name in sorted(stale, key=lambda n: kinds.get(n) != "bridge"):
            self.remove_device(name)
        return stale

    # -- addresses ---------------------------------------------------------------------

    def ensure_gateway(self, device: str, spec: GatewaySpec) -> Applied:
        """Forwarding on, ``spec``'s DHCP address first on ``device``, other
        addresses and routes kept, IPv6 gateway address added.

        :raises DriverError: the device does not exist or the kernel refused.
        """
        return self._converge(gateway_query(device), lambda s: plan_gateway(s, device, spec, self.arp_count))

    def public_device(self, interface: str | None) -> str:
        """Where floating addresses go: ``public_interface`` when set (it
        overrides the floating IP's own ``interface``).

        :raises InvalidConfig: neither names a device.
        """
        device = self.config.public_interface or interface
        if not device:
            raise exception.InvalidConfig(
                reason="public_interface is empty and the floating IP names no interface of its own"
            )
        return names.check_ifname(device, "public interface")

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
        result = self.backend.run_tool(self.namespace, ("conntrack", "-D", "-r", fixed_ip))
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
