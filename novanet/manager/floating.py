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

The lookups of floating IPs are read-only and live with the other queries
(:class:`novanet.manager.queries.Queries`).
"""

from __future__ import annotations

import logging
from typing import Any

from novanet import exception, model
from novanet.conf import CONF
from novanet.context import RequestContext
from novanet.db import api as db
from novanet.manager.base import NetworkManager
from novanet.manager.checks import check_address, check_owner, check_uuid
from novanet.types import InstanceInfo, RequestedNetworks

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
        return self.nw_info.get_instance_nw_info(context, instance.uuid, rxtx_factor, instance.host)

    def deallocate_for_instance(self, context: RequestContext, instance: InstanceInfo,
                                requested_networks: RequestedNetworks = None) -> None:
        admin = context.elevated()
        for fixed in db.fixed_ip_get_by_instance(check_uuid(instance.uuid, "instance uuid")):
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
        row = db.floating_ip_get_by_address(check_address(address))
        if row.auto_assigned and not affect_auto_assigned:
            return
        check_owner(context, row.project_id, row.address)
        self.dns.forget_floating_address(row.address)
        db.floating_ip_deallocate(row.address, None if context.is_admin else context.project_id)
        self.notify(context, "network.floating_ip.deallocate",
                    {"project_id": row.project_id, "floating_ip": row.address})

    # -- association ------------------------------------------------------------------

    def associate_floating_ip(self, context: RequestContext, floating_address: str, fixed_address: str,
                              affect_auto_assigned: bool = False) -> str | None:
        """Point the floating address at a fixed one; return the previous instance, if any."""
        row = db.floating_ip_get_by_address(check_address(floating_address))
        if row.auto_assigned and not affect_auto_assigned:
            return None
        check_owner(context, row.project_id, row.address)
        fixed = db.fixed_ip_get_by_address(check_address(fixed_address, "fixed_address"))
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
        host = self.routing.serving_host(network, self._instance_host(fixed.instance_uuid))
        peers = self._peer_hosts(host)
        if peers is None:
            self.associate_floating_ip_local(context, row.address, fixed.address, row.interface, fixed.instance_uuid)
        else:
            peers.associate_floating_ip_local(context, host, row.address, fixed.address, row.interface,
                                                   fixed.instance_uuid)
        return previous

    def associate_floating_ip_local(self, context: RequestContext, floating_address: str, fixed_address: str,
                                    interface: str | None, instance_uuid: str) -> None:
        """Record and plumb the association on this host."""
        floating_address = check_address(floating_address)
        with self.plumbing.address_lock(floating_address):
            project = None if context.is_admin else context.project_id
            row, fixed = db.floating_ip_fixed_ip_associate(floating_address, check_address(fixed_address),
                                                          self.host, project)
            try:
                self.plumbing.add_floating(row.address, fixed.address, interface, db.network_get(fixed.network_id))
            except Exception:
                LOG.warning("Plumbing %s failed; undoing its association", row.address)
                db.floating_ip_disassociate(row.address)
                raise
        self.notify(context, "network.floating_ip.associate",
                    {"project_id": row.project_id, "instance_id": instance_uuid, "floating_ip": row.address})
        LOG.info("Floating IP %s now reaches %s", row.address, fixed.address)

    def disassociate_floating_ip(self, context: RequestContext, address: str,
                                 affect_auto_assigned: bool = False) -> None:
        row = db.floating_ip_get_by_address(check_address(address))
        if row.auto_assigned and not affect_auto_assigned:
            raise exception.CannotDisassociateAutoAssignedFloatingIP()
        check_owner(context, row.project_id, row.address)
        if row.fixed_ip_id is None:
            raise exception.FloatingIpNotAssociated(address=row.address)
        fixed = db.fixed_ip_get(row.fixed_ip_id)
        instance_uuid = fixed.instance_uuid or ""
        host = row.host or self.host
        peers = self._peer_hosts(host)
        if peers is None:
            self.disassociate_floating_ip_local(context, row.address, row.interface, instance_uuid)
        elif not self.routing.is_up(host):
            LOG.warning("Host %s is down: disassociating %s in the store only", host, row.address)
            self.disassociate_floating_ip_local(context, row.address, None, instance_uuid)
        else:
            peers.disassociate_floating_ip_local(context, host, row.address, row.interface, instance_uuid)

    def disassociate_floating_ip_local(self, context: RequestContext, address: str, interface: str | None,
                                       instance_uuid: str) -> None:
        """Unplumb (when ``interface`` is known or this host plumbed it) and forget the association."""
        address = check_address(address)
        with self.plumbing.address_lock(address):
            row = db.floating_ip_get_by_address(address)
            if row.fixed_ip_id is None:
                raise exception.FloatingIpNotAssociated(address=address)
            fixed = db.fixed_ip_get(row.fixed_ip_id)
            if row.host == self.host:
                try:
                    self.plumbing.remove_floating(row.address, fixed.address, interface or row.interface,
                                                  db.network_get(fixed.network_id))
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
                row = db.floating_ip_get_by_address(check_address(address))
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
            self.plumbing.remove_floating(row.address, fixed.address, row.interface, db.network_get(fixed.network_id))
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
            self.plumbing.add_floating(row.address, fixed.address, row.interface, db.network_get(fixed.network_id))
