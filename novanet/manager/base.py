"""NetworkManager: giving instances their addresses, taking them back, DHCP leases.

Theory of operation
-------------------
``allocate_for_instance`` picks the instance's networks (the manager's
:mod:`~novanet.manager.strategy`), gives it one VIF (MAC) per network, then
one fixed IP per network on the host that allocates on that network (the
manager's :mod:`~novanet.manager.routing`: here, or a peer over RPC), and
answers with the instance's network_info, read back from the store
(:mod:`~novanet.manager.nw_info`). Each fixed IP is one store transaction
(the instance record, its VIF and its address together); only then is the
host told (one DHCP entry, no reload). If any network fails, what this call
created is undone, so a caller never sees half an allocation.

``deallocate_fixed_ip`` marks the address unallocated, removes its DHCP
entry so the lease cannot be renewed, ends the lease (``dhcp_release``) and
frees the address at once if dnsmasq never leased it; otherwise the release
callback or the timeout task frees it (see :mod:`novanet.db.leases`).

The manager holds its collaborators and decides; it never runs commands or
SQL itself:

* ``strategy`` — flat or VLAN: which networks, which address, which quota;
* ``routing`` — which host allocates (``RPCAllocateFixedIP``: the serving one);
* ``plumbing`` — this host's side, the only path to the driver;
* ``queries``, ``nw_info``, ``dns``, ``networks`` — read-only lookups,
  network_info, the DNS calls and network administration, which the RPC
  endpoint calls directly because they need no decision of the manager's;
* ``auto`` — ``requested_networks`` ``auto``: the project's one network,
  built on first use, and its dry-run (:mod:`novanet.manager.autoalloc`).
  ``none`` needs no collaborator: nothing at all happens.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from novanet import exception, model
from novanet.conf import CONF
from novanet.context import RequestContext, get_admin_context
from novanet.db import api as db
from novanet.db.models import Network, VirtualInterface, utcnow
from novanet.drivers.base import DhcpHost, NetworkDriver
from novanet.drivers.switch import load_switch
from novanet.manager import create, specs
from novanet.manager.autoalloc.allocator import AutoAllocator
from novanet.manager.checks import check_address, check_uuid, generate_mac
from novanet.manager.dns import DnsService
from novanet.manager.networks import NetworkAdmin
from novanet.manager.nw_info import Flavor, NetworkInfoService
from novanet.manager.peers import PeerAPI
from novanet.manager.plumbing import HostPlumbing
from novanet.manager.queries import Queries
from novanet.manager.routing import LocalRouting
from novanet.manager.strategy import FlatNetworks, NetworkStrategy, VlanNetworks
from novanet.providers.host import ManagerNodeHost
from novanet.providers.service import BaremetalNetworks
from novanet.types import InstanceInfo, NetworkChoice, RequestedNetwork, RequestedNetworks

LOG = logging.getLogger(__name__)

T = TypeVar("T")

#: ``notify(context, event_type, payload)``; oslo.messaging's Notifier fits.
Notifier = Callable[[RequestContext, str, dict[str, Any]], None]


def _no_notifications(context: RequestContext, event_type: str, payload: dict[str, Any]) -> None:
    LOG.debug("notification %s %s", event_type, payload)


class NetworkManager:
    """Common logic of the Flat, FlatDHCP and Vlan managers.

    :param host: this host's name (default: the ``host`` option).
    :param driver: the host driver.
    :param peers: how to reach other network hosts over RPC; None means
        this process is alone and does everything itself.
    :param notifier: where floating IP notifications go.
    """

    #: Entry point name of the manager (``network_manager`` option).
    NAME: ClassVar[str] = "base"
    SHOULD_CREATE_BRIDGE: ClassVar[bool] = False
    SHOULD_CREATE_VLAN: ClassVar[bool] = False
    DHCP: ClassVar[bool] = False
    #: Deallocated addresses wait for their lease to time out (no DHCP: freed at once).
    timeout_fixed_ips: ClassVar[bool] = True
    required_create_args: ClassVar[tuple[str, ...]] = ()
    #: The collaborators a manager class is made of.
    STRATEGY: ClassVar[type[FlatNetworks] | type[VlanNetworks]] = FlatNetworks
    ROUTING: ClassVar[type[LocalRouting]] = LocalRouting
    PLUMBING: ClassVar[type[HostPlumbing]] = HostPlumbing
    QUERIES: ClassVar[type[Queries]] = Queries

    def __init__(self, host: str | None, driver: NetworkDriver, peers: PeerAPI | None = None,
                 notifier: Notifier | None = None) -> None:
        self.host: str = host or CONF.host
        self.peers = peers
        self.notify: Notifier = notifier or _no_notifications
        #: Where new MACs come from (a seam for tests).
        self.generate_mac: Callable[[], str] = generate_mac
        self.strategy: NetworkStrategy = self.STRATEGY()
        self.routing = self.ROUTING(self.host)
        self.plumbing = self.PLUMBING(self.host, driver, Flavor.of(type(self)))
        self.queries = self.QUERIES()
        self.nw_info = NetworkInfoService(Flavor.of(type(self)), self.host)
        self.dns = DnsService()
        self.networks = NetworkAdmin(self.create_rules(), self.host, self.plumbing)
        self.auto = AutoAllocator(self.host, self.strategy, self.create_rules(), self.plumbing)
        self._baremetal: BaremetalNetworks | None = None
        self._baremetal_lock = threading.Lock()

    @property
    def baremetal(self) -> BaremetalNetworks:
        """The baremetal nodes' network providers (novanet.providers), built on
        first use: the switch driver loads then, so a host without nodes
        never needs one.

        :raises InvalidConfig: ``[baremetal] switch_driver`` cannot be loaded.
        """
        with self._baremetal_lock:
            if self._baremetal is None:
                switch = load_switch(CONF.baremetal.switch_driver, CONF)
                self._baremetal = BaremetalNetworks(ManagerNodeHost(self, switch))
            return self._baremetal

    @classmethod
    def create_rules(cls) -> create.ManagerRules:
        """What this manager class adds to network creation (no instance needed)."""
        return cls.STRATEGY.create_rules(cls.NAME, cls.required_create_args)

    def _peer_hosts(self, host: str | None) -> PeerAPI | None:
        """Who to ask for work on ``host``: None when this host does it (or works alone)."""
        return None if host is None or host == self.host else self.peers

    # -- get me a network -------------------------------------------------------------

    def get_auto_allocated_network(self, context: RequestContext, project_id: str,
                                   dry_run: bool = False) -> dict[str, str]:
        """The project's network for ``auto`` (built if need be), or only the checks (``dry_run``)."""
        if dry_run:
            return self.auto.dry_run(project_id)
        return {"id": self.auto.get_or_build(project_id).uuid, "project_id": project_id}

    def delete_auto_allocated_network(self, context: RequestContext, project_id: str) -> str | None:
        """Remove the project's auto-allocated network here, or on the host that serves it."""
        host = self.auto.network_host(project_id)
        peers = self._peer_hosts(host)
        if peers is not None and host is not None:
            return peers.delete_auto_allocated_network(context, project_id, host=host)
        deleted = self.auto.delete(project_id)
        return deleted.uuid if deleted is not None else None

    def validate_networks(self, context: RequestContext, networks: RequestedNetworks) -> None:
        """Boot-time check: requested addresses, or for ``auto`` the dry-run of the caller's project.

        :raises AutoAllocationFailure, NetworkAmbiguous: ``auto`` could not give a network.
        """
        if networks is NetworkChoice.NONE:
            return
        if networks is NetworkChoice.AUTO:
            if not context.project_id:
                raise exception.InvalidRequest(reason="validating networks 'auto' needs a project in the context")
            self.auto.dry_run(context.project_id)
            return
        self.queries.validate_networks(context, networks)

    # -- allocation -------------------------------------------------------------------

    def allocate_for_instance(self, context: RequestContext, instance: InstanceInfo, rxtx_factor: float | None,
                              vpn: bool, requested_networks: RequestedNetworks,
                              macs: list[str] | None) -> model.NetworkInfo:
        """Give the instance a VIF and an address on each of its networks.

        On the common path (networks allocated here, MACs generated) each
        network costs one store transaction that records the instance, its
        VIF and its address together. ``none``: nothing at all; ``auto``: the
        project's one network, made on first use (``self.auto``).
        """
        check_uuid(instance.uuid, "instance uuid")
        if requested_networks is NetworkChoice.NONE:
            return model.NetworkInfo(vifs=())
        started = utcnow()
        if requested_networks is NetworkChoice.AUTO:
            if not instance.project_id:
                raise exception.InvalidRequest(reason="networks 'auto' needs the instance's project_id")
            networks = [self.auto.network_for_instance(instance.project_id)]
            requested_networks = None
        else:
            networks = self.strategy.networks_for_instance(instance, requested_networks)
        addresses = {r.network_id: check_address(r.address)
                     for r in requested_networks or () if r.network_id and r.address}
        tags = {r.network_id: r.tag for r in requested_networks or () if r.network_id and r.tag}
        if macs is not None:
            # Supplied MACs (baremetal, some hypervisors): make the VIFs first.
            db.instance_ensure(instance.uuid, **instance.recorded_fields())
            self.ensure_vifs(instance, networks, requested_networks, macs)
        done: list[str] = []
        try:
            for network in networks:
                host = self.routing.fixed_ip_host(network, instance.host)
                peers = self._peer_hosts(host)
                if peers is None:
                    allocation = self.allocate_fixed_ip(context, instance.uuid, network, addresses.get(network.uuid),
                                                        vpn, instance=instance, tag=tags.get(network.uuid))
                    got = allocation.address if allocation is not None else None
                else:
                    got = self._allocate_remotely(context, peers, host, instance, network,
                                                  addresses.get(network.uuid), vpn, tags.get(network.uuid))
                if got:
                    done.append(got)
        except Exception:
            LOG.warning("Allocation for instance %s failed; undoing what this request made", instance.uuid)
            self._undo_allocation(context, instance, done, started)
            raise
        if CONF.update_dns_entries and self.peers is not None:
            self.peers.update_dns(context, [n.id for n in networks])
        return self.nw_info.for_instance(instance.uuid, instance.project_id, instance.host, rxtx_factor)

    def allocate_fixed_ip(self, context: RequestContext, instance_uuid: str, network: Network,
                          address: str | None = None, vpn: bool = False, instance: InstanceInfo | None = None,
                          tag: str | None = None, reuse: bool = True) -> db.Allocation | None:
        """Claim an address of ``network`` for the instance here and serve it.

        :param instance: the caller's view of the instance, recorded in the
            same transaction (None: it is known to the store already).
        :param reuse: an address the instance's VIF holds already is the
            answer (a retried request); False adds another one (multinic).
        :returns: the allocation, or None for a network without IPv4.
        """
        fields: dict[str, Any] | None
        if instance is None:
            row = db.instance_get_by_uuid(instance_uuid)
            instance = InstanceInfo(uuid=row.uuid, project_id=row.project_id, host=row.host,
                                    hostname=row.hostname, display_name=row.display_name,
                                    availability_zone=row.availability_zone)
            fields = None
        else:
            fields = instance.recorded_fields()
        if not network.cidr:
            if fields is not None:
                db.instance_ensure(instance_uuid, **fields)
            if db.virtual_interface_get_by_instance_and_network(instance_uuid, network.id) is None:
                self.create_vif(instance_uuid, network, None, tag)
            return None
        quota = self.strategy.fixed_ip_quota()
        if quota is not None and instance.project_id and db.fixed_ip_count_by_project(instance.project_id) >= quota:
            raise exception.FixedIpLimitExceeded()
        claim = self.strategy.address_to_claim(network, address, vpn)
        if self.DHCP and network.enable_dhcp:
            # The host side first: a multi_host host takes its own address
            # before its first instance does.
            self.plumbing.ensure_ready(network)
        allocation = self._with_new_mac(None, lambda mac: db.allocate_for_instance(
            network.id, instance_uuid, mac, str(uuidlib.uuid4()), instance=fields, tag=tag, address=claim.address,
            reserved=claim.reserved, network_uuid=network.uuid, reuse=reuse))
        address, vif = allocation.address, allocation.vif
        try:
            if not allocation.reused and quota is not None and instance.project_id:
                # Concurrent allocations may both have passed the check: recheck.
                if db.fixed_ip_count_by_project(instance.project_id) > quota:
                    raise exception.FixedIpLimitExceeded()
            self.dns.add_instance_entries(instance, address)
            self.plumbing.add_dhcp_host(network, DhcpHost(
                mac=vif.address.lower(), address=address, hostname=specs.hostname_for(instance.hostname, address),
                vif_uuid=vif.uuid, default_route=allocation.first_vif))
        except Exception:
            if not allocation.reused:
                db.fixed_ip_disassociate(address, network.id)
                self.dns.delete_instance_entries(instance, address)
            raise
        if not allocation.reused:
            LOG.info("Allocated %s on network %s to instance %s", address, network.uuid, instance_uuid)
        return allocation

    def rpc_allocate_fixed_ip(self, context: RequestContext, instance_uuid: str, network_id: int,
                              address: str | None, vpn: bool) -> str | None:
        """Another host asks this one (the network's serving host) for a(nother) address."""
        network = db.network_get(int(network_id))
        allocation = self.allocate_fixed_ip(context, check_uuid(instance_uuid, "instance_id"), network,
                                            address=address, vpn=bool(vpn), reuse=False)
        return allocation.address if allocation is not None else None

    def _allocate_remotely(self, context: RequestContext, peers: PeerAPI, host: str, instance: InstanceInfo,
                           network: Network, address: str | None, vpn: bool, tag: str | None) -> str | None:
        # The serving host finds the instance and its VIF in the store.
        db.instance_ensure(instance.uuid, **instance.recorded_fields())
        vif = db.virtual_interface_get_by_instance_and_network(instance.uuid, network.id)
        if vif is None:
            self.create_vif(instance.uuid, network, None, tag)
        else:
            held = [r.address for r in db.fixed_ip_get_by_instance(instance.uuid)
                    if r.virtual_interface_id == vif.id and r.allocated]
            if held:
                return held[0]  # a retried request: this network is done already
        LOG.debug("Allocating on %s for network %s", host, network.uuid)
        return peers.rpc_allocate_fixed_ip(context, host, instance.uuid, network.id, address, vpn)

    def _undo_allocation(self, context: RequestContext, instance: InstanceInfo, done: list[str],
                         started: datetime.datetime) -> None:
        for address in done:
            try:
                self.deallocate_fixed_ip(context, address, instance.host, instance)
            except Exception:
                LOG.exception("Could not undo the allocation of %s", address)
        held = {row.virtual_interface_id for row in db.fixed_ip_get_by_instance(instance.uuid) if row.allocated}
        for vif in db.virtual_interface_get_by_instance(instance.uuid):
            if vif.created_at >= started and vif.id not in held:
                db.virtual_interface_delete(vif.id)

    def add_fixed_ip_to_instance(self, context: RequestContext, instance_uuid: str, host: str | None,
                                 network_id: int | str, rxtx_factor: float | None = None) -> model.NetworkInfo:
        """One more address for the instance, on ``network_id`` (multinic)."""
        instance_uuid = check_uuid(instance_uuid, "instance_id")
        try:
            network = db.network_get(int(network_id))
        except (TypeError, ValueError):
            network = db.network_get_by_uuid(check_uuid(network_id, "network_id"))
        row = db.instance_get_by_uuid(instance_uuid)
        instance = InstanceInfo(uuid=row.uuid, project_id=row.project_id, host=host or row.host,
                                hostname=row.hostname, display_name=row.display_name)
        self.ensure_vifs(instance, [network], None, None)
        serving = self.routing.fixed_ip_host(network, instance.host)
        peers = self._peer_hosts(serving)
        if peers is None:
            self.allocate_fixed_ip(context, instance.uuid, network, reuse=False)
        else:
            # nova-network's _rpc_allocate_fixed_ip adds an address (multinic).
            peers.rpc_allocate_fixed_ip(context, serving, instance.uuid, network.id, None, False)
        return self.nw_info.get_instance_nw_info(context, instance_uuid, rxtx_factor, instance.host)

    # -- interfaces (MACs) --------------------------------------------------------------

    def ensure_vifs(self, instance: InstanceInfo, networks: list[Network], requested: list[RequestedNetwork] | None,
                    macs: list[str] | None) -> tuple[dict[int, VirtualInterface], list[int]]:
        """One VIF per network (reusing the instance's existing ones).

        :returns: VIFs by network id, and the ids of the ones created now.
        :raises VirtualInterfaceCreateException: the supplied MACs ran out.
        :raises VirtualInterfaceMacAddressException: no unique MAC was found.
        """
        supplied = [m.lower() for m in macs] if macs is not None else None
        tags = {r.network_id: r.tag for r in requested or () if r.network_id}
        vifs: dict[int, VirtualInterface] = {}
        created: list[int] = []
        for network in networks:
            vif = db.virtual_interface_get_by_instance_and_network(instance.uuid, network.id)
            if vif is None:
                vif = self.create_vif(instance.uuid, network, supplied, tags.get(network.uuid))
                created.append(vif.id)
            vifs[network.id] = vif
        return vifs, created

    def create_vif(self, instance_uuid: str, network: Network, supplied: list[str] | None,
                   tag: str | None) -> VirtualInterface:
        """A VIF on ``network`` with the next supplied MAC, or a new unique one."""
        return self._with_new_mac(supplied, lambda mac: db.virtual_interface_create(
            instance_uuid, network.id, mac, str(uuidlib.uuid4()), tag))

    def _with_new_mac(self, supplied: list[str] | None, create_with: Callable[[str], T]) -> T:
        """``create_with(mac)`` with the next supplied MAC, or with generated ones until one is unique.

        :raises VirtualInterfaceCreateException: the supplied MACs ran out.
        :raises MacAddressInUse: a supplied MAC is taken.
        :raises VirtualInterfaceMacAddressException: no unique MAC in
            ``create_unique_mac_address_attempts`` tries.
        """
        if supplied is not None:
            if not supplied:
                raise exception.VirtualInterfaceCreateException()
            return create_with(supplied.pop(0))
        for attempt in range(CONF.create_unique_mac_address_attempts):
            mac = self.generate_mac()
            try:
                return create_with(mac)
            except exception.MacAddressInUse:
                LOG.debug("MAC %s is taken (attempt %d); trying another", mac, attempt + 1)
        raise exception.VirtualInterfaceMacAddressException()

    # -- deallocation -----------------------------------------------------------------

    def deallocate_for_instance(self, context: RequestContext, instance: InstanceInfo,
                                requested_networks: RequestedNetworks = None) -> None:
        """Take the instance's addresses back (all, or those named); twice is harmless.

        ``none`` had nothing; ``auto`` gives back everything (the network stays).
        """
        check_uuid(instance.uuid, "instance uuid")
        if requested_networks is NetworkChoice.NONE:
            return
        if requested_networks is NetworkChoice.AUTO:
            requested_networks = None
        named = [r.address for r in requested_networks or () if r.address]
        rows = db.fixed_ip_get_by_instance(instance.uuid)
        addresses = [r.address for r in rows if not named or r.address in named]
        host = instance.host or self._instance_host(instance.uuid)
        for address in addresses:
            self.deallocate_fixed_ip(context, address, host, instance)
        if CONF.update_dns_entries and self.peers is not None:
            self.peers.update_dns(context, sorted({r.network_id for r in rows}))
        if not named:
            db.virtual_interface_delete_by_instance(instance.uuid)
        LOG.info("Deallocated %d address(es) of instance %s", len(addresses), instance.uuid)

    @staticmethod
    def _instance_host(instance_uuid: str) -> str | None:
        try:
            return db.instance_get_by_uuid(instance_uuid, read_deleted=True).host
        except exception.InstanceNotFound:
            return None

    def deallocate_fixed_ip(self, context: RequestContext, address: str, host: str | None,
                            instance: InstanceInfo | None = None) -> None:
        """Give the address back on the host the routing names (a peer, or here)."""
        address = check_address(address)
        try:
            row = db.fixed_ip_get_by_address(address)
        except exception.FixedIpNotFoundForAddress:
            self.deallocate_fixed_ip_local(context, address, instance)
            return
        target, reachable = self.routing.deallocation_host(db.network_get(row.network_id), host)
        peers = self._peer_hosts(target)
        if not reachable:
            LOG.warning("Host %s is down: deallocating %s in the store only", target, address)
            self.deallocate_fixed_ip_local(context, address, instance, teardown=False)
        elif peers is None:
            self.deallocate_fixed_ip_local(context, address, instance, teardown=True)
        else:
            peers.deallocate_fixed_ip(context, target, address, instance)

    def deallocate_fixed_ip_local(self, context: RequestContext, address: str, instance: InstanceInfo | None,
                                  teardown: bool = True) -> None:
        """Give the address back here: the fact, the DHCP entry, the lease."""
        address = check_address(address)
        try:
            row = db.fixed_ip_get_by_address(address)
        except exception.FixedIpNotFoundForAddress:
            LOG.info("Deallocating %s: no such address any more", address)
            return
        if row.instance_uuid is None or (instance is not None and row.instance_uuid != instance.uuid):
            LOG.info("Deallocating %s: it is not %s's any more", address,
                     instance.uuid if instance else "an instance")
            return
        network = db.network_get(row.network_id)
        owner = db.instance_get_by_uuid(row.instance_uuid, read_deleted=True)
        vif = db.virtual_interface_get(row.virtual_interface_id) if row.virtual_interface_id else None
        self.dns.delete_instance_entries(owner, address)
        db.fixed_ip_deallocate(address, network.id, owner.uuid)
        if teardown and vif is not None:
            entry = DhcpHost(mac=vif.address.lower(), address=address,
                             hostname=specs.hostname_for(owner.hostname, address), vif_uuid=vif.uuid)
            self.plumbing.remove_dhcp_host(network, entry, release=CONF.force_dhcp_release)
        # Never leased (or the release came back already): free it now. A
        # leased address waits for dnsmasq's release or the timeout task.
        if db.fixed_ip_disassociate(address, network.id, owner.uuid, only_if_unleased=True):
            LOG.info("Freed %s of network %s", address, network.uuid)

    def remove_fixed_ip_from_instance(self, context: RequestContext, instance_uuid: str, host: str | None,
                                      address: str, rxtx_factor: float | None = None) -> model.NetworkInfo:
        """Take one address back (multinic); the VIF goes with its last address."""
        instance_uuid = check_uuid(instance_uuid, "instance_id")
        address = check_address(address)
        fixed = next((r for r in db.fixed_ip_get_by_instance(instance_uuid) if r.address == address), None)
        if fixed is None:
            raise exception.FixedIpNotFoundForSpecificInstance(instance_uuid=instance_uuid, ip=address)
        row = db.instance_get_by_uuid(instance_uuid)
        instance = InstanceInfo(uuid=row.uuid, project_id=row.project_id, host=host or row.host)
        self.deallocate_fixed_ip(context, address, instance.host, instance)
        vif_id = fixed.virtual_interface_id
        if vif_id is not None and not any(r.virtual_interface_id == vif_id and r.allocated
                                          for r in db.fixed_ip_get_by_instance(instance_uuid)):
            db.virtual_interface_delete(vif_id)  # its last address is gone: so is the NIC
        return self.nw_info.get_instance_nw_info(context, instance_uuid, rxtx_factor, instance.host)

    # -- DHCP leases ------------------------------------------------------------------

    def lease_fixed_ip(self, context: RequestContext, address: str, mac: str | None = None) -> None:
        """dnsmasq leased ``address`` (to ``mac``)."""
        row = db.fixed_ip_get_by_address(check_address(address))
        outcome = db.fixed_ip_lease(row.address, row.network_id, mac)
        log = LOG.info if outcome is db.LeaseOutcome.LEASED else LOG.warning
        log("Lease of %s to %s: %s", row.address, mac or "?", outcome.value)

    def release_fixed_ip(self, context: RequestContext, address: str, mac: str | None = None) -> None:
        """dnsmasq released ``address`` (held by ``mac``)."""
        row = db.fixed_ip_get_by_address(check_address(address))
        outcome = db.fixed_ip_release(row.address, row.network_id, mac)
        log = LOG.warning if outcome in (db.LeaseOutcome.FOREIGN, db.LeaseOutcome.UNASSOCIATED) else LOG.info
        log("Release of %s by %s: %s", row.address, mac or "?", outcome.value)

    def release_dhcp(self, context: RequestContext, dev: str, address: str, vif_address: str) -> None:
        """End a lease on this host's dnsmasq (nova-network 1.17)."""
        row = db.fixed_ip_get_by_address(check_address(address))
        self.plumbing.release_dhcp(db.network_get(row.network_id), row.address, str(vif_address), dev)

    # -- the host ---------------------------------------------------------------------

    def init_host(self) -> None:
        """Rebuild this host from the store (daemon start), then put the
        baremetal nodes' switch ports back where the store says."""
        self.plumbing.init_host()
        if db.baremetal_nodes_exist():
            try:
                moved = self.baremetal.reconcile()
            except exception.NovanetError as error:
                LOG.error("Baremetal switch ports were not reconciled: %s", error)
            else:
                if moved:
                    LOG.warning("Moved %d switch port(s) back: %s", len(moved), "; ".join(moved))

    def setup_networks_on_host(self, context: RequestContext, instance: InstanceInfo | None,
                               instance_id: int | str | None, host: str | None, teardown: bool) -> None:
        """Make (or unmake) the instance's networks on ``host``, wherever they are served."""
        if instance is not None:
            uuid = instance.uuid
        elif isinstance(instance_id, int) or (isinstance(instance_id, str) and instance_id.isdigit()):
            uuid = db.instance_get_by_id(int(instance_id)).uuid
        elif instance_id is not None:
            uuid = check_uuid(instance_id, "instance_id")
        else:
            raise exception.InvalidRequest(reason="setup_networks_on_host needs instance or instance_id")
        for vif in db.virtual_interface_get_by_instance(uuid):
            if vif.network_id is None:
                continue
            network = db.network_get(vif.network_id)
            target = host if network.multi_host else network.host
            peers = self._peer_hosts(target)
            if peers is None or target is None:
                self.plumbing.setup_network_on_host(context, network.id, teardown)
            else:
                peers.rpc_setup_network_on_host(context, target, network.id, teardown)

    _last_dns_update = 0.0

    def run_periodic_tasks(self, context: RequestContext | None = None) -> None:
        """Free addresses whose lease cannot return; drop unused VIFs; refresh DNS."""
        context = context or get_admin_context()
        now = utcnow()
        if self.timeout_fixed_ips:
            freed = db.fixed_ip_disassociate_all_by_timeout(
                self.host,
                now - datetime.timedelta(seconds=CONF.fixed_ip_disassociate_timeout),
                now - datetime.timedelta(seconds=CONF.dhcp_lease_time),
            )
            if freed:
                LOG.info("Freed %d deallocated address(es) whose lease cannot return", freed)
        unused = db.virtual_interface_delete_unused(
            now - datetime.timedelta(seconds=max(CONF.fixed_ip_disassociate_timeout, 60)))
        if unused:
            LOG.info("Removed %d interface(s) that held no address", unused)
        self.plumbing.periodic_tasks()
        interval = CONF.dns_update_periodic_interval
        if interval >= 0 and time.monotonic() - self._last_dns_update >= interval:
            self._last_dns_update = time.monotonic()
            self.plumbing.update_dns(context, [n.id for n in db.network_get_all_by_host(self.host) if n.multi_host])
