"""Instance methods: allocate, deallocate, network_info, multinic, host setup, migration.

Wire shapes accepted (reference §1.2-1.3):

* ``allocate_for_instance``: 1.9+ ``instance_id`` carries the uuid; 1.0
  callers sent an integer ``instance_id`` plus ``instance_uuid``; an
  ``instance`` primitive is read when present. ``requested_networks`` is a
  NetworkRequestList (1.13) or ``(uuid, address)`` pairs (before); since
  1.18 also ``auto`` or ``none`` (the word, or nova's list of one request
  naming it).
  ``dhcp_options`` is accepted and ignored, as nova-network did.
* ``deallocate_for_instance``: ``instance`` (1.11) or ``instance_id`` +
  ``project_id`` + ``host`` (1.0/1.10).
* ``setup_networks_on_host``: ``instance`` (1.16) and/or ``instance_id``
  (nova's integer id or a uuid).
* ``migrate_instance_*``: ``source``/``dest`` (1.2) or the 1.1 names
  ``source_compute``/``dest_compute``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from novanet import exception
from novanet.types import InstanceInfo, RequestedNetworks
from novanet.rpc import objects, wire
from novanet.context import RequestContext
from novanet.rpc.endpoints.base import EndpointCore, served
from novanet.rpc.wire import Arguments


def instance_uuid_of(args: Arguments) -> str:
    """The instance uuid of ``instance_id`` (1.9+) or ``instance_uuid`` (1.0)."""
    ref = args.optional("instance_id", wire.instance_ref)
    if isinstance(ref, str):
        return ref
    uuid = args.optional("instance_uuid", wire.uuid)
    if uuid is None:
        raise exception.InvalidRequest(
            reason=f"{args.method}: the instance uuid is required (instance_id or instance_uuid)")
    return uuid


def instance_of(args: Arguments) -> InstanceInfo:
    """The instance of a request: an ``instance`` object, or the loose arguments.

    ``project_id`` and ``host`` arguments fill what the object leaves unset.
    """
    project_id = args.optional("project_id", wire.text)
    host = args.optional("host", wire.text)
    if "instance" in args:
        info = args.required("instance", objects.instance)
        return dataclasses.replace(info, project_id=info.project_id or project_id, host=info.host or host)
    ref = args.optional("instance_id", wire.instance_ref)
    legacy_id = ref if isinstance(ref, int) else None
    uuid = ref if isinstance(ref, str) else args.optional("instance_uuid", wire.uuid)
    if uuid is None:
        raise exception.InvalidRequest(
            reason=f"{args.method}: the instance is required (instance, instance_id or instance_uuid)")
    return InstanceInfo(uuid=uuid, id=legacy_id, project_id=project_id, host=host)


def requested_networks_of(args: Arguments, name: str = "requested_networks") -> RequestedNetworks:
    return args.optional(name, objects.requested_networks)


class InstanceMethods(EndpointCore):
    @served
    def allocate_for_instance(self, context: RequestContext, args: Arguments) -> Any:
        instance = instance_of(args)
        rxtx_factor = args.optional("rxtx_factor", wire.number)
        vpn = args.flag("vpn")
        requested = requested_networks_of(args)
        macs = args.optional("macs", wire.list_of(wire.mac_address))
        args.raw("dhcp_options")  # accepted and ignored, as nova-network did
        self.authorize(context, "allocate_for_instance", instance.project_id)
        self.log_request(context, "allocate_for_instance", f"instance {instance.uuid} host {instance.host}")
        return self.manager.allocate_for_instance(context, instance, rxtx_factor=rxtx_factor, vpn=vpn,
                                                  requested_networks=requested, macs=macs)

    @served
    def deallocate_for_instance(self, context: RequestContext, args: Arguments) -> Any:
        instance = instance_of(args)
        requested = requested_networks_of(args)
        self.authorize(context, "deallocate_for_instance", instance.project_id)
        self.log_request(context, "deallocate_for_instance", f"instance {instance.uuid}")
        self.manager.deallocate_for_instance(context, instance, requested_networks=requested)
        return None

    @served
    def get_instance_nw_info(self, context: RequestContext, args: Arguments) -> Any:
        uuid = instance_uuid_of(args)
        rxtx_factor = args.optional("rxtx_factor", wire.number)
        host = args.optional("host", wire.text)
        project_id = args.optional("project_id", wire.text)
        self.authorize(context, "get_instance_nw_info", project_id)
        return self.manager.nw_info.get_instance_nw_info(context, uuid, rxtx_factor=rxtx_factor, host=host)

    @served
    def add_fixed_ip_to_instance(self, context: RequestContext, args: Arguments) -> Any:
        uuid = instance_uuid_of(args)
        network_id = args.required("network_id", wire.network_ref)
        host = args.optional("host", wire.text)
        rxtx_factor = args.optional("rxtx_factor", wire.number)
        self.authorize(context, "add_fixed_ip_to_instance")
        self.log_request(context, "add_fixed_ip_to_instance", f"instance {uuid} network {network_id}")
        return self.manager.add_fixed_ip_to_instance(context, uuid, host=host, network_id=network_id,
                                                     rxtx_factor=rxtx_factor)

    @served
    def remove_fixed_ip_from_instance(self, context: RequestContext, args: Arguments) -> Any:
        uuid = instance_uuid_of(args)
        address = args.required("address", wire.ip_address)
        host = args.optional("host", wire.text)
        rxtx_factor = args.optional("rxtx_factor", wire.number)
        self.authorize(context, "remove_fixed_ip_from_instance")
        self.log_request(context, "remove_fixed_ip_from_instance", f"instance {uuid} address {address}")
        return self.manager.remove_fixed_ip_from_instance(context, uuid, host=host, address=address,
                                                          rxtx_factor=rxtx_factor)

    @served
    def validate_networks(self, context: RequestContext, args: Arguments) -> Any:
        networks = requested_networks_of(args, "networks") or []
        self.authorize(context, "validate_networks")
        self.manager.validate_networks(context, networks)
        return None

    @served
    def setup_networks_on_host(self, context: RequestContext, args: Arguments) -> Any:
        instance = args.optional("instance", objects.instance)
        instance_id = args.optional("instance_id", wire.instance_ref)
        if instance is None and instance_id is None:
            raise exception.InvalidRequest(reason="setup_networks_on_host: instance or instance_id is required")
        host = args.optional("host", wire.text)
        teardown = args.flag("teardown")
        self.authorize(context, "setup_networks_on_host", instance.project_id if instance else None)
        self.log_request(context, "setup_networks_on_host",
                         f"instance {instance.uuid if instance else instance_id} host {host} teardown {teardown}")
        self.manager.setup_networks_on_host(context, instance=instance, instance_id=instance_id, host=host,
                                            teardown=teardown)
        return None

    def _migration(self, context: RequestContext, args: Arguments) -> dict[str, Any]:
        uuid = args.required("instance_uuid", wire.uuid)
        source = args.optional("source", wire.text) or args.optional("source_compute", wire.text)
        dest = args.optional("dest", wire.text) or args.optional("dest_compute", wire.text)
        args.optional("host", wire.text)  # 1.2 callers name the host; routing already used it
        values: dict[str, Any] = {
            "instance_uuid": uuid,
            "rxtx_factor": args.optional("rxtx_factor", wire.number),
            "project_id": args.optional("project_id", wire.text),
            "source": source,
            "dest": dest,
            "floating_addresses": args.optional("floating_addresses", wire.list_of(wire.ip_address)),
        }
        self.authorize(context, args.method, values["project_id"])
        self.log_request(context, args.method, f"instance {uuid} {source} -> {dest}")
        return values

    @served
    def migrate_instance_start(self, context: RequestContext, args: Arguments) -> Any:
        self.manager.migrate_instance_start(context, **self._migration(context, args))
        return None

    @served
    def migrate_instance_finish(self, context: RequestContext, args: Arguments) -> Any:
        self.manager.migrate_instance_finish(context, **self._migration(context, args))
        return None
