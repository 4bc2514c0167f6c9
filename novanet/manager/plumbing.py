"""What this host must look like, and telling the driver: the manager's only path to it.

Theory of operation
-------------------
Facts first: by the time anything here runs, the store already says what is
true; :class:`HostPlumbing` reads the facts and asks the driver to converge.
The driver can always rebuild the whole host from :meth:`HostPlumbing.host_state`
(``init_host``), so a crash between a fact and its host change heals on the
next start.

A network is "ready" on this host once its bridge, gateway address and DHCP
server exist; after that, an allocation costs only one DHCP host entry (no
reload), and a deallocation removes one. Which networks this host serves:
those whose ``host`` is this host, and for multi_host networks those with an
instance here (or this host's own DHCP address).

One write happens here, and it is named: :meth:`HostPlumbing.claim_host_address`
takes a multi_host network's address for this host from the pool. It runs
right before the driver is asked to serve the network (the gateway needs
that address), never as a side effect of describing the network
(:meth:`HostPlumbing.spec_for` only reads).

:class:`VlanPlumbing` adds what the VLAN manager's networks need: the VPN
forward, and removing an unused multi_host gateway on teardown.
"""

from __future__ import annotations

import logging
import threading

from novanet import exception
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.db import api as db
from novanet.db.models import Network
from novanet.drivers.base import DhcpHost, FloatingForward, HostState, NetworkDriver, NetworkSpec
from novanet.manager import specs
from novanet.manager.nw_info import Flavor, host_address, shares_address

LOG = logging.getLogger(__name__)


class HostPlumbing:
    """This host's side of the networks it serves, through ``driver``.

    :param host: this host's name.
    :param driver: the host driver (required: a test passes a fake one).
    :param flavor: what the manager class asks of the host (DHCP, bridges).
    """

    def __init__(self, host: str, driver: NetworkDriver, flavor: Flavor) -> None:
        self.host = host
        self.driver = driver
        self.flavor = flavor
        self._lock = threading.RLock()
        #: Networks whose host side is set up by this process (id -> bridge).
        self._ready: dict[int, str] = {}
        #: Per-address locks for floating IP plumbing.
        self._address_locks: dict[str, threading.Lock] = {}
        #: Per-network locks of the first set-up (see :meth:`ensure_ready`).
        self._setup_locks: dict[int, threading.Lock] = {}
        #: egress profile id -> (public interface, SNAT source), see :meth:`egress_of`.
        self._egress_cache: dict[int, tuple[str, str]] = {}
        #: uuids and labels of the baremetal management networks nodes' own
        #: driver_info names (those [baremetal] names are read at each use).
        self._management: set[str] = set()

    # -- facts about this host's view of a network --------------------------------

    def uplink_override(self, network: Network) -> str | None:
        if network.vlan is not None:
            return str(CONF.vlan_interface) if CONF.vlan_interface else None
        return str(CONF.flat_interface) if CONF.flat_interface else None

    def claim_host_address(self, network: Network) -> str | None:
        """Take this host's address of a multi_host network from the pool, once; the address.

        Single-host networks and shared addresses need none of their own
        (the network's DHCP server or gateway is the answer).
        """
        address = host_address(network, self.host)
        if address is not None or not self.flavor.dhcp or not network.multi_host or shares_address(network):
            return address
        with self._lock:
            row = db.fixed_ip_get_by_network_host(network.id, self.host)
            if row is None:
                row = db.fixed_ip_associate_pool(network.id, host=self.host)
                LOG.info("Host %s serves network %s from %s", self.host, network.uuid, row.address)
            return row.address

    def is_management(self, network: Network) -> bool:
        """A baremetal provisioning, cleaning or rescuing network (locked down)."""
        names = self._management | {n for n in (CONF.baremetal.provisioning_network, CONF.baremetal.cleaning_network,
                                                CONF.baremetal.rescuing_network) if n}
        return network.uuid in names or bool(network.label and network.label in names)

    def mark_management(self, network: Network) -> None:
        """``network`` carries nodes' management traffic now: lock it down here."""
        if self.is_management(network):
            return
        with self._lock:
            self._management.add(network.uuid)
        if network.id in self._ready:
            self._ensure(network)

    def spec_for(self, network: Network) -> NetworkSpec:
        """The driver's view of the network on this host (reads only)."""
        return specs.network_spec(
            network,
            dhcp_server=host_address(network, self.host) if self.flavor.dhcp else network.gateway,
            should_create_bridge=self.flavor.should_create_bridge,
            uplink_override=self.uplink_override(network),
            gateway_on_host=self.flavor.dhcp,
            share_address=bool(CONF.share_dhcp_address),
            egress=self.egress_of(network),
            management=self.is_management(network),
        )

    def egress_of(self, network: Network) -> tuple[str, str] | None:
        """(public interface, SNAT source) of the network's egress profile, if it has one.

        Profiles never change and cannot be deleted while a network uses
        them, so each is read once per process.
        """
        if network.egress_id is None:
            return None
        egress = self._egress_cache.get(network.egress_id)
        if egress is None:
            for record in db.egress_by_ids([network.egress_id]).values():
                egress = self._egress_cache[record.id] = (record.public_interface, record.snat_source)
        return egress

    def dhcp_hosts(self, network: Network) -> list[DhcpHost]:
        """Static DHCP entries this host serves for the network."""
        host = self.host if network.multi_host else None
        return [specs.dhcp_host(entry) for entry in db.network_host_entries(network.id, host=host)]

    def is_ready(self, network_id: int) -> bool:
        return network_id in self._ready

    # -- converging the host --------------------------------------------------------

    def _ensure(self, network: Network) -> NetworkSpec:
        self.claim_host_address(network)
        spec = self.spec_for(network)
        self.driver.ensure_network(spec, self.dhcp_hosts(network))
        return spec

    def setup_network(self, network: Network) -> None:
        """Bridge, gateway, NAT and DHCP for ``network`` here (no DHCP: nothing)."""
        if not self.flavor.dhcp:
            return
        spec = self._ensure(network)
        with self._lock:
            self._ready[network.id] = spec.bridge

    def teardown_network(self, network: Network) -> None:
        """Refresh DHCP after instances left (:class:`VlanPlumbing` may remove more)."""
        if not self.flavor.dhcp:
            return
        self._ensure(network)

    def setup_network_on_host(self, context: RequestContext, network_id: int, teardown: bool) -> None:
        """Set a network up here, or refresh it after instances left (host to host)."""
        network = db.network_get(int(network_id))
        if teardown:
            self.teardown_network(network)
        else:
            self.setup_network(network)

    def ensure_ready(self, network: Network) -> NetworkSpec:
        """Set the network up here once; return its spec.

        NOTE(concurrency): the set-up writes exactly the store's DHCP entries;
        run twice at once for a new network, the later one would drop an
        entry another request wrote meanwhile and has not recorded yet (a
        baremetal switch records its entries after writing them). So the
        check and the set-up are one step per network.
        """
        if network.id not in self._ready:
            with self._setup_lock(network.id):
                if network.id not in self._ready:
                    self.setup_network(network)
        return self.spec_for(network)

    def _setup_lock(self, network_id: int) -> threading.Lock:
        with self._lock:
            return self._setup_locks.setdefault(network_id, threading.Lock())

    def remove_network(self, network: Network) -> None:
        """Remove the network's host side here, if this process set it up."""
        if network.id not in self._ready:
            return
        self.driver.remove_network(self.spec_for(network))
        self.forget_network(network.id)

    def discard_network(self, network: Network) -> None:
        """Remove the network's host side whether or not it was finished here (a build rolled back)."""
        self.forget_network(network.id)
        self.driver.remove_network(self.spec_for(network))

    def device_exists(self, name: str) -> bool | None:
        """Whether device ``name`` exists on this host; None when the driver cannot tell."""
        probe = getattr(self.driver, "has_device", None)
        if probe is None:
            return None
        try:
            return bool(probe(name))
        except exception.NovanetError as error:  # advice only: the build itself will tell
            LOG.warning("Cannot tell whether %s exists here: %s", name, error)
            return None

    def forget_network(self, network_id: int) -> None:
        with self._lock:
            self._ready.pop(network_id, None)

    def add_dhcp_host(self, network: Network, host: DhcpHost) -> None:
        if not self.flavor.dhcp or not network.enable_dhcp:
            return
        self.driver.add_dhcp_host(self.ensure_ready(network), host)

    def remove_dhcp_host(self, network: Network, host: DhcpHost, release: bool) -> None:
        """Stop serving ``host``; with ``release``, end its lease now (``dhcp_release``)."""
        if not self.flavor.dhcp or not network.enable_dhcp:
            return
        spec = self.spec_for(network)
        self.driver.remove_dhcp_host(spec, host)
        if release:
            try:
                self.driver.release_dhcp(spec, host.address, host.mac)
            except exception.NovanetError as error:
                LOG.warning("dhcp_release of %s failed: %s", host.address, error)

    def release_dhcp(self, network: Network, address: str, mac: str, dev: str | None = None) -> None:
        """End a lease on this host's dnsmasq.

        :raises InvalidRequest: ``dev`` is not the network's bridge.
        """
        spec = self.spec_for(network)
        if dev and dev != spec.bridge:
            raise exception.InvalidRequest(reason=f"{address} is served on {spec.bridge}, not {dev}")
        self.driver.release_dhcp(spec, address, mac)

    # -- floating IPs ---------------------------------------------------------------

    def address_lock(self, address: str) -> threading.Lock:
        with self._lock:
            return self._address_locks.setdefault(address, threading.Lock())

    def floating_forward(self, floating: str, fixed: str, interface: str | None, network: Network) -> FloatingForward:
        return FloatingForward(floating=floating, fixed=fixed, interface=CONF.public_interface or interface,
                               network=self.spec_for(network))

    def add_floating(self, floating: str, fixed: str, interface: str | None, network: Network) -> None:
        self.driver.add_floating_ip(self.floating_forward(floating, fixed, interface, network))

    def remove_floating(self, floating: str, fixed: str, interface: str | None, network: Network) -> None:
        self.driver.remove_floating_ip(self.floating_forward(floating, fixed, interface, network))

    # -- the whole host ---------------------------------------------------------------

    def host_state(self) -> HostState:
        """Everything this host must look like, from the store."""
        networks = []
        if self.flavor.dhcp:
            for network in db.network_get_all_by_host(self.host):
                self.claim_host_address(network)
                networks.append((self.spec_for(network), tuple(self.dhcp_hosts(network))))
        floating = []
        known: dict[int, Network] = {}
        for floating_ip, fixed in db.floating_ip_forwards_for_host(self.host):
            network = known.get(fixed.network_id) or known.setdefault(fixed.network_id,
                                                                       db.network_get(fixed.network_id))
            floating.append(self.floating_forward(floating_ip.address, fixed.address, floating_ip.interface,
                                                  network))
        return HostState(networks=tuple(networks), floating=tuple(floating))

    def init_host(self) -> None:
        """Rebuild this host from the store (daemon start); one apply for all of it."""
        with self._lock:
            self._management = db.management_network_names()
        state = self.host_state()
        with self.driver.deferred():
            self.driver.init_host(state)
        with self._lock:
            self._ready = {spec.id: spec.bridge for spec, _ in state.networks}
        LOG.info("Host %s initialised: %d network(s), %d floating IP(s)", self.host, len(state.networks),
                 len(state.floating))

    def periodic_tasks(self) -> None:
        """The driver's periodic work on the networks set up here."""
        ready = [self.spec_for(n) for n in db.network_get_all_by_host(self.host) if n.id in self._ready]
        if ready:
            self.driver.periodic_tasks(ready)

    def update_dns(self, context: RequestContext, network_ids: list[int]) -> None:
        """Publish every instance name of these multi_host networks served here."""
        if CONF.fake_network or not self.flavor.dhcp:
            return
        for network_id in network_ids:
            try:
                network = db.network_get(int(network_id))
            except exception.NetworkNotFound:
                continue
            if not network.multi_host or network.id not in self._ready:
                continue
            hosts = [specs.dhcp_host(e) for e in db.network_host_entries(network.id)]
            self.claim_host_address(network)
            self.driver.update_dns(self.spec_for(network), hosts)


class VlanPlumbing(HostPlumbing):
    """The VLAN manager's host side: the VPN forward, and unused gateways removed."""

    def setup_network(self, network: Network) -> None:
        if not network.vpn_public_address and CONF.vpn_ip:
            network = db.network_update(network.id, {"vpn_public_address": CONF.vpn_ip})
        super().setup_network(network)
        if network.vpn_public_address and network.vpn_public_address == CONF.vpn_ip:
            self.driver.ensure_vpn_forward(self.spec_for(network))

    def teardown_network(self, network: Network) -> None:
        unused = (CONF.teardown_unused_network_gateway and network.multi_host
                  and network.vpn_public_address != CONF.vpn_ip
                  and not db.network_in_use_on_host(network.id, self.host))
        if not unused:
            super().teardown_network(network)
            return
        self.driver.remove_network(self.spec_for(network))
        self.forget_network(network.id)
        if not shares_address(network):
            db.fixed_ip_release_host_address(network.id, self.host)
