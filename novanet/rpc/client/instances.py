"""What compute hosts and the API call: instances, networks, DNS, migration.

Names and keyword arguments are nova's ``nova.network.rpcapi.NetworkAPI``'s,
so code written against nova's client reads the same; instances may also be
given as :class:`~novanet.types.InstanceInfo`, requested networks as
:class:`~novanet.types.RequestedNetwork` or ``(uuid, address)`` pairs,
and network_info comes back as :class:`~novanet.model.NetworkInfo`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from novanet import exception
from novanet.types import InstanceInfo, NetworkChoice, RequestedNetwork
from novanet.model import NetworkInfo
from novanet.rpc import objects
from novanet.rpc.client.core import ClientCore
from novanet.context import RequestContext

RequestedNetworks = Sequence[RequestedNetwork | Sequence[Any]] | NetworkChoice | str | None

#: The first version whose servers understand ``auto`` and ``none``.
CHOICE_VERSION = "1.18"


def as_choice(requested: RequestedNetworks) -> NetworkChoice | None:
    """``auto``/``none`` given as the enum or the word; None for anything else.

    :raises InvalidRequest: another word.
    """
    if isinstance(requested, NetworkChoice):
        return requested
    if isinstance(requested, str):
        try:
            return NetworkChoice(requested)
        except ValueError:
            raise exception.InvalidRequest(reason=f"requested networks must be 'auto', 'none' or a list, "
                                                  f"not {requested!r}")
    return None


def as_requests(requested: RequestedNetworks) -> list[RequestedNetwork] | None:
    """Normalise requested networks given as records or ``(uuid, address)`` pairs."""
    if requested is None:
        return None
    assert not isinstance(requested, str), "a word: see as_choice"
    out = []
    for item in requested:
        if isinstance(item, RequestedNetwork):
            out.append(item)
        else:
            out.append(RequestedNetwork(network_id=item[0], address=item[1] if len(item) > 1 else None))
    return out


def _instance_fields(instance: InstanceInfo | str, project_id: str | None,
                     host: str | None) -> tuple[str, str | None, str | None]:
    if isinstance(instance, InstanceInfo):
        return instance.uuid, project_id or instance.project_id, host or instance.host
    return instance, project_id, host


class InstanceCalls(ClientCore):
    def allocate_for_instance(self, context: RequestContext, instance_id: InstanceInfo | str,
                              project_id: str | None = None, host: str | None = None,
                              rxtx_factor: float | None = None, vpn: bool = False,
                              requested_networks: RequestedNetworks = None, macs: Sequence[str] | None = None,
                              dhcp_options: Any = None) -> NetworkInfo:
        """Allocate the instance's VIFs and fixed IPs; returns its network_info.

        Sent to the instance's host under multi_host, else to any network
        host. ``dhcp_options`` is accepted and never sent (as in nova).
        """
        uuid, project_id, host = _instance_fields(instance_id, project_id, host)
        choice = as_choice(requested_networks)
        requests = as_requests(requested_networks) if choice is None else None
        kwargs: dict[str, Any] = {"instance_id": uuid, "project_id": project_id, "host": host,
                                  "rxtx_factor": rxtx_factor, "vpn": vpn,
                                  "macs": list(macs) if macs is not None else None}
        if choice is not None:
            # Never downgraded to "nothing requested" for an older server
            # (nova's rolling-upgrade bug): refused instead.
            version = self._choice_version()
            kwargs["requested_networks"] = objects.network_choice_primitive(choice)
        elif self.can_send_version("1.13"):
            version = "1.13"
            kwargs["requested_networks"] = (objects.network_request_list_primitive(requests)
                                            if requests is not None else None)
        else:
            version = "1.9"
            kwargs["requested_networks"] = objects.network_request_pairs(requests) if requests is not None else None
        result = self.send(context, "allocate_for_instance", version, server=self.route(host), **kwargs)
        return NetworkInfo.from_primitive(result)

    def deallocate_for_instance(self, context: RequestContext, instance: InstanceInfo,
                                requested_networks: RequestedNetworks = None) -> None:
        """Release the instance's fixed IPs (and auto-assigned floating IPs) and VIFs.

        ``none``: the instance never had any, so nothing is sent (as nova
        does); ``auto``: everything it has is released (the network stays).
        """
        choice = as_choice(requested_networks)
        if choice is NetworkChoice.NONE:
            return
        requests = as_requests(requested_networks) if choice is None else None
        server = self.route(instance.host)
        if self.can_send_version("1.11"):
            self.send(context, "deallocate_for_instance", "1.11", server=server,
                      instance=objects.instance_primitive(instance),
                      requested_networks=(objects.network_request_pairs(requests) if requests is not None
                                          else None))
            return
        kwargs: dict[str, Any] = {"instance_id": instance.uuid, "project_id": instance.project_id,
                                  "host": instance.host}
        version = "1.0"
        if self.can_send_version("1.10"):
            version = "1.10"
            kwargs["requested_networks"] = (objects.network_request_pairs(requests) if requests is not None
                                            else None)
        self.send(context, "deallocate_for_instance", version, server=server, **kwargs)

    def get_instance_nw_info(self, context: RequestContext, instance_id: str, rxtx_factor: float | None = None,
                             host: str | None = None, project_id: str | None = None) -> NetworkInfo:
        result = self.send(context, "get_instance_nw_info", "1.9", instance_id=instance_id,
                           rxtx_factor=rxtx_factor, host=host, project_id=project_id)
        return NetworkInfo.from_primitive(result)

    def add_fixed_ip_to_instance(self, context: RequestContext, instance_id: str, rxtx_factor: float | None,
                                 host: str | None, network_id: int | str) -> NetworkInfo:
        result = self.send(context, "add_fixed_ip_to_instance", "1.9", instance_id=instance_id,
                           rxtx_factor=rxtx_factor, host=host, network_id=network_id)
        return NetworkInfo.from_primitive(result)

    def remove_fixed_ip_from_instance(self, context: RequestContext, instance_id: str,
                                      rxtx_factor: float | None, host: str | None, address: str) -> NetworkInfo:
        result = self.send(context, "remove_fixed_ip_from_instance", "1.9", instance_id=instance_id,
                           rxtx_factor=rxtx_factor, host=host, address=address)
        return NetworkInfo.from_primitive(result)

    def validate_networks(self, context: RequestContext, networks: RequestedNetworks) -> None:
        """Check requested networks before a boot; for ``auto``, the dry-run of the caller's project.

        :raises AutoAllocationFailure: ``auto`` cannot give the project a network (the reason says why).
        :raises NetworkAmbiguous: ``auto`` found several networks.
        """
        choice = as_choice(networks)
        if choice is not None:
            self.send(context, "validate_networks", self._choice_version(),
                      networks=objects.network_choice_primitive(choice))
            return
        requests = as_requests(networks)
        self.send(context, "validate_networks", "1.0",
                  networks=objects.network_request_pairs(requests) if requests is not None else None)

    def _choice_version(self) -> str:
        if not self.can_send_version(CHOICE_VERSION):
            raise exception.RPCPinnedToOldVersion()
        return CHOICE_VERSION

    def setup_networks_on_host(self, context: RequestContext, instance_id: int | str | None = None,
                               host: str | None = None, teardown: bool = False,
                               instance: InstanceInfo | None = None) -> None:
        kwargs: dict[str, Any] = {"instance_id": instance_id, "host": host, "teardown": teardown}
        version = "1.0"
        if instance is not None and self.can_send_version("1.16"):
            version = "1.16"
            kwargs["instance"] = objects.instance_primitive(instance)
        elif instance_id is None and instance is not None:
            kwargs["instance_id"] = instance.id if instance.id is not None else instance.uuid
        self.send(context, "setup_networks_on_host", version, **kwargs)

    def _migration_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {
            "instance_uuid": kwargs["instance_uuid"],
            "rxtx_factor": kwargs.get("rxtx_factor"),
            "project_id": kwargs.get("project_id"),
            "source": kwargs.get("source", kwargs.get("source_compute")),
            "dest": kwargs.get("dest", kwargs.get("dest_compute")),
            "floating_addresses": kwargs.get("floating_addresses"),
        }

    def migrate_instance_start(self, context: RequestContext, host: str | None = None, **kwargs: Any) -> None:
        """Take the instance's floating IPs off the source host (``host`` when given, else any)."""
        self.send(context, "migrate_instance_start", "1.2", server=host, **self._migration_kwargs(kwargs))

    def migrate_instance_finish(self, context: RequestContext, host: str | None = None, **kwargs: Any) -> None:
        """Plumb the instance's floating IPs on the destination host (``host`` when given, else any)."""
        self.send(context, "migrate_instance_finish", "1.2", server=host, **self._migration_kwargs(kwargs))

    # -- networks --------------------------------------------------------------------

    def create_networks(self, context: RequestContext, **kwargs: Any) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.send(context, "create_networks", "1.0", **kwargs)
        return result

    def delete_network(self, context: RequestContext, uuid: str | None = None,
                       fixed_range: str | None = None) -> None:
        self.send(context, "delete_network", "1.0", uuid=uuid, fixed_range=fixed_range)

    def add_network_to_project(self, context: RequestContext, project_id: str,
                               network_uuid: str | None = None) -> None:
        self.send(context, "add_network_to_project", "1.0", project_id=project_id, network_uuid=network_uuid)

    # -- DNS ---------------------------------------------------------------------------

    def get_dns_domains(self, context: RequestContext) -> Any:
        return self.send(context, "get_dns_domains", "1.0")

    def add_dns_entry(self, context: RequestContext, address: str, name: str, dns_type: str, domain: str) -> None:
        self.send(context, "add_dns_entry", "1.0", address=address, name=name, dns_type=dns_type, domain=domain)

    def modify_dns_entry(self, context: RequestContext, name: str, address: str, domain: str) -> None:
        self.send(context, "modify_dns_entry", "1.0", address=address, name=name, domain=domain)

    def delete_dns_entry(self, context: RequestContext, name: str, domain: str) -> None:
        self.send(context, "delete_dns_entry", "1.0", name=name, domain=domain)

    def delete_dns_domain(self, context: RequestContext, domain: str) -> None:
        self.send(context, "delete_dns_domain", "1.0", domain=domain)

    def get_dns_entries_by_address(self, context: RequestContext, address: str, domain: str) -> Any:
        return self.send(context, "get_dns_entries_by_address", "1.0", address=address, domain=domain)

    def get_dns_entries_by_name(self, context: RequestContext, name: str, domain: str) -> Any:
        return self.send(context, "get_dns_entries_by_name", "1.0", name=name, domain=domain)

    def create_private_dns_domain(self, context: RequestContext, domain: str, av_zone: str | None) -> None:
        self.send(context, "create_private_dns_domain", "1.0", domain=domain, av_zone=av_zone)

    def create_public_dns_domain(self, context: RequestContext, domain: str, project: str | None) -> None:
        self.send(context, "create_public_dns_domain", "1.0", domain=domain, project=project)
