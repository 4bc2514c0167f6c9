"""NetworkManager: giving instances their addresses, and taking them back.

Theory of operation
-------------------
``allocate_for_instance`` picks the instance's networks, gives it one VIF
(MAC) per network, then one fixed IP per network on the host that serves
that network (here; ``RPCAllocateFixedIP`` routes it), and answers with the
instance's network_info. Each fixed IP is one store transaction; only then is
the host told (one DHCP entry, no reload). If any network fails, what this
call created is undone, so a caller never sees half an allocation.

``deallocate_fixed_ip`` marks the address unallocated, removes its DHCP
entry so the lease cannot be renewed, ends the lease (``dhcp_release``) and
frees the address at once if dnsmasq never leased it; otherwise the release
callback or the timeout task frees it (see :mod:`novanet.db.leases`).

Managers decide; they never run commands or SQL themselves.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from typing import Any

from novanet import exception, model
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db.models import Network, VirtualInterface, utcnow
from novanet.drivers.base import DhcpHost
from novanet.manager import create, nw_info, specs
from novanet.manager.autoalloc.allocator import AutoAllocator
from novanet.manager.autoalloc.host import ManagerHost
from novanet.manager.queries import LegacyQueries, row_dict
from novanet.manager.types import InstanceInfo, NetworkChoice, RequestedNetwork, RequestedNetworks
from novanet.rpc.context import RequestContext, get_admin_context

LOG = logging.getLogger(__name__)


class NetworkManager(LegacyQueries):
    """Common logic of the Flat, FlatDHCP and Vlan managers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: ``auto`` requested networks: the project's one network, built on first use.
        self.auto = AutoAllocator(self.host, self.create_rules(), ManagerHost(self))

    # -- get me a network ----------------------------------------------------------

    def get_auto_allocated_network(self, context: RequestContext, project_id: str,
                                   dry_run: bool = False) -> dict[str, Any]:
        """The project's network for ``auto`` (built if need be), or only the checks (``dry_run``)."""
        if dry_run:
            return self.auto.dry_run(project_id)
        return {"id": self.auto.get_or_build(project_id).uuid, "project_id": project_id}

    def delete_auto_allocated_network(self, context: RequestContext, project_id: str) -> str | None:
        """Remove the project's auto-allocated network here, or on the host that serves it."""
        host = self.auto.network_host(project_id)
        if host is not None and host != self.host and self.peers is not None:
            return self.peers.delete_auto_allocated_network(context, project_id, host=host)
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
        super().validate_networks(context, networks)

    def resolve_auto(self, instance: InstanceInfo, requested: RequestedNetworks) -> list[RequestedNetwork] | None:
        """``auto`` becomes the project's one network (made if need be); lists pass through."""
        if requested is NetworkChoice.AUTO:
            if not instance.project_id:
                raise exception.InvalidRequest(reason="networks 'auto' needs the instance's project_id")
            return [RequestedNetwork(self.auto.network_for_instance(instance.project_id).uuid)]
        assert requested is not NetworkChoice.NONE
        return requested

    # -- creating and deleting networks ---------------------------------------

    @classmethod
    def create_rules(cls) -> create.ManagerRules:
        return create.ManagerRules(name=cls.NAME, required=cls.required_create_args)

    @staticmethod
    def create_defaults() -> create.Defaults:
        return create.Defaults(
            num_networks=CONF.num_networks, network_size=CONF.network_size, multi_host=CONF.multi_host,
            flat_network_bridge=CONF.flat_network_bridge, flat_interface=CONF.flat_interface,
            vlan_interface=CONF.vlan_interface, flat_network_dns=CONF.flat_network_dns,
            vlan_start=CONF.vlan_start, vpn_start=CONF.vpn_start, cnt_vpn_clients=CONF.cnt_vpn_clients,
            share_dhcp_address=CONF.share_dhcp_address, flat_injected=CONF.flat_injected,
        )

    def create_networks(self, **kwargs: Any) -> list[Network]:
        """Create networks with this manager's rules (nova-manage's arguments).

        Nothing is written unless every network of the request can be made.
        """
        networks = db.network_get_all()
        existing = create.Existing(
            cidrs=[n.cidr for n in networks if n.cidr],
            cidrs_v6=[n.cidr_v6 for n in networks if n.cidr_v6],
            vlans=frozenset(n.vlan for n in networks if n.vlan is not None),
            bridges=frozenset(n.bridge for n in networks if n.bridge),
            count=len(networks),
        )
        plans = create.plan_networks(kwargs, self.create_rules(), self.create_defaults(), existing)
        created = db.networks_create(plans)
        for network in created:
            LOG.info("Created network %s (%s, %s) with bridge %s", network.uuid, network.label,
                     network.cidr or network.cidr_v6, network.bridge)
        return created

    def find_network(self, uuid: str | None = None, fixed_range: str | None = None) -> Network:
        """A network by uuid (preferred) or by its IPv4/IPv6 CIDR."""
        if uuid:
            return db.network_get_by_uuid(uuid)
        if fixed_range:
            import netaddr

            try:
                cidr = str(netaddr.IPNetwork(fixed_range).cidr)
            except (netaddr.AddrFormatError, ValueError):
                raise exception.InvalidCidr(cidr=fixed_range)
            return db.network_get_by_cidr(cidr)
        raise exception.InvalidInput(reason="give the network's uuid or its fixed range")

    def delete_network(self, fixed_range: str | None = None, uuid: str | None = None,
                       require_disassociated: bool = True) -> Network:
        """Delete an unused network (and its host side here, if any)."""
        network = self.find_network(uuid=uuid, fixed_range=fixed_range)
        if require_disassociated and network.project_id is not None:
            raise exception.NetworkHasProject(project_id=network.project_id)
        db.network_delete_safe(network.id)
        if network.id in self._ready:
            self.driver.remove_network(self.spec_for(network, claim=False))
            self.forget_network(network.id)
        LOG.info("Deleted network %s (%s)", network.uuid, network.cidr or network.cidr_v6)
        return network

    def create_networks_rpc(self, context: RequestContext, **kwargs: Any) -> list[dict[str, Any]]:
        return [row_dict(n) for n in self.create_networks(**kwargs)]

    def delete_network_rpc(self, context: RequestContext, uuid: str | None, fixed_range: str | None) -> None:
        self.delete_network(fixed_range=fixed_range, uuid=uuid)

    def add_network_to_project(self, context: RequestContext, project_id: str, network_uuid: str | None) -> None:
        raise exception.InvalidRequest(reason=f"add_network_to_project needs the VLAN manager, not {self.NAME}")

    def associate(self, context: RequestContext, network_uuid: str, associations: dict[str, Any]) -> None:
        """nova-network's legacy host/project association of a network."""
        network = db.network_get_by_uuid(self.check_uuid(network_uuid, "network_uuid"))
        if "host" in associations:
            if associations["host"] is None:
                db.network_disassociate(network.id, disassociate_host=True, disassociate_project=False)
            else:
                db.network_update(network.id, {"host": self.host})
        if "project" in associations:
            if associations["project"] is None:
                db.network_disassociate(network.id, disassociate_host=False, disassociate_project=True)
            else:
                db.network_associate(str(associations["project"]), network.id)

    # -- which networks, which MACs ------------------------------------------------

    def record_instance(self, instance: InstanceInfo) -> None:
        self.check_uuid(instance.uuid, "instance uuid")
        db.instance_ensure(instance.uuid, project_id=instance.project_id, user_id=instance.user_id,
                           host=instance.host, launched_on=instance.launched_on or instance.host,
                           hostname=instance.hostname, display_name=instance.display_name,
                           availability_zone=instance.availability_zone)

    def networks_for_instance(self, context: RequestContext, instance: InstanceInfo,
                              requested: list[RequestedNetwork] | None) -> list[Network]:
        """Flat managers: the requested networks in order, else every non-VLAN network."""
        wanted = [r.network_id for r in requested or () if r.network_id]
        if wanted:
            networks = db.networks_get_by_uuids(wanted, instance.project_id, project_only="allow_none")
        else:
            networks = self.all_networks()
        return [n for n in networks if n.vlan is None]

    def all_networks(self) -> list[Network]:
        """Every live network, re-read only when one changed (checked each time).

        NOTE(performance): every allocation without requested networks asks
        this; one cheap (count, max(updated_at)) query replaces loading every
        network, and every change to a network sets its updated_at.
        """
        version = db.networks_version()
        with self._lock:
            cached = self._networks_cache
            if cached is not None and cached[0] == version:
                return list(cached[1])
        networks = db.network_get_all()
        with self._lock:
            self._networks_cache = (version, networks)
        return list(networks)

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
        import uuid as uuidlib

        attempts = CONF.create_unique_mac_address_attempts
        for _ in range(attempts):
            if supplied is not None:
                if not supplied:
                    raise exception.VirtualInterfaceCreateException()
                mac = supplied.pop(0)
            else:
                mac = self.generate_mac()
            try:
                return db.virtual_interface_create(instance_uuid, network.id, mac, str(uuidlib.uuid4()), tag)
            except exception.MacAddressInUse:
                if supplied is not None:
                    raise
                LOG.debug("MAC %s is taken, trying another", mac)
        raise exception.VirtualInterfaceMacAddressException()

    # -- allocation -------------------------------------------------------------------

    def allocate_for_instance(self, context: RequestContext, instance: InstanceInfo, rxtx_factor: float | None,
                              vpn: bool, requested_networks: RequestedNetworks,
                              macs: list[str] | None) -> model.NetworkInfo:
        """Give the instance a VIF and an address on each of its networks.

        On the common path (networks served here, MACs generated) each
        network costs one store transaction that records the instance, its
        VIF and its address together. ``none``: nothing at all; ``auto``: the
        project's one network, made on first use (:mod:`.autoalloc`).
        """
        self.check_uuid(instance.uuid, "instance uuid")
        if requested_networks is NetworkChoice.NONE:
            return model.NetworkInfo(vifs=())
        requested_networks = self.resolve_auto(instance, requested_networks)
        started = utcnow()
        networks = self.networks_for_instance(context, instance, requested_networks)
        addresses = {r.network_id: self.check_address(r.address)
                     for r in requested_networks or () if r.network_id and r.address}
        tags = {r.network_id: r.tag for r in requested_networks or () if r.network_id and r.tag}
        if macs is not None:
            # Supplied MACs (baremetal, some hypervisors): make the VIFs first.
            self.record_instance(instance)
            self.ensure_vifs(instance, networks, requested_networks, macs)
        done: list[str] = []
        allocations: list[tuple[Network, db.Allocation | None]] = []
        try:
            for network in networks:
                host = self.allocation_host(context, network, instance.host)
                if host is None or host == self.host or self.peers is None:
                    allocation = self.allocate_here(context, instance.uuid, network, addresses.get(network.uuid),
                                                    vpn, instance=instance, tag=tags.get(network.uuid))
                    allocations.append((network, allocation))
                    got = allocation.address if allocation is not None else None
                else:
                    allocations.append((network, None))
                    got = self.allocate_remotely(context, host, instance, network, addresses.get(network.uuid), vpn,
                                                 tags.get(network.uuid))
                if got:
                    done.append(got)
        except Exception:
            LOG.warning("Allocation for instance %s failed; undoing what this request made", instance.uuid)
            self._undo_allocation(context, instance, done, started)
            raise
        if CONF.update_dns_entries and self.peers is not None:
            self.peers.update_dns(context, [n.id for n in networks])
        fresh = bool(allocations) and all(
            a is not None and a.new_vif and not a.reused and n.cidr for n, a in allocations)
        if fresh and allocations[0][1] is not None and allocations[0][1].new_instance:
            # A new instance's network_info is exactly what was just made.
            facts = [db.InstanceFact(vif=db.FactVif(a.vif.id, a.vif.uuid, a.vif.address),
                                     fixed=db.FactFixed(a.fixed_id, a.address), network=n, floating=())
                     for n, a in allocations if a is not None]
            return nw_info.build(facts, instance.project_id, self.nw_info_flavor(),
                                 self._dhcp_server_for(instance.host), rxtx_factor)
        return self.build_nw_info(instance.uuid, instance.project_id, instance.host, rxtx_factor)

    def allocation_host(self, context: RequestContext, network: Network, instance_host: str | None) -> str | None:
        """The host that allocates on ``network``; None: this one (FlatManager)."""
        return None

    def allocate_remotely(self, context: RequestContext, host: str, instance: InstanceInfo, network: Network,
                          address: str | None, vpn: bool, tag: str | None) -> str | None:
        raise NotImplementedError("only RPCAllocateFixedIP managers allocate on other hosts")

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

    def check_fixed_ip_quota(self, project_id: str | None) -> None:
        limit = CONF.quota_fixed_ips
        if limit >= 0 and project_id and db.fixed_ip_count_by_project(project_id) >= limit:
            raise exception.FixedIpLimitExceeded()

    @staticmethod
    def instance_fields(instance: InstanceInfo) -> dict[str, Any]:
        return {"project_id": instance.project_id, "user_id": instance.user_id, "host": instance.host,
                "launched_on": instance.launched_on or instance.host, "hostname": instance.hostname,
                "display_name": instance.display_name, "availability_zone": instance.availability_zone}

    def allocate_fixed_ip(self, context: RequestContext, instance_uuid: str, network: Network,
                          address: str | None = None, vpn: bool = False, instance: InstanceInfo | None = None,
                          tag: str | None = None, reuse: bool = True) -> str | None:
        """Claim an address of ``network`` for the instance here and serve it; the address."""
        allocation = self.allocate_here(context, instance_uuid, network, address, vpn, instance, tag, reuse)
        return allocation.address if allocation is not None else None

    def allocate_here(self, context: RequestContext, instance_uuid: str, network: Network,
                      address: str | None = None, vpn: bool = False, instance: InstanceInfo | None = None,
                      tag: str | None = None, reuse: bool = True) -> db.Allocation | None:
        """Claim an address of ``network`` for the instance here and serve it.

        :param instance: the caller's view of the instance, recorded in the
            same transaction (None: it is known to the store already).
        :param reuse: an address the instance's VIF holds already is the
            answer (a retried request); False adds another one (multinic).
        :returns: the allocation, or None for a network without IPv4.
        """
        import uuid as uuidlib

        fields: dict[str, Any] | None
        if instance is None:
            row = db.instance_get_by_uuid(instance_uuid)
            instance = InstanceInfo(uuid=row.uuid, project_id=row.project_id, host=row.host,
                                    hostname=row.hostname, display_name=row.display_name,
                                    availability_zone=row.availability_zone)
            fields = None
        else:
            fields = self.instance_fields(instance)
        if not network.cidr:
            if fields is not None:
                db.instance_ensure(instance_uuid, **fields)
            if db.virtual_interface_get_by_instance_and_network(instance_uuid, network.id) is None:
                self.create_vif(instance_uuid, network, None, tag)
            return None
        self.check_fixed_ip_quota(instance.project_id)
        address, reserved = self.address_to_claim(network, address, vpn)
        if self.DHCP and network.enable_dhcp:
            # The host side first: a multi_host host takes its own address
            # before its first instance does.
            self.ensure_ready(context, network)
        for attempt in range(CONF.create_unique_mac_address_attempts):
            try:
                allocation = db.allocate_for_instance(
                    network.id, instance_uuid, self.generate_mac(), str(uuidlib.uuid4()), instance=fields, tag=tag,
                    address=address, reserved=reserved, network_uuid=network.uuid, reuse=reuse)
                break
            except exception.MacAddressInUse:
                LOG.debug("Generated MAC is taken (attempt %d); trying another", attempt + 1)
        else:
            raise exception.VirtualInterfaceMacAddressException()
        address, vif = allocation.address, allocation.vif
        try:
            if not allocation.reused and CONF.quota_fixed_ips >= 0 and instance.project_id:
                # Concurrent allocations may both have passed the check: recheck.
                if db.fixed_ip_count_by_project(instance.project_id) > CONF.quota_fixed_ips:
                    raise exception.FixedIpLimitExceeded()
            self.add_instance_dns(instance, address)
            self.add_dhcp_host(context, network, DhcpHost(
                mac=vif.address.lower(), address=address, hostname=specs.hostname_for(instance.hostname, address),
                vif_uuid=vif.uuid, default_route=allocation.first_vif))
        except Exception:
            if not allocation.reused:
                db.fixed_ip_disassociate(address, network.id)
                self.delete_instance_dns(instance, address)
            raise
        if not allocation.reused:
            LOG.info("Allocated %s on network %s to instance %s", address, network.uuid, instance_uuid)
        return allocation

    def address_to_claim(self, network: Network, address: str | None, vpn: bool) -> tuple[str | None, bool]:
        """(requested address or None for the pool, whether its row is a reserved one)."""
        return address, False

    def rpc_allocate_fixed_ip(self, context: RequestContext, instance_uuid: str, network_id: int,
                              address: str | None, vpn: bool) -> str | None:
        """Another host asks this one (the network's host) for a(nother) address."""
        network = db.network_get(int(network_id))
        return self.allocate_fixed_ip(context, self.check_uuid(instance_uuid, "instance_id"), network,
                                      address=address, vpn=bool(vpn), reuse=False)

    def add_instance_dns(self, instance: Any, address: str) -> None:
        if not self.instance_dns_allowed(instance.availability_zone):
            return
        for name in filter(None, (instance.display_name, instance.uuid)):
            try:
                self.instance_dns.create_entry(specs.hostname_for(name, address), address, "A",
                                               CONF.instance_dns_domain)
            except exception.FloatingIpDNSExists:
                LOG.warning("DNS name %s exists already in %s", name, CONF.instance_dns_domain)

    def delete_instance_dns(self, instance: Any, address: str) -> None:
        if not self.instance_dns_allowed(instance.availability_zone):
            return
        for name in filter(None, (instance.display_name, instance.uuid)):
            try:
                self.instance_dns.delete_entry(specs.hostname_for(name, address), CONF.instance_dns_domain)
            except exception.NotFound:
                pass

    # -- deallocation -----------------------------------------------------------------

    def deallocate_for_instance(self, context: RequestContext, instance: InstanceInfo,
                                requested_networks: RequestedNetworks = None) -> None:
        """Take the instance's addresses back (all, or those named); twice is harmless.

        ``none`` had nothing; ``auto`` gives back everything (the network stays).
        """
        self.check_uuid(instance.uuid, "instance uuid")
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
        """Give the address back here (``RPCAllocateFixedIP`` routes it)."""
        self.deallocate_fixed_ip_local(context, address, instance, teardown=True)

    def deallocate_fixed_ip_local(self, context: RequestContext, address: str, instance: InstanceInfo | None,
                                  teardown: bool = True) -> None:
        address = self.check_address(address)
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
        self.delete_instance_dns(owner, address)
        db.fixed_ip_deallocate(address, network.id, owner.uuid)
        if teardown and vif is not None and self.DHCP and network.enable_dhcp:
            entry = DhcpHost(mac=vif.address.lower(), address=address,
                             hostname=specs.hostname_for(owner.hostname, address), vif_uuid=vif.uuid)
            self.remove_dhcp_host(context, network, entry)
            if CONF.force_dhcp_release:
                try:
                    self.driver.release_dhcp(self.spec_for(network, claim=False), address, vif.address)
                except exception.NovanetError as error:
                    LOG.warning("dhcp_release of %s failed: %s", address, error)
        # Never leased (or the release came back already): free it now. A
        # leased address waits for dnsmasq's release or the timeout task.
        if db.fixed_ip_disassociate(address, network.id, owner.uuid, only_if_unleased=True):
            LOG.info("Freed %s of network %s", address, network.uuid)

    # -- multinic -------------------------------------------------------------------

    def add_fixed_ip_to_instance(self, context: RequestContext, instance_uuid: str, host: str | None,
                                 network_id: int | str, rxtx_factor: float | None = None) -> model.NetworkInfo:
        instance_uuid = self.check_uuid(instance_uuid, "instance_id")
        try:
            network = db.network_get(int(network_id))
        except (TypeError, ValueError):
            network = db.network_get_by_uuid(self.check_uuid(network_id, "network_id"))
        row = db.instance_get_by_uuid(instance_uuid)
        instance = InstanceInfo(uuid=row.uuid, project_id=row.project_id, host=host or row.host,
                                hostname=row.hostname, display_name=row.display_name)
        self.ensure_vifs(instance, [network], None, None)
        self.add_fixed_ip_on_host(context, instance, network)
        return self.get_instance_nw_info(context, instance_uuid, rxtx_factor, instance.host)

    def add_fixed_ip_on_host(self, context: RequestContext, instance: InstanceInfo, network: Network) -> str | None:
        """One more address for the instance's VIF on ``network`` (multinic)."""
        return self.allocate_fixed_ip(context, instance.uuid, network, reuse=False)

    def remove_fixed_ip_from_instance(self, context: RequestContext, instance_uuid: str, host: str | None,
                                      address: str, rxtx_factor: float | None = None) -> model.NetworkInfo:
        instance_uuid = self.check_uuid(instance_uuid, "instance_id")
        address = self.check_address(address)
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
        return self.get_instance_nw_info(context, instance_uuid, rxtx_factor, instance.host)

    # -- network_info ---------------------------------------------------------------

    def nw_info_flavor(self) -> nw_info.Flavor:
        return nw_info.Flavor(dhcp=self.DHCP, should_create_bridge=self.SHOULD_CREATE_BRIDGE,
                              should_create_vlan=self.SHOULD_CREATE_VLAN, ipv6_backend=CONF.ipv6_backend)

    def get_instance_nw_info(self, context: RequestContext, instance_uuid: str, rxtx_factor: float | None = None,
                             host: str | None = None) -> model.NetworkInfo:
        """The instance's network_info.

        :raises InstanceNotFound: novanet never heard of the instance.
        """
        instance_uuid = self.check_uuid(instance_uuid, "instance_id")
        instance = db.instance_get_by_uuid(instance_uuid, read_deleted=True)
        return self.build_nw_info(instance_uuid, instance.project_id, host or instance.host, rxtx_factor)

    def build_nw_info(self, instance_uuid: str, project_id: str | None, host: str | None,
                      rxtx_factor: float | None = None) -> model.NetworkInfo:
        """network_info from the store's facts (one read) and what the caller knows."""

        return nw_info.build(db.instance_facts(instance_uuid), project_id, self.nw_info_flavor(),
                             self._dhcp_server_for(host), rxtx_factor)

    def _dhcp_server_for(self, host: str | None) -> Callable[[Network], str | None]:
        def dhcp_server(network: Network) -> str | None:
            return self.dhcp_address(network, host=host, claim=False) or network.dhcp_server or network.gateway

        return dhcp_server

    # -- DHCP callbacks -------------------------------------------------------------

    def lease_fixed_ip(self, context: RequestContext, address: str, mac: str | None = None) -> None:
        """dnsmasq leased ``address`` (to ``mac``)."""
        row = db.fixed_ip_get_by_address(self.check_address(address))
        outcome = db.fixed_ip_lease(row.address, row.network_id, mac)
        log = LOG.info if outcome == "leased" else LOG.warning
        log("Lease of %s to %s: %s", row.address, mac or "?", outcome)

    def release_fixed_ip(self, context: RequestContext, address: str, mac: str | None = None) -> None:
        """dnsmasq released ``address`` (held by ``mac``)."""
        row = db.fixed_ip_get_by_address(self.check_address(address))
        outcome = db.fixed_ip_release(row.address, row.network_id, mac)
        log = LOG.warning if outcome in ("foreign", "unassociated") else LOG.info
        log("Release of %s by %s: %s", row.address, mac or "?", outcome)

    def release_dhcp(self, context: RequestContext, dev: str, address: str, vif_address: str) -> None:
        """End a lease on this host's dnsmasq (nova-network 1.17)."""
        row = db.fixed_ip_get_by_address(self.check_address(address))
        network = db.network_get(row.network_id)
        spec = self.spec_for(network, claim=False)
        if dev and dev != spec.bridge:
            raise exception.InvalidRequest(reason=f"{address} is served on {spec.bridge}, not {dev}")
        self.driver.release_dhcp(spec, row.address, str(vif_address))

    # -- host plumbing requests -------------------------------------------------------

    def setup_networks_on_host(self, context: RequestContext, instance: InstanceInfo | None,
                               instance_id: int | str | None, host: str | None, teardown: bool) -> None:
        """Make (or unmake) the instance's networks on ``host``, wherever they are served."""
        if instance is not None:
            uuid = instance.uuid
        elif isinstance(instance_id, int) or (isinstance(instance_id, str) and instance_id.isdigit()):
            uuid = db.instance_get_by_id(int(instance_id)).uuid
        elif instance_id is not None:
            uuid = self.check_uuid(instance_id, "instance_id")
        else:
            raise exception.InvalidRequest(reason="setup_networks_on_host needs instance or instance_id")
        for vif in db.virtual_interface_get_by_instance(uuid):
            if vif.network_id is None:
                continue
            network = db.network_get(vif.network_id)
            target = host if network.multi_host else network.host
            if target is None or target == self.host or self.peers is None:
                self.rpc_setup_network_on_host(context, network.id, teardown)
            else:
                self.peers.rpc_setup_network_on_host(context, target, network.id, teardown)

    def set_network_host(self, context: RequestContext, network_id: int) -> str:
        """Claim the network for this host if nobody serves it; return who does."""
        winner = db.network_set_host(int(network_id), self.host)
        LOG.info("Network %s is served by %s", network_id, winner)
        return winner

    # -- periodic tasks ---------------------------------------------------------------

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
        ready = [self.spec_for(n, claim=False) for n in db.network_get_all_by_host(self.host) if n.id in self._ready]
        if ready:
            self.driver.periodic_tasks(ready)
        interval = CONF.dns_update_periodic_interval
        if interval >= 0 and time.monotonic() - self._last_dns_update >= interval:
            self._last_dns_update = time.monotonic()
            self.update_dns(context, [n.id for n in db.network_get_all_by_host(self.host) if n.multi_host])
