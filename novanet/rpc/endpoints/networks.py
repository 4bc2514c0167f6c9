"""Network administration, DNS, and the legacy lookups old callers still send."""

from __future__ import annotations

import dataclasses
from typing import Any

from novanet import exception
from novanet.rpc import serializer, wire
from novanet.context import RequestContext
from novanet.rpc.endpoints.base import EndpointCore, served
from novanet.rpc.wire import Arguments


class NetworkMethods(EndpointCore):
    # -- administration --------------------------------------------------------------

    @served
    def create_networks(self, context: RequestContext, args: Arguments) -> Any:
        # Free-form like nova's (nova-manage and os-networks send different
        # sets); the manager's planner validates every value it reads.
        values = {name: args.optional(name, wire.scalar) for name in args.names()}
        self.authorize(context, "create_networks_rpc", values.get("project_id"))
        given = {name: value for name, value in values.items() if value is not None}
        self.log_request(context, "create_networks", f"{given}")
        return serializer.records(self.manager.networks.create_networks(context, **given))

    @served
    def delete_network(self, context: RequestContext, args: Arguments) -> Any:
        uuid = args.optional("uuid", wire.uuid)
        fixed_range = args.optional("fixed_range", wire.text)
        if uuid is None and fixed_range is None:
            raise exception.InvalidRequest(reason="delete_network: uuid or fixed_range is required")
        self.authorize(context, "delete_network_rpc")
        self.manager.networks.delete_network(context, uuid=uuid, fixed_range=fixed_range)
        return None

    @served
    def add_network_to_project(self, context: RequestContext, args: Arguments) -> Any:
        project_id = args.required("project_id", wire.text)
        network_uuid = args.optional("network_uuid", wire.uuid)
        self.authorize(context, "add_network_to_project")
        self.manager.networks.add_network_to_project(context, project_id, network_uuid)
        return None

    @served
    def associate(self, context: RequestContext, args: Arguments) -> Any:
        network_uuid = args.required("network_uuid", wire.uuid)
        associations = args.optional("associations", wire.mapping) or {}
        unknown = set(associations) - {"host", "project"}
        if unknown:
            raise exception.InvalidRequest(
                reason=f"associate: associations may name host and project, not {', '.join(sorted(unknown))}")
        for key, value in associations.items():
            if value is not None and not isinstance(value, str):
                raise exception.InvalidRequest(reason=f"associate: {key} must be a string or null")
        self.authorize(context, "associate")
        self.manager.networks.associate(context, network_uuid, associations)
        return None

    @served
    def disassociate_network(self, context: RequestContext, args: Arguments) -> Any:
        network_uuid = args.required("network_uuid", wire.uuid)
        self.authorize(context, "disassociate_network")
        self.manager.networks.disassociate_network(context, network_uuid)
        return None

    # -- legacy lookups ----------------------------------------------------------------

    @served
    def get_network(self, context: RequestContext, args: Arguments) -> Any:
        network_uuid = args.required("network_uuid", wire.uuid)
        self.authorize(context, "get_network")
        return serializer.record(self.manager.queries.get_network(context, network_uuid))

    @served
    def get_all_networks(self, context: RequestContext, args: Arguments) -> Any:
        self.authorize(context, "get_all_networks")
        return serializer.records(self.manager.queries.get_all_networks(context))

    @served
    def get_fixed_ip(self, context: RequestContext, args: Arguments) -> Any:
        fixed_id = args.required("id", wire.integer)
        self.authorize(context, "get_fixed_ip")
        return serializer.record(self.manager.queries.get_fixed_ip(context, fixed_id))

    @served
    def get_fixed_ip_by_address(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        self.authorize(context, "get_fixed_ip_by_address")
        return serializer.record(self.manager.queries.get_fixed_ip_by_address(context, address))

    @served
    def get_vifs_by_instance(self, context: RequestContext, args: Arguments) -> Any:
        uuid = args.required("instance_id", wire.uuid)
        self.authorize(context, "get_vifs_by_instance")
        return serializer.records(self.manager.queries.get_vifs_by_instance(context, uuid))

    @served
    def get_vif_by_mac_address(self, context: RequestContext, args: Arguments) -> Any:
        mac = args.required("mac_address", wire.mac_address)
        self.authorize(context, "get_vif_by_mac_address")
        vif = self.manager.queries.get_vif_by_mac_address(context, mac)
        return serializer.record(vif) if vif is not None else None

    @served
    def get_instance_uuids_by_ip_filter(self, context: RequestContext, args: Arguments) -> Any:
        filters = args.optional("filters", wire.mapping) or {}
        for key, value in filters.items():
            if not isinstance(value, str):
                raise exception.InvalidRequest(reason=f"get_instance_uuids_by_ip_filter: filter {key} "
                                                      "must be a string")
        self.authorize(context, "get_instance_uuids_by_ip_filter")
        matches = self.manager.queries.get_instance_uuids_by_ip_filter(context, filters)
        return [dataclasses.asdict(match) for match in matches]

    # -- DNS ---------------------------------------------------------------------------------

    @served
    def get_dns_domains(self, context: RequestContext, args: Arguments) -> Any:
        self.authorize(context, "get_dns_domains")
        return [serializer.dns_domain(row) for row in self.manager.dns.get_dns_domains(context)]

    @served
    def add_dns_entry(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        name = args.required("name", wire.text)
        dns_type = args.required("dns_type", wire.text)
        domain = args.required("domain", wire.text)
        self.authorize(context, "add_dns_entry")
        self.manager.dns.add_dns_entry(context, address, name, dns_type, domain)
        return None

    @served
    def modify_dns_entry(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        name = args.required("name", wire.text)
        domain = args.required("domain", wire.text)
        self.authorize(context, "modify_dns_entry")
        self.manager.dns.modify_dns_entry(context, address, name, domain)
        return None

    @served
    def delete_dns_entry(self, context: RequestContext, args: Arguments) -> Any:
        name = args.required("name", wire.text)
        domain = args.required("domain", wire.text)
        self.authorize(context, "delete_dns_entry")
        self.manager.dns.delete_dns_entry(context, name, domain)
        return None

    @served
    def delete_dns_domain(self, context: RequestContext, args: Arguments) -> Any:
        domain = args.required("domain", wire.text)
        self.authorize(context, "delete_dns_domain")
        self.manager.dns.delete_dns_domain(context, domain)
        return None

    @served
    def get_dns_entries_by_address(self, context: RequestContext, args: Arguments) -> Any:
        address = args.required("address", wire.ip_address)
        domain = args.required("domain", wire.text)
        self.authorize(context, "get_dns_entries_by_address")
        return self.manager.dns.get_dns_entries_by_address(context, address, domain)

    @served
    def get_dns_entries_by_name(self, context: RequestContext, args: Arguments) -> Any:
        name = args.required("name", wire.text)
        domain = args.required("domain", wire.text)
        self.authorize(context, "get_dns_entries_by_name")
        return self.manager.dns.get_dns_entries_by_name(context, name, domain)

    @served
    def create_private_dns_domain(self, context: RequestContext, args: Arguments) -> Any:
        domain = args.required("domain", wire.text)
        av_zone = args.optional("av_zone", wire.text)
        self.authorize(context, "create_private_dns_domain")
        self.manager.dns.create_private_dns_domain(context, domain, av_zone)
        return None

    @served
    def create_public_dns_domain(self, context: RequestContext, args: Arguments) -> Any:
        domain = args.required("domain", wire.text)
        project = args.optional("project", wire.text)
        self.authorize(context, "create_public_dns_domain")
        self.manager.dns.create_public_dns_domain(context, domain, project)
        return None
