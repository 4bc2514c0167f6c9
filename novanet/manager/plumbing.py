"""What this host must look like, and telling the driver.

Theory of operation
-------------------
Facts first: by the time anything here runs, the store already says what is
true; these methods read the facts and ask the driver to converge. The
driver can always rebuild the whole host from :meth:`HostPlumbing.host_state`
(``init_host``), so a crash between a fact and its host change heals on the
next start.

A network is "ready" on this host once its bridge, gateway address and DHCP
server exist; after that, an allocation costs only one DHCP host entry (no
reload), and a deallocation removes one. Which networks this host serves:
those whose ``host`` is this host, and for multi_host networks those with an
instance here (or this host's own DHCP address).
"""

from __future__ import annotations

import logging
import time

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db.models import Network
from novanet.drivers.base import DhcpHost, DhcpLease, FloatingForward, HostState, NetworkSpec
from novanet.manager import specs
from novanet.manager.state import ManagerState
from novanet.rpc.context import RequestContext

LOG = logging.getLogger(__name__)


class HostPlumbing(ManagerState):
    # -- facts about this host's view of a network --------------------------------

    def uplink_override(self, network: Network) -> str | None:
        if network.vlan is not None:
            return str(CONF.vlan_interface) if CONF.vlan_interface else None
        return str(CONF.flat_interface) if CONF.flat_interface else None

    def shares_address(self, network: Network) -> bool:
        return bool(network.share_address or CONF.share_dhcp_address)

    def dhcp_address(self, network: Network, host: str | None = None, claim: bool = True) -> str | None:
        """The address ``host`` (default: this host) serves the network from.

        Single-host networks and shared addresses: the network's DHCP server
        (or gateway). multi_host: one address of the network per host, taken
        from the pool the first time (``claim``).
        """
        host = host or self.host
        if not network.multi_host or self.shares_address(network):
            return network.dhcp_server or network.gateway
        row = db.fixed_ip_get_by_network_host(network.id, host)
        if row is not None:
            return row.address
        if not claim:
            return None
        with self._lock:
            row = db.fixed_ip_get_by_network_host(network.id, host)
            if row is None:
                row = db.fixed_ip_associate_pool(network.id, host=host)
                LOG.info("Host %s serves network %s from %s", host, network.uuid, row.address)
            return row.address

    def spec_for(self, network: Network, claim: bool = True) -> NetworkSpec:
        return specs.network_spec(
            network,
            dhcp_server=self.dhcp_address(network, claim=claim) if self.DHCP else network.gateway,
            should_create_bridge=self.SHOULD_CREATE_BRIDGE,
            uplink_override=self.uplink_override(network),
            gateway_on_host=self.DHCP,
            share_address=bool(CONF.share_dhcp_address),
            egress=self.egress_of(network),
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

    def serves(self, network: Network) -> bool:
        return network.host == self.host or bool(network.multi_host)

    # -- converging the host --------------------------------------------------------

    def setup_network_on_host(self, context: RequestContext, network: Network) -> None:
        """Bridge, gateway, NAT and DHCP for ``network`` here (FlatManager: nothing)."""
        if not self.DHCP:
            return
        spec = self.spec_for(network)
        self.driver.ensure_network(spec, self.dhcp_hosts(network))
        with self._lock:
            self._ready[network.id] = spec.bridge

    def teardown_network_on_host(self, context: RequestContext, network: Network) -> None:
        """Refresh DHCP after instances left (VlanManager may remove more)."""
        if not self.DHCP:
            return
        self.driver.ensure_network(self.spec_for(network), self.dhcp_hosts(network))

    def ensure_ready(self, context: RequestContext, network: Network) -> NetworkSpec:
        """Set the network up here once; return its spec."""
        if network.id not in self._ready:
            self.setup_network_on_host(context, network)
        return self.spec_for(network)

    def forget_network(self, network_id: int) -> None:
        with self._lock:
            self._ready.pop(network_id, None)

    def add_dhcp_host(self, context: RequestContext, network: Network, host: DhcpHost) -> None:
        if not self.DHCP or not network.enable_dhcp:
            return
        spec = self.ensure_ready(context, network)
        self.driver.add_dhcp_host(spec, host)

    def remove_dhcp_host(self, context: RequestContext, network: Network, host: DhcpHost) -> None:
        if not self.DHCP or not network.enable_dhcp:
            return
        self.driver.remove_dhcp_host(self.spec_for(network, claim=False), host)

    def host_state(self) -> HostState:
        """Everything this host must look like, from the store."""
        networks = []
        for network in db.network_get_all_by_host(self.host):
            if not self.DHCP:
                continue
            networks.append((self.spec_for(network), tuple(self.dhcp_hosts(network))))
        floating = []
        known: dict[int, Network] = {}
        for floating_ip, fixed in db.floating_ip_forwards_for_host(self.host):
            network = known.get(fixed.network_id) or known.setdefault(fixed.network_id,
                                                                       db.network_get(fixed.network_id))
            floating.append(FloatingForward(
                floating=floating_ip.address,
                fixed=fixed.address,
                interface=CONF.public_interface or floating_ip.interface,
                network=self.spec_for(network, claim=False),
            ))
        return HostState(networks=tuple(networks), floating=tuple(floating))

    def init_host(self) -> None:
        """Rebuild this host from the store (daemon start); one apply for all of it."""
        state = self.host_state()
        with self.driver.deferred():
            self.driver.init_host(state)
        with self._lock:
            self._ready = {spec.id: spec.bridge for spec, _ in state.networks}
        LOG.info("Host %s initialised: %d network(s), %d floating IP(s)", self.host, len(state.networks),
                 len(state.floating))

    def rpc_setup_network_on_host(self, context: RequestContext, network_id: int, teardown: bool) -> None:
        network = db.network_get(int(network_id))
        if teardown:
            self.teardown_network_on_host(context, network)
        else:
            self.setup_network_on_host(context, network)

    # -- DHCP lease bookkeeping -------------------------------------------------------

    def get_dhcp_leases(self, network_id: int) -> list[DhcpLease]:
        """Leases the store knows, for dnsmasq's start-up (``--dhcp-script init``)."""
        expiry = int(time.time()) + CONF.dhcp_lease_time
        return [DhcpLease(expiry=expiry, mac=mac, address=address,
                          hostname=specs.hostname_for(hostname, address) if hostname else None)
                for address, mac, hostname in db.network_leases(network_id)]

    def update_dns(self, context: RequestContext, network_ids: list[int]) -> None:
        """Publish every instance name of these multi_host networks served here."""
        if CONF.fake_network or not self.DHCP:
            return
        for network_id in network_ids:
            try:
                network = db.network_get(int(network_id))
            except exception.NetworkNotFound:
                continue
            if not network.multi_host or network.id not in self._ready:
                continue
            hosts = [specs.dhcp_host(e) for e in db.network_host_entries(network.id)]
            self.driver.update_dns(self.spec_for(network), hosts)
