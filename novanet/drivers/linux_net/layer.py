"""The link layer as the ``LinuxNetDriver`` facade uses it, per network.

It does, for one :class:`~novanet.drivers.base.NetworkSpec`, what
nova-network's ``LinuxBridgeInterfaceDriver.plug``/``unplug`` and
``initialize_gateway_device`` did for links, leaving iptables and dnsmasq to
their own drivers:

* :meth:`LinkLayer.plug`: segment device and bridge (flat, vlan or vxlan), and
  the ebtables DHCP isolation when the DHCP address is shared;
* :meth:`LinkLayer.ensure_gateway`: the DHCP address first on the bridge,
  forwarding on, the IPv6 gateway address;
* :meth:`LinkLayer.unplug`: the reverse, only for what novanet created;
* floating addresses on ``public_interface``, the metadata address,
  conntrack cleanup, and :meth:`LinkLayer.stale_devices` for ``init_host``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from oslo_config import cfg

from novanet import exception
from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net import names
from novanet.drivers.linux_net.backend import LinkBackend, PrivilegedBackend
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.links import Applied, Links
from novanet.drivers.linux_net.plan_gateway import GatewaySpec
from novanet.drivers.linux_net.segments import Plugged, Segments


class LinkLayer:
    """Links, segments and gateway addresses of one namespace.

    :param config: the settings (:meth:`LinkConfig.from_conf`).
    :param backend: defaults to the kernel in ``config.namespace``.
    """

    def __init__(self, config: LinkConfig, backend: LinkBackend | None = None) -> None:
        self.config = config
        self.backend = backend if backend is not None else PrivilegedBackend(config.namespace)
        self.links = Links(
            self.backend,
            arp_count=config.arp_count,
            ebtables_attempts=config.ebtables_exec_attempts,
            ebtables_interval=config.ebtables_retry_interval,
        )
        self.segments = Segments(self.links, config)

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> LinkLayer:
        return cls(LinkConfig.from_conf(conf))

    def close(self) -> None:
        """Release the namespace's netlink socket (the real backend only)."""
        if isinstance(self.backend, PrivilegedBackend):
            self.backend.close()

    # -- networks ----------------------------------------------------------------------

    def shares_dhcp_address(self, network: NetworkSpec) -> bool:
        return bool(network.dhcp_server) and (network.share_address or self.config.share_dhcp_address)

    def plug(self, network: NetworkSpec, mac: str | None = None) -> Plugged:
        """Segment device and bridge of ``network``; DHCP isolation if shared.

        :returns: the bridge and its uplink.
        :raises DriverError: the host cannot provide the segment or bridge.
        """
        plugged = self.segments.plug(network, mac)
        if self.shares_dhcp_address(network) and plugged.uplink and network.dhcp_server:
            self.links.isolate_dhcp_address(plugged.uplink, network.dhcp_server)
        return plugged

    def ensure_gateway(self, network: NetworkSpec, device: str | None = None) -> Applied:
        """Make the bridge (or ``device``) the gateway of ``network`` on this host."""
        return self.links.ensure_gateway(device or network.bridge, GatewaySpec.from_network(network))

    def unplug(self, network: NetworkSpec) -> None:
        """Remove DHCP isolation, the bridge and the segment device (ours only)."""
        driver = self.segments.driver_for(network)
        if self.shares_dhcp_address(network) and network.dhcp_server:
            uplink = self._uplink_of(network)
            if uplink:
                self.links.remove_dhcp_isolation(uplink, network.dhcp_server)
        driver.unplug(network)

    def _uplink_of(self, network: NetworkSpec) -> str | None:
        devices = self.segments.devices(network)
        if len(devices) > 1:
            return devices[1]
        return self.config.flat_interface or network.bridge_interface

    def stale_devices(self, networks: Iterable[NetworkSpec]) -> tuple[str, ...]:
        """Devices novanet created here that none of ``networks`` needs."""
        wanted: set[str] = set()
        for network in networks:
            wanted.update(self.segments.devices(network))
        return tuple(link.name for link in self.links.owned_links() if link.name not in wanted)

    def remove_stale_devices(self, networks: Iterable[NetworkSpec]) -> tuple[str, ...]:
        """Remove :meth:`stale_devices` (bridges first); returns their names.

        NOTE(kernel): each deletion waits ~16-40 ms in the kernel (netdev
        unregister), so call this at start-up, not on the RPC path.
        """
        stale = self.stale_devices(networks)
        kinds = {link.name: link.kind for link in self.links.owned_links()}
        for name in sorted(stale, key=lambda n: kinds.get(n) != "bridge"):
            self.links.remove_device(name)
        return stale

    # -- addresses ---------------------------------------------------------------------

    def public_device(self, interface: str | None) -> str:
        """``public_interface`` when set (it overrides the floating IP's own)."""
        device = self.config.public_interface or interface
        if not device:
            raise exception.InvalidConfig(
                reason="public_interface is empty and the floating IP names no interface of its own"
            )
        return names.check_ifname(device, "public interface")

    def bind_floating_ip(self, address: str, interface: str | None = None) -> Applied:
        """``address``/32 on the public interface (gratuitous ARP if configured).

        :raises NoFloatingIpInterface: the interface does not exist.
        """
        return self.links.bind_floating_ip(address, self.public_device(interface))

    def bind_floating_ips(self, addresses: Sequence[str], interface: str | None = None) -> Applied:
        """Many floating addresses on one public interface, one netlink dump."""
        return self.links.bind_floating_ips(addresses, self.public_device(interface))

    def unbind_floating_ips(self, addresses: Sequence[str], interface: str | None = None) -> Applied:
        return self.links.unbind_floating_ips(addresses, self.public_device(interface))

    def unbind_floating_ip(self, address: str, interface: str | None = None) -> Applied:
        return self.links.unbind_floating_ip(address, self.public_device(interface))

    def ensure_metadata_ip(self) -> Applied:
        return self.links.ensure_metadata_ip()

    def clean_conntrack(self, fixed_ip: str) -> None:
        self.links.clean_conntrack(fixed_ip)
