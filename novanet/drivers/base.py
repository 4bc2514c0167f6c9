"""The contract between the managers and the host drivers.

The manager decides; a driver makes the host match. Everything a driver needs
is passed down as the plain, frozen records below (facts the manager read from
the store), so a driver never reads the store or calls back into a manager.

Every method is idempotent: calling it twice with the same facts changes
nothing the second time, and ``remove_*`` of something absent succeeds. A
driver only ever removes what novanet created. :meth:`NetworkDriver.init_host`
receives the complete desired state of this host and converges to it, removing
novanet's own leftovers that no fact backs any more (so a crash between "fact
written" and "host changed" heals on restart).

Host work is coalesced: inside :meth:`NetworkDriver.deferred` a driver may
batch changes (one iptables apply, one DHCP update) and must have applied them
all when the block exits.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from typing import Protocol

import netaddr


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """One network as this host must serve it.

    ``dhcp_server`` is the address this host uses on the bridge (the gateway,
    or in multi_host the per-host address); ``bridge_interface`` is the uplink
    after the ``flat_interface``/``vlan_interface`` overrides. ``vlan`` is the
    segment id (VLAN number, also the VXLAN VNI) or None for a flat network.
    """

    id: int
    uuid: str
    label: str
    bridge: str
    bridge_interface: str | None = None
    vlan: int | None = None
    mtu: int | None = None
    cidr: str | None = None
    cidr_v6: str | None = None
    gateway: str | None = None
    gateway_v6: str | None = None
    dhcp_server: str | None = None
    dhcp_start: str | None = None
    netmask: str | None = None
    broadcast: str | None = None
    dns1: str | None = None
    dns2: str | None = None
    enable_dhcp: bool = True
    multi_host: bool = False
    share_address: bool = False
    project_id: str | None = None
    #: The manager creates/removes the bridge (FlatDHCP, Vlan); Flat uses the
    #: operator's bridge as it is.
    should_create_bridge: bool = True
    #: Give this network a gateway address on the bridge and forward/NAT it.
    gateway_on_host: bool = True
    #: The network's own egress (an auto-allocated network's): SNAT to this
    #: address out of this interface instead of routing_source_ip/public_interface.
    snat_source: str | None = None
    snat_interface: str | None = None
    vpn_public_address: str | None = None
    vpn_public_port: int | None = None
    vpn_private_address: str | None = None
    #: A baremetal management network (provisioning, cleaning, rescuing):
    #: nodes on it reach only this host's DHCP, TFTP, DNS and conductor
    #: ports, and nothing is forwarded (see novanet.providers).
    management: bool = False

    @property
    def is_external(self) -> bool:
        """The network's router is not this host (dhcp_server != gateway)."""
        return bool(self.dhcp_server and self.gateway and self.dhcp_server != self.gateway)

    @property
    def prefixlen(self) -> int | None:
        return netaddr.IPNetwork(self.cidr).prefixlen if self.cidr else None

    @property
    def size(self) -> int:
        return netaddr.IPNetwork(self.cidr).size if self.cidr else 0


@dataclasses.dataclass(frozen=True)
class DhcpHost:
    """One static DHCP entry: this MAC gets this address and name."""

    mac: str
    address: str
    hostname: str
    vif_uuid: str
    #: This address is on the instance's first VIF (the one that gets the
    #: default route when use_single_default_gateway is set).
    default_route: bool = True
    #: Answer with the PXE boot options (a baremetal node being deployed,
    #: cleaned or rescued; see novanet.providers).
    pxe: bool = False


@dataclasses.dataclass(frozen=True)
class DhcpLease:
    """A lease the store knows, as dnsmasq's ``--dhcp-script init`` prints it."""

    expiry: int
    mac: str
    address: str
    hostname: str | None


@dataclasses.dataclass(frozen=True)
class FloatingForward:
    """A floating address bound on ``interface`` and NATed to ``fixed``."""

    floating: str
    fixed: str
    interface: str | None
    network: NetworkSpec | None = None


@dataclasses.dataclass(frozen=True)
class HostState:
    """Everything this host must look like: the input of ``init_host``."""

    networks: tuple[tuple[NetworkSpec, tuple[DhcpHost, ...]], ...] = ()
    floating: tuple[FloatingForward, ...] = ()


class NetworkDriver(Protocol):
    """Makes the host match the facts. See the module docstring for the rules."""

    def init_host(self, state: HostState) -> None:
        """Converge the whole host to ``state`` and remove unbacked leftovers."""

    def ensure_network(self, network: NetworkSpec, hosts: Sequence[DhcpHost]) -> None:
        """Bridge/segment, gateway address, base rules and DHCP with ``hosts``."""

    def remove_network(self, network: NetworkSpec) -> None:
        """Stop DHCP and remove the bridge/segment and rules of ``network``."""

    def add_dhcp_host(self, network: NetworkSpec, host: DhcpHost) -> None:
        """Serve ``host`` a static lease, without restarting DHCP."""

    def remove_dhcp_host(self, network: NetworkSpec, host: DhcpHost) -> None:
        """Stop serving ``host`` so its lease cannot be renewed."""

    def release_dhcp(self, network: NetworkSpec, address: str, mac: str) -> None:
        """End the lease of ``address``/``mac`` now (dhcp_release)."""

    def update_dns(self, network: NetworkSpec, hosts: Sequence[DhcpHost]) -> None:
        """Publish DNS names for all of ``network``'s instances (multi_host)."""

    def add_floating_ip(self, forward: FloatingForward) -> None:
        """NAT ``forward.floating`` to ``forward.fixed`` and bind the address."""

    def remove_floating_ip(self, forward: FloatingForward) -> None:
        """Unbind the address, remove its NAT and its conntrack entries."""

    def ensure_vpn_forward(self, network: NetworkSpec) -> None:
        """Forward the network's public VPN port to its VPN address."""

    def deferred(self) -> contextlib.AbstractContextManager[None]:
        """Batch host changes; everything is applied when the block exits."""

    def periodic_tasks(self, networks: Sequence[NetworkSpec]) -> None:
        """Housekeeping for the networks set up here (restart dead DHCP servers...)."""


@contextlib.contextmanager
def nothing_deferred() -> Iterator[None]:
    """A ``deferred()`` for drivers that apply every change at once."""
    yield
