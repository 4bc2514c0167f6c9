"""FloatingIP: pools, allocation with quota, association, migration.

Theory of operation
-------------------
A floating address is allocated to a project, then associated with one of
the project's fixed addresses. Association is recorded in the store by the
host that will plumb it (the instance's host for multi_host networks,
otherwise the network's host), and only then plumbed (NAT, then the address
on ``public_interface``); if plumbing fails the association is undone.
Disassociation removes the plumbing first and then the fact, so the address
is never live on two hosts; if the plumbing cannot be removed (the host is
down), the fact still goes and the host's next ``init_host`` drops the
leftover rules, because nothing backs them any more.
"""

from __future__ import annotations

import logging
from typing import Any

from novanet import exception, model
from novanet.conf import CONF
from novanet.db import api as db
from novanet.drivers.base import FloatingForward
from novanet.manager.base import NetworkManager
from novanet.manager.queries import row_dict
from novanet.manager.types import InstanceInfo, RequestedNetworks
from novanet.rpc.context import RequestContext

LOG = logging.getLogger(__name__)


class FloatingIP(NetworkManager):
    # -- instance life ------------------------------------------------------------------

    def allocate_for_instance(self, context: RequestContext, instance: InstanceInfo, rxtx_factor: float | None,
                              vpn: bool, requested_networks: RequestedNetworks,
                              macs: list[str] | None) -> model.NetworkInfo:
        info = super().allocate_for_instance(context, instance, rxtx_factor, vpn, requested_networks, macs)
        if not CONF.auto_assign_floating_ip or not instance.project_id:
            return info
        fixed = [ip.address for ip in info.fixed_ips() if ip.version == 4]
        if not fixed or info.floating_ips():
            return info
        admin = context.elevated()
        address = self.allocate_floating_ip(admin, instance.project_id, auto_assigned=True)
        try:
            self.associate_floating_ip(admin, address, fixed[0], affect_auto_assigned=True)
        except Exception:
            self.deallocate_floating_ip(admin, address, affect_auto_assigned=True)
            raise
        return self.get_instance_nw_info(context, instance.uuid, rxtx_factor, instance.host)

    def deallocate_for_instance(self, context: RequestContext, instance: InstanceInfo,
                                requested_networks: RequestedNetworks = None) -> None:
        admin = context.elevated()
        for fixed in db.fixed_ip_get_by_instance(self.check_uuid(instance.uuid, "instance uuid")):
            for floating in db.floating_ip_get_by_fixed_ip_id(fixed.id):
                try:
                    self.disassociate_floating_ip(admin, floating.address, affect_auto_assigned=True)
                except exception.FloatingIpNotAssociated:
                    pass
                if floating.auto_assigned:
                    self.deallocate_floating_ip(admin, floating.address, affect_auto_assigned=True)
        super().deallocate_for_instance(context, instance, requested_networks)

    # -- allocation ---------------------------------------------------------------------

    def allocate_floating_ip(self, context: RequestContext, project_id: str | None, auto_assigned: bool = False,
                             pool: str | None = None) -> str:
        """Give the project an address of ``pool`` (default ``default_floating_pool``)."""
        project_id = project_id or context.project_id
        if not project_id:
            raise exception.InvalidRequest(reason="allocate_floating_ip needs a project_id")
        if not context.is_admin and project_id != context.project_id:
            raise exception.Forbidden(reason=f"cannot allocate floating IPs for project {project_id}")
        row = db.floating_ip_allocate_address(project_id, pool or CONF.default_floating_pool,
                                              auto_assigned=bool(auto_assigned),
                                              quota_limit=CONF.quota_floating_ips)
        self.notify(context, "network.floating_ip.allocate", {"project_id": project_id, "floating_ip": row.address})
        LOG.info("Allocated floating IP %s to project %s", row.address, project_id)
        return row.address

    def deallocate_floating_ip(self, context: RequestContext, address: str,
                               affect_auto_assigned: bool = False) -> None:
        """Return an unassociated address to its pool."""
        row = db.floating_ip_get_by_address(self.check_address(address))
        if row.auto_assigned and not affect_auto_assigned:
            return
        self.check_owner(context, row.project_id, row.address)
        for domain in self.floating_dns.get_domains():
            for name in self.floating_dns.get_entries_by_address(row.address, domain):
                self.floating_dns.delete_entry(name, domain)
        db.floating_ip_deallocate(row.address, None if context.is_admin else context.project_id)
        self.notify(context, "network.floating_ip.deallocate",
                    {"project_id": row.project_id, "floating_ip": row.address})

    # -- association ------------------------------------------------------------------

    def associate_floating_ip(self, context: RequestContext, floating_address: str, fixed_address: str,
                              affect_auto_assigned: bool = False) -> str | None:
        """Point the floating address at a fixed one; return the previous instance, if any."""
        row = db.floating_ip_get_by_address(self.check_address(floating_address))
        if row.auto_assigned and not affect_auto_assigned:
            return None
        self.check_owner(context, row.project_id, row.address)
        fixed = db.fixed_ip_get_by_address(self.check_address(fixed_address, "fixed_address"))
        if fixed.instance_uuid is None:
            raise exception.FixedIpNotFoundForAddress(address=fixed.address)
        previous: str | None = None
        if row.fixed_ip_id is not None:
            if row.fixed_ip_id == fixed.id:
                return None
            old = db.fixed_ip_get(row.fixed_ip_id)
            previous = old.instance_uuid
            self.disassociate_floating_ip(context, row.address, affect_auto_assigned=True)
        network = db.network_get(fixed.network_id)
        instance_host = self._instance_host(fixed.instance_uuid)
        host = self._plumbing_host(context, network, instance_host)
        if host == self.host or self.peers is None:
            self.associate_floating_ip_local(context, row.address, fixed.address, row.interface, fixed.instance_uuid)
        else:
            self.peers.associate_floating_ip_local(context, host, row.address, fixed.address, row.interface,
                                                   fixed.instance_uuid)
        return previous

    def _plumbing_host(self, context: RequestContext, network: Any, instance_host: str | None) -> str:
        if network.multi_host:
            return instance_host or self.host
        if network.host:
            return str(network.host)
        return db.network_set_host(network.id, self.host)

    def associate_floating_ip_local(self, context: RequestContext, floating_address: str, fixed_address: str,
                                    interface: str | None, instance_uuid: str) -> None:
        """Record and plumb the association on this host."""
        floating_address = self.check_address(floating_address)
        with self.address_lock(floating_address):
            project = None if context.is_admin else context.project_id
            row, fixed = db.floating_ip_fixed_ip_associate(floating_address, self.check_address(fixed_address),
                                                          self.host, project)
            network = db.network_get(fixed.network_id)
            forward = FloatingForward(floating=row.address, fixed=fixed.address,
                                      interface=CONF.public_interface or interface,
                                      network=self.spec_for(network, claim=False))
            try:
                self.driver.add_floating_ip(forward)
            except Exception:
                LOG.warning("Plumbing %s failed; undoing its association", row.address)
                db.floating_ip_disassociate(row.address)
                raise
        self.notify(context, "network.floating_ip.associate",
                    {"project_id": row.project_id, "instance_id": instance_uuid, "floating_ip": row.address})
        LOG.info("Floating IP %s now reaches %s", row.address, fixed.address)

    def disassociate_floating_ip(self, context: RequestContext, address: str,
                                 affect_auto_assigned: bool = False) -> None:
        row = db.floating_ip_get_by_address(self.check_address(address))
        if row.auto_assigned and not affect_auto_assigned:
            raise exception.CannotDisassociateAutoAssignedFloatingIP()
        self.check_owner(context, row.project_id, row.address)
        if row.fixed_ip_id is None:
            raise exception.FloatingIpNotAssociated(address=row.address)
        fixed = db.fixed_ip_get(row.fixed_ip_id)
        instance_uuid = fixed.instance_uuid or ""
        host = row.host or self.host
        if host == self.host or self.peers is None:
            self.disassociate_floating_ip_local(context, row.address, row.interface, instance_uuid)
        elif not self.service_is_up(host):
            LOG.warning("Host %s is down: disassociating %s in the store only", host, row.address)
            self.disassociate_floating_ip_local(context, row.address, None, instance_uuid)
        else:
            self.peers.disassociate_floating_ip_local(context, host, row.address, row.interface, instance_uuid)

    def disassociate_floating_ip_local(self, context: RequestContext, address: str, interface: str | None,
                                       instance_uuid: str) -> None:
        """Unplumb (when ``interface`` is known or this host plumbed it) and forget the association."""
        address = self.check_address(address)
        with self.address_lock(address):
            row = db.floating_ip_get_by_address(address)
            if row.fixed_ip_id is None:
                raise exception.FloatingIpNotAssociated(address=address)
            fixed = db.fixed_ip_get(row.fixed_ip_id)
            if row.host == self.host:
                network = db.network_get(fixed.network_id)
                forward = FloatingForward(floating=row.address, fixed=fixed.address,
                                          interface=CONF.public_interface or interface or row.interface,
                                          network=self.spec_for(network, claim=False))
                try:
                    self.driver.remove_floating_ip(forward)
                except exception.NovanetError as error:
                    LOG.error("Unplumbing %s failed (%s); the next init_host removes what is left",
                              address, error)
            db.floating_ip_disassociate(address)
        self.notify(context, "network.floating_ip.disassociate",
                    {"project_id": row.project_id, "instance_id": instance_uuid, "floating_ip": address})
        LOG.info("Floating IP %s no longer reaches %s", address, fixed.address)

    # -- migration ----------------------------------------------------------------------

    def _movable(self, context: RequestContext, addresses: list[str] | None) -> list[Any]:
        rows = []
        for address in addresses or ():
            try:
                row = db.floating_ip_get_by_address(self.check_address(address))
            except exception.FloatingIpNotFoundForAddress:
                continue
            if row.fixed_ip_id is None or (not context.is_admin and row.project_id != context.project_id):
                LOG.info("Skipping stale floating IP %s in a migration", address)
                continue
            rows.append(row)
        return rows

    def migrate_instance_start(self, context: RequestContext, instance_uuid: str, rxtx_factor: float | None,
                               project_id: str | None, source: str | None, dest: str | None,
                               floating_addresses: list[str] | None) -> None:
        """Unplumb the instance's floating IPs on this (source) host."""
        if not floating_addresses or source == dest:
            return
        for row in self._movable(context, floating_addresses):
            fixed = db.fixed_ip_get(row.fixed_ip_id)
            forward = FloatingForward(floating=row.address, fixed=fixed.address,
                                      interface=CONF.public_interface or row.interface,
                                      network=self.spec_for(db.network_get(fixed.network_id), claim=False))
            self.driver.remove_floating_ip(forward)
            db.floating_ip_set_host(row.address, None)

    def migrate_instance_finish(self, context: RequestContext, instance_uuid: str, rxtx_factor: float | None,
                                project_id: str | None, source: str | None, dest: str | None,
                                floating_addresses: list[str] | None, host: str | None = None) -> None:
        """Plumb the instance's floating IPs on this (destination) host."""
        dest = dest or host or self.host
        if not floating_addresses or source == dest:
            return
        for row in self._movable(context, floating_addresses):
            fixed = db.fixed_ip_get(row.fixed_ip_id)
            db.floating_ip_set_host(row.address, dest)
            forward = FloatingForward(floating=row.address, fixed=fixed.address,
                                      interface=CONF.public_interface or row.interface,
                                      network=self.spec_for(db.network_get(fixed.network_id), claim=False))
            self.driver.add_floating_ip(forward)

    # -- queries ------------------------------------------------------------------------

    def get_floating_ip(self, context: RequestContext, id: int) -> dict[str, Any]:
        return row_dict(db.floating_ip_get(int(id)))

    def get_floating_ip_pools(self, context: RequestContext) -> list[dict[str, str]]:
        return [{"name": pool} for pool in db.floating_ip_get_pools()]

    def get_floating_pools(self, context: RequestContext) -> list[dict[str, str]]:
        return self.get_floating_ip_pools(context)

    def get_floating_ip_by_address(self, context: RequestContext, address: str) -> dict[str, Any]:
        return row_dict(db.floating_ip_get_by_address(self.check_address(address)))

    def get_floating_ips_by_project(self, context: RequestContext) -> list[dict[str, Any]]:
        if not context.project_id:
            raise exception.InvalidRequest(reason="the request has no project")
        return [row_dict(f) for f in db.floating_ip_get_all(project_id=context.project_id, include_auto=False)]

    def get_floating_ips_by_fixed_address(self, context: RequestContext, fixed_address: str) -> list[str]:
        return [f.address for f in db.floating_ip_get_by_fixed_address(self.check_address(fixed_address))]

    def get_instance_id_by_floating_address(self, context: RequestContext, address: str) -> str | None:
        row = db.floating_ip_get_by_address(self.check_address(address))
        if row.fixed_ip_id is None:
            return None
        return db.fixed_ip_get(row.fixed_ip_id).instance_uuid
