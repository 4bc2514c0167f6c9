"""Floating IP methods: the legacy API-side ones and the two host-local ones.

Ownership (a floating IP belongs to a project; admins may act on any) is the
manager's decision, since only it knows who owns an address; the RPC layer
checks the caller's right to name a project and the argument shapes.
"""

from __future__ import annotations

from typing import Any

from novanet import exception
from novanet.rpc import serializer, wire
from novanet.context import RequestContext
from novanet.rpc.endpoints.base import EndpointCore, served
from novanet.rpc.wire import Arguments


class FloatingMethods(EndpointCore):
    @served
    def allocate_floating_ip(self, context: RequestContext, args: Arguments) -> Any:
        project_id = args.optional("project_id", wire.text) or context.project_id
        auto_assigned = args.flag("auto_assigned")
        pool = args.optional("pool", wire.text)
        if project_id is None:
            raise exception.InvalidRequest(reason="allocate_floating_ip: project_id is required")
        self.authorize(context, "allocate_floating_ip", project_id)
        self.log_request(context, "allocate_floating_ip", f"project {project_id} pool {pool}")
        return self.manager.allocate_floating_ip(context, project_id, auto_assigned=auto_assigned, pool=pool)

    @served
    def deallocate_floating_ip(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        affect = args.flag("affect_auto_assigned")
        self.authorize(context, "deallocate_floating_ip")
        self.log_request(context, "deallocate_floating_ip", f"address {address}")
        self.manager.deallocate_floating_ip(context, address, affect_auto_assigned=affect)
        return None

    @served
    def associate_floating_ip(self, context: RequestContext, args: Arguments) -> Any:
        floating = args.required("floating_address", wire.ip_address)
        fixed = args.required("fixed_address", wire.ip_address)
        affect = args.flag("affect_auto_assigned")
        self.authorize(context, "associate_floating_ip")
        self.log_request(context, "associate_floating_ip", f"{floating} -> {fixed}")
        return self.manager.associate_floating_ip(context, floating, fixed, affect_auto_assigned=affect)

    @served
    def disassociate_floating_ip(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        affect = args.flag("affect_auto_assigned")
        self.authorize(context, "disassociate_floating_ip")
        self.log_request(context, "disassociate_floating_ip", f"address {address}")
        self.manager.disassociate_floating_ip(context, address, affect_auto_assigned=affect)
        return None

    @served
    def _associate_floating_ip(self, context: RequestContext, args: Arguments) -> Any:
        floating = args.required("floating_address", wire.ip_address)
        fixed = args.required("fixed_address", wire.ip_address)
        interface = args.optional("interface", wire.text)
        uuid = args.required("instance_uuid", wire.uuid)
        self.authorize(context, "associate_floating_ip_local")
        self.log_request(context, "_associate_floating_ip", f"{floating} -> {fixed} instance {uuid}")
        self.manager.associate_floating_ip_local(context, floating, fixed, interface, uuid)
        return None

    @served
    def _disassociate_floating_ip(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        interface = args.optional("interface", wire.text)
        uuid = args.required("instance_uuid", wire.uuid)
        self.authorize(context, "disassociate_floating_ip_local")
        self.log_request(context, "_disassociate_floating_ip", f"{address} instance {uuid}")
        self.manager.disassociate_floating_ip_local(context, address, interface, uuid)
        return None

    # -- lookups --------------------------------------------------------------------

    @served
    def get_floating_ip(self, context: RequestContext, args: Arguments) -> Any:
        floating_id = args.required("id", wire.integer)
        self.authorize(context, "get_floating_ip")
        # The flat manager has no floating IPs: an empty record, as nova-network answered.
        row = self.manager.queries.get_floating_ip(context, floating_id)
        return serializer.record(row) if row is not None else {}

    @served
    def get_floating_ip_pools(self, context: RequestContext, args: Arguments) -> Any:
        self.authorize(context, "get_floating_ip_pools")
        return serializer.pools(self.manager.queries.get_floating_ip_pools(context))

    @served
    def get_floating_pools(self, context: RequestContext, args: Arguments) -> Any:
        self.authorize(context, "get_floating_pools")
        return serializer.pools(self.manager.queries.get_floating_pools(context))

    @served
    def get_floating_ip_by_address(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        self.authorize(context, "get_floating_ip_by_address")
        row = self.manager.queries.get_floating_ip_by_address(context, address)
        return serializer.record(row) if row is not None else {}

    @served
    def get_floating_ips_by_project(self, context: RequestContext, args: Arguments) -> Any:
        self.authorize(context, "get_floating_ips_by_project")
        return serializer.records(self.manager.queries.get_floating_ips_by_project(context))

    @served
    def get_floating_ips_by_fixed_address(self, context: RequestContext, args: Arguments) -> Any:
        fixed = args.required("fixed_address", wire.ip_address)
        self.authorize(context, "get_floating_ips_by_fixed_address")
        return self.manager.queries.get_floating_ips_by_fixed_address(context, fixed)

    @served
    def get_instance_id_by_floating_address(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        self.authorize(context, "get_instance_id_by_floating_address")
        return self.manager.queries.get_instance_id_by_floating_address(context, address)
