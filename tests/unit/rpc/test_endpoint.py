"""The endpoint: wire arguments in, typed manager calls out, errors as expected exceptions."""

from __future__ import annotations

import inspect
import typing
from traceback import format_exception
from typing import Any

import pytest

from novanet import exception
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager, FlatManager
from novanet.types import InstanceInfo, RequestedNetwork
from novanet.manager.vlan import VlanManager
from novanet.context import RequestContext, get_admin_context
from novanet.rpc.endpoints import BaseEndpoint, NetworkEndpoint
from novanet.rpc.manager_api import ManagerAPI
from novanet.rpc.messaging import dispatcher, oslo_messaging
from novanet.rpc.transport import NetworkAccessPolicy
from novanet.rpc.versions import METHODS, PRIVATE_METHODS
from tests.unit.rpc.stub import NET_UUID, NW_INFO, UUID, StubManager
from tests.unit.rpc.test_objects import NOVA_INSTANCE, NOVA_REQUESTS

ADMIN = get_admin_context()
USER = RequestContext(user_id="u1", project_id="p1", roles=["member"])

INFO = InstanceInfo(uuid=UUID, project_id="p1", host="compute-1")
NOVA_INFO = InstanceInfo(uuid=UUID, id=17, project_id="p1", user_id="u1", host="compute-1",
                         launched_on="compute-0", hostname="vm-1", display_name="VM 1", availability_zone="nova")
NOVA_REQUESTED = [RequestedNetwork(NET_UUID, "10.0.0.9", "nic1"),
                  RequestedNetwork("0f3c1e2a-5b4d-4c6e-8f7a-9b0c1d2e3f40")]

# (wire method, wire kwargs, manager method, manager arguments by name (without context))
CASES: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    ("allocate_for_instance",
     {"instance_id": UUID, "project_id": "p1", "host": "compute-1", "rxtx_factor": 2, "vpn": False,
      "requested_networks": NOVA_REQUESTS, "macs": ["FA:16:3E:00:00:01"]},
     "allocate_for_instance",
     {"instance": INFO, "rxtx_factor": 2.0, "vpn": False, "requested_networks": NOVA_REQUESTED,
      "macs": ["fa:16:3e:00:00:01"]}),
    ("allocate_for_instance",  # 1.9: pairs
     {"instance_id": UUID, "project_id": "p1", "host": "compute-1", "rxtx_factor": 1.0, "vpn": True,
      "requested_networks": [[NET_UUID, None]], "macs": None, "dhcp_options": None},
     "allocate_for_instance",
     {"instance": INFO, "rxtx_factor": 1.0, "vpn": True, "requested_networks": [RequestedNetwork(NET_UUID)],
      "macs": None}),
    ("allocate_for_instance",  # 1.0: integer id plus uuid
     {"instance_id": 17, "instance_uuid": UUID, "project_id": "p1", "host": "compute-1", "vpn": False},
     "allocate_for_instance",
     {"instance": InstanceInfo(uuid=UUID, id=17, project_id="p1", host="compute-1"), "rxtx_factor": None,
      "vpn": False, "requested_networks": None, "macs": None}),
    ("allocate_for_instance",  # an Instance object
     {"instance": NOVA_INSTANCE, "vpn": False},
     "allocate_for_instance",
     {"instance": NOVA_INFO, "rxtx_factor": None, "vpn": False, "requested_networks": None, "macs": None}),
    ("deallocate_for_instance", {"instance": NOVA_INSTANCE, "requested_networks": None},
     "deallocate_for_instance", {"instance": NOVA_INFO, "requested_networks": None}),
    ("deallocate_for_instance",  # 1.10
     {"instance_id": UUID, "project_id": "p1", "host": "compute-1", "requested_networks": [[NET_UUID, "10.0.0.9"]]},
     "deallocate_for_instance", {"instance": INFO, "requested_networks": [RequestedNetwork(NET_UUID, "10.0.0.9")]}),
    ("get_instance_nw_info", {"instance_id": UUID, "rxtx_factor": 1, "host": "h", "project_id": "p1"},
     "nw_info.get_instance_nw_info", {"instance_uuid": UUID, "rxtx_factor": 1.0, "host": "h"}),
    ("get_instance_nw_info", {"instance_id": 17, "instance_uuid": UUID},
     "nw_info.get_instance_nw_info", {"instance_uuid": UUID, "rxtx_factor": None, "host": None}),
    ("add_fixed_ip_to_instance", {"instance_id": UUID, "rxtx_factor": None, "host": "h", "network_id": 3},
     "add_fixed_ip_to_instance", {"instance_uuid": UUID, "host": "h", "network_id": 3, "rxtx_factor": None}),
    ("add_fixed_ip_to_instance", {"instance_id": UUID, "host": None, "network_id": NET_UUID},
     "add_fixed_ip_to_instance", {"instance_uuid": UUID, "host": None, "network_id": NET_UUID,
                                  "rxtx_factor": None}),
    ("remove_fixed_ip_from_instance", {"instance_id": UUID, "host": "h", "address": "10.0.0.3"},
     "remove_fixed_ip_from_instance", {"instance_uuid": UUID, "host": "h", "address": "10.0.0.3",
                                       "rxtx_factor": None}),
    ("validate_networks", {"networks": [[NET_UUID, "10.0.0.3"]]},
     "validate_networks", {"networks": [RequestedNetwork(NET_UUID, "10.0.0.3")]}),
    ("validate_networks", {"networks": None}, "validate_networks", {"networks": []}),
    ("get_auto_allocated_network", {"project_id": "p1", "dry_run": True},
     "get_auto_allocated_network", {"project_id": "p1", "dry_run": True}),
    ("get_auto_allocated_network", {"project_id": "p2"},
     "get_auto_allocated_network", {"project_id": "p2", "dry_run": False}),
    ("delete_auto_allocated_network", {"project_id": "p1"},
     "delete_auto_allocated_network", {"project_id": "p1"}),
    ("create_networks", {"label": "private", "cidr": "10.0.0.0/24", "num_networks": 1, "bridge": "br100",
                         "multi_host": None},
     "networks.create_networks", {"kwargs": {"label": "private", "cidr": "10.0.0.0/24", "num_networks": 1,
                                        "bridge": "br100"}}),
    ("delete_network", {"uuid": NET_UUID, "fixed_range": None},
     "networks.delete_network", {"uuid": NET_UUID, "fixed_range": None}),
    ("delete_network", {"fixed_range": "10.0.0.0/24"},
     "networks.delete_network", {"uuid": None, "fixed_range": "10.0.0.0/24"}),
    ("add_network_to_project", {"project_id": "p1", "network_uuid": None},
     "networks.add_network_to_project", {"project_id": "p1", "network_uuid": None}),
    ("associate", {"network_uuid": NET_UUID, "associations": {"host": None, "project": "p2"}},
     "networks.associate", {"network_uuid": NET_UUID, "associations": {"host": None, "project": "p2"}}),
    ("disassociate_network", {"network_uuid": NET_UUID}, "networks.disassociate_network", {"network_uuid": NET_UUID}),
    ("get_network", {"network_uuid": NET_UUID}, "queries.get_network", {"network_uuid": NET_UUID}),
    ("get_all_networks", {}, "queries.get_all_networks", {}),
    ("get_fixed_ip", {"id": 4}, "queries.get_fixed_ip", {"id": 4}),
    ("get_fixed_ip_by_address", {"address": "10.0.0.3"}, "queries.get_fixed_ip_by_address", {"address": "10.0.0.3"}),
    ("get_vifs_by_instance", {"instance_id": UUID}, "queries.get_vifs_by_instance", {"instance_uuid": UUID}),
    ("get_vif_by_mac_address", {"mac_address": "FA:16:3E:00:00:01"},
     "queries.get_vif_by_mac_address", {"mac_address": "fa:16:3e:00:00:01"}),
    ("get_instance_uuids_by_ip_filter", {"filters": {"ip": "^10\\.0"}},
     "queries.get_instance_uuids_by_ip_filter", {"filters": {"ip": "^10\\.0"}}),
    ("setup_networks_on_host", {"instance_id": 17, "host": "compute-1", "teardown": False},
     "setup_networks_on_host", {"instance": None, "instance_id": 17, "host": "compute-1", "teardown": False}),
    ("setup_networks_on_host", {"instance_id": 17, "host": "compute-1", "teardown": True,
                                "instance": NOVA_INSTANCE},
     "setup_networks_on_host", {"instance": NOVA_INFO, "instance_id": 17, "host": "compute-1", "teardown": True}),
    ("rpc_setup_network_on_host", {"network_id": 2, "teardown": True},
     "plumbing.setup_network_on_host", {"network_id": 2, "teardown": True}),
    ("set_network_host", {"network_ref": {"nova_object.name": "Network", "nova_object.data": {"id": 2}}},
     "networks.set_network_host", {"network_id": 2}),
    ("set_network_host", {"network_ref": {"id": 2, "uuid": NET_UUID}}, "networks.set_network_host", {"network_id": 2}),
    ("_rpc_allocate_fixed_ip", {"instance_id": UUID, "network_id": 2, "address": None, "vpn": False},
     "rpc_allocate_fixed_ip", {"instance_uuid": UUID, "network_id": 2, "address": None, "vpn": False}),
    ("deallocate_fixed_ip", {"address": "10.0.0.3", "host": "h", "instance": NOVA_INSTANCE},
     "deallocate_fixed_ip", {"address": "10.0.0.3", "host": "h", "instance": NOVA_INFO}),
    ("deallocate_fixed_ip", {"address": "10.0.0.3", "host": "h"},
     "deallocate_fixed_ip", {"address": "10.0.0.3", "host": "h", "instance": None}),
    ("lease_fixed_ip", {"address": "10.0.0.3"}, "lease_fixed_ip", {"address": "10.0.0.3", "mac": None}),
    ("lease_fixed_ip", {"address": "10.0.0.3", "mac": "FA:16:3E:00:00:01"},
     "lease_fixed_ip", {"address": "10.0.0.3", "mac": "fa:16:3e:00:00:01"}),
    ("release_fixed_ip", {"address": "10.0.0.3", "mac": "fa:16:3e:00:00:01"},
     "release_fixed_ip", {"address": "10.0.0.3", "mac": "fa:16:3e:00:00:01"}),
    ("release_dhcp", {"dev": "br100", "address": "10.0.0.3", "vif_address": "fa:16:3e:00:00:01"},
     "release_dhcp", {"dev": "br100", "address": "10.0.0.3", "vif_address": "fa:16:3e:00:00:01"}),
    ("update_dns", {"network_ids": [1, 2]}, "plumbing.update_dns", {"network_ids": [1, 2]}),
    ("get_dns_domains", {}, "dns.get_dns_domains", {}),
    ("add_dns_entry", {"address": "10.0.0.3", "name": "vm", "dns_type": "A", "domain": "example.org"},
     "dns.add_dns_entry", {"address": "10.0.0.3", "name": "vm", "dns_type": "A", "domain": "example.org"}),
    ("modify_dns_entry", {"address": "10.0.0.4", "name": "vm", "domain": "example.org"},
     "dns.modify_dns_entry", {"address": "10.0.0.4", "name": "vm", "domain": "example.org"}),
    ("delete_dns_entry", {"name": "vm", "domain": "example.org"},
     "dns.delete_dns_entry", {"name": "vm", "domain": "example.org"}),
    ("delete_dns_domain", {"domain": "example.org"}, "dns.delete_dns_domain", {"domain": "example.org"}),
    ("get_dns_entries_by_address", {"address": "10.0.0.3", "domain": "example.org"},
     "dns.get_dns_entries_by_address", {"address": "10.0.0.3", "domain": "example.org"}),
    ("get_dns_entries_by_name", {"name": "vm", "domain": "example.org"},
     "dns.get_dns_entries_by_name", {"name": "vm", "domain": "example.org"}),
    ("create_private_dns_domain", {"domain": "example.org", "av_zone": "nova"},
     "dns.create_private_dns_domain", {"domain": "example.org", "av_zone": "nova"}),
    ("create_public_dns_domain", {"domain": "example.org", "project": "p1"},
     "dns.create_public_dns_domain", {"domain": "example.org", "project": "p1"}),
    ("allocate_floating_ip", {"project_id": "p1", "auto_assigned": False, "pool": "nova"},
     "allocate_floating_ip", {"project_id": "p1", "auto_assigned": False, "pool": "nova"}),
    ("deallocate_floating_ip", {"address": "172.24.4.9", "affect_auto_assigned": True},
     "deallocate_floating_ip", {"address": "172.24.4.9", "affect_auto_assigned": True}),
    ("associate_floating_ip", {"floating_address": "172.24.4.9", "fixed_address": "10.0.0.3"},
     "associate_floating_ip", {"floating_address": "172.24.4.9", "fixed_address": "10.0.0.3",
                               "affect_auto_assigned": False}),
    ("disassociate_floating_ip", {"address": "172.24.4.9", "affect_auto_assigned": False},
     "disassociate_floating_ip", {"address": "172.24.4.9", "affect_auto_assigned": False}),
    ("_associate_floating_ip", {"floating_address": "172.24.4.9", "fixed_address": "10.0.0.3",
                                "interface": "eth0", "instance_uuid": UUID},
     "associate_floating_ip_local", {"floating_address": "172.24.4.9", "fixed_address": "10.0.0.3",
                                     "interface": "eth0", "instance_uuid": UUID}),
    ("_disassociate_floating_ip", {"address": "172.24.4.9", "interface": None, "instance_uuid": UUID},
     "disassociate_floating_ip_local", {"address": "172.24.4.9", "interface": None, "instance_uuid": UUID}),
    ("get_floating_ip", {"id": 3}, "queries.get_floating_ip", {"id": 3}),
    ("get_floating_ip_pools", {}, "queries.get_floating_ip_pools", {}),
    ("get_floating_pools", {}, "queries.get_floating_pools", {}),
    ("get_floating_ip_by_address", {"address": "172.24.4.9"}, "queries.get_floating_ip_by_address",
     {"address": "172.24.4.9"}),
    ("get_floating_ips_by_project", {}, "queries.get_floating_ips_by_project", {}),
    ("get_floating_ips_by_fixed_address", {"fixed_address": "10.0.0.3"},
     "queries.get_floating_ips_by_fixed_address", {"fixed_address": "10.0.0.3"}),
    ("get_instance_id_by_floating_address", {"address": "172.24.4.9"},
     "queries.get_instance_id_by_floating_address", {"address": "172.24.4.9"}),
    ("migrate_instance_start", {"instance_uuid": UUID, "rxtx_factor": 1.0, "project_id": "p1", "source": "a",
                                "dest": "b", "floating_addresses": ["172.24.4.9"], "host": "a"},
     "migrate_instance_start", {"instance_uuid": UUID, "rxtx_factor": 1.0, "project_id": "p1", "source": "a",
                                "dest": "b", "floating_addresses": ["172.24.4.9"]}),
    ("migrate_instance_finish",  # 1.1 names
     {"instance_uuid": UUID, "rxtx_factor": None, "project_id": "p1", "source_compute": "a",
      "dest_compute": "b", "floating_addresses": None},
     "migrate_instance_finish", {"instance_uuid": UUID, "rxtx_factor": None, "project_id": "p1", "source": "a",
                                 "dest": "b", "floating_addresses": None}),
]


def declared(path: str) -> Any:
    """The ManagerAPI declaration of ``path`` (``allocate_for_instance``, ``queries.get_network``)."""
    owner: Any = ManagerAPI
    *parts, name = path.split(".")
    for part in parts:
        owner = typing.get_type_hints(owner)[part]
    return getattr(owner, name)


def manager_arguments(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments by parameter name, as the ManagerAPI declares them."""
    bound = inspect.signature(declared(name)).bind(None, *args, **kwargs)
    values = dict(bound.arguments)
    values.pop("self")
    values.pop("context")
    return values


def call_wire(endpoint: NetworkEndpoint, method: str, context: RequestContext, **kwargs: Any) -> Any:
    return getattr(endpoint, method)(context, **kwargs)


@pytest.mark.parametrize(("wire_method", "wire_kwargs", "manager_method", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_wire_to_manager(endpoint: NetworkEndpoint, stub: StubManager, wire_method: str,
                         wire_kwargs: dict[str, Any], manager_method: str, expected: dict[str, Any]) -> None:
    call_wire(endpoint, wire_method, ADMIN, **wire_kwargs)
    call = stub.last()
    assert call.name == manager_method
    assert call.context is ADMIN
    assert manager_arguments(manager_method, call.args, call.kwargs) == expected


def resolve(manager: Any, path: str) -> Any:
    for part in path.split("."):
        manager = getattr(manager, part, None)
    return manager


@pytest.mark.parametrize("manager_cls", [FlatManager, FlatDHCPManager, VlanManager])
def test_calls_fit_the_real_managers(endpoint: NetworkEndpoint, stub: StubManager, manager_cls: type) -> None:
    manager = manager_cls(host="h", driver=RecordingDriver())
    for wire_method, wire_kwargs, _, _ in CASES:
        call_wire(endpoint, wire_method, ADMIN, **wire_kwargs)
    for call in stub.calls:
        method = resolve(manager, call.name)
        if method is None:
            # nova's FlatManager had no FloatingIP mixin either; the endpoint
            # answers these with InvalidRequest (test below).
            assert manager_cls is FlatManager and call.name.endswith("_floating_ip_local")
            continue
        inspect.signature(method).bind(*call.args, **call.kwargs)


def test_methods_the_manager_lacks_are_invalid_requests() -> None:
    endpoint = NetworkEndpoint(FlatManager(host="h", driver=RecordingDriver(), peers=None))
    with pytest.raises(dispatcher.ExpectedException) as info:
        call_wire(endpoint, "_associate_floating_ip", ADMIN, floating_address="172.24.4.9",
                  fixed_address="10.0.0.3", interface=None, instance_uuid=UUID)
    assert str(info.value.exc_info[1]) == ("Invalid request: _associate_floating_ip is not supported by the flat "
                                           "network manager")


def test_every_served_method_has_a_case_and_the_table_matches() -> None:
    served = set(NetworkEndpoint.served_methods())
    assert served == set(METHODS)
    assert {c[0] for c in CASES} == set(METHODS) - {"get_backdoor_port"}
    for wire_method, _, manager_method, _ in CASES:
        assert METHODS[wire_method].manager_method == manager_method, wire_method
    for info in METHODS.values():
        assert info.name == "get_backdoor_port" or callable(declared(info.manager_method))


def test_access_policy_allows_exactly_the_exposed_methods() -> None:
    policy_ = NetworkAccessPolicy()
    endpoint = NetworkEndpoint(StubManager())  # type: ignore[arg-type]
    allowed = {name for name in dir(endpoint) if policy_.is_allowed(endpoint, name)}
    assert allowed == set(METHODS)
    assert policy_.is_allowed(endpoint, "oslo_rpc_server_ping")  # oslo.messaging's own, when enabled
    assert not policy_.is_allowed(endpoint, "manager")
    assert PRIVATE_METHODS == {"_rpc_allocate_fixed_ip", "_associate_floating_ip", "_disassociate_floating_ip"}
    base = BaseEndpoint()
    assert {name for name in dir(base) if policy_.is_allowed(base, name)} == {"ping", "get_backdoor_port"}


def test_network_info_results_are_wire_primitives(endpoint: NetworkEndpoint) -> None:
    result = call_wire(endpoint, "allocate_for_instance", ADMIN, instance_id=UUID, project_id="p1")
    assert result == NW_INFO.to_primitive()
    assert result[0]["network"]["subnets"][0]["ips"][0]["floating_ips"][0]["address"] == "172.24.4.9"


def test_backdoor_and_ping() -> None:
    base = BaseEndpoint()
    assert base.ping(ADMIN, arg="x") == {"service": "network", "arg": "x"}
    assert base.get_backdoor_port(ADMIN) is None
    assert NetworkEndpoint(StubManager()).get_backdoor_port(ADMIN) is None  # type: ignore[arg-type]


MALFORMED: list[tuple[str, dict[str, Any]]] = [
    ("allocate_for_instance", {}),
    ("allocate_for_instance", {"instance_id": "vm-1"}),
    ("allocate_for_instance", {"instance_id": 17}),
    ("allocate_for_instance", {"instance_id": UUID, "rxtx_factor": "1.0"}),
    ("allocate_for_instance", {"instance_id": UUID, "vpn": "no"}),
    ("allocate_for_instance", {"instance_id": UUID, "macs": "fa:16:3e:00:00:01"}),
    ("allocate_for_instance", {"instance_id": UUID, "macs": ["nope"]}),
    ("allocate_for_instance", {"instance_id": UUID, "requested_networks": "all"}),
    ("allocate_for_instance", {"instance_id": UUID, "requested_networks": [["net", None]]}),
    ("allocate_for_instance", {"instance_id": UUID, "project_id": 5}),
    ("allocate_for_instance", {"instance": {"nova_object.name": "Instance", "nova_object.data": {}}}),
    ("deallocate_for_instance", {"project_id": "p1"}),
    ("get_instance_nw_info", {"instance_id": None}),
    ("add_fixed_ip_to_instance", {"instance_id": UUID}),
    ("add_fixed_ip_to_instance", {"instance_id": UUID, "network_id": "net-a"}),
    ("remove_fixed_ip_from_instance", {"instance_id": UUID, "address": "10.0.0"}),
    ("validate_networks", {"networks": {"a": 1}}),
    ("create_networks", {"label": ["x"]}),
    ("delete_network", {}),
    ("delete_network", {"uuid": "x"}),
    ("add_network_to_project", {"network_uuid": UUID}),
    ("associate", {"network_uuid": UUID, "associations": {"vlan": 5}}),
    ("associate", {"network_uuid": UUID, "associations": {"host": 5}}),
    ("setup_networks_on_host", {"host": "h"}),
    ("setup_networks_on_host", {"instance_id": 1, "teardown": "yes"}),
    ("rpc_setup_network_on_host", {"network_id": None}),
    ("set_network_host", {"network_ref": {"uuid": UUID}}),
    ("set_network_host", {"network_ref": "net"}),
    ("_rpc_allocate_fixed_ip", {"instance_id": UUID, "network_id": 1, "address": "x"}),
    ("deallocate_fixed_ip", {"address": None, "host": "h"}),
    ("lease_fixed_ip", {"address": "10.0.0.3", "mac": "00:11"}),
    ("release_fixed_ip", {}),
    ("release_dhcp", {"dev": "", "address": "10.0.0.3", "vif_address": "fa:16:3e:00:00:01"}),
    ("update_dns", {"network_ids": 5}),
    ("add_dns_entry", {"address": "10.0.0.3", "name": "vm", "domain": "d"}),
    ("get_instance_uuids_by_ip_filter", {"filters": {"ip": 10}}),
    ("allocate_floating_ip", {"project_id": "p1", "auto_assigned": "yes"}),
    ("associate_floating_ip", {"floating_address": "172.24.4.9"}),
    ("_associate_floating_ip", {"floating_address": "172.24.4.9", "fixed_address": "10.0.0.3",
                                "instance_uuid": "x"}),
    ("_disassociate_floating_ip", {"address": "172.24.4.9"}),
    ("get_floating_ip", {"id": "three"}),
    ("migrate_instance_start", {"rxtx_factor": 1.0}),
    ("migrate_instance_finish", {"instance_uuid": UUID, "floating_addresses": ["a"]}),
]


@pytest.mark.parametrize(("wire_method", "wire_kwargs"), MALFORMED,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(MALFORMED)])
def test_malformed_requests_never_reach_the_manager(endpoint: NetworkEndpoint, stub: StubManager,
                                                   wire_method: str, wire_kwargs: dict[str, Any]) -> None:
    with pytest.raises(dispatcher.ExpectedException) as info:
        call_wire(endpoint, wire_method, ADMIN, **wire_kwargs)
    error = info.value.exc_info[1]
    assert isinstance(error, exception.InvalidRequest)
    assert wire_method in str(error)
    assert "Traceback" not in "".join(format_exception(*info.value.exc_info))
    assert stub.calls == []


def test_expected_errors_are_wrapped_without_traceback(endpoint: NetworkEndpoint, stub: StubManager,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="novanet.rpc.endpoint")
    stub.raises["allocate_for_instance"] = exception.NoMoreFixedIps(net=NET_UUID)
    with pytest.raises(dispatcher.ExpectedException) as info:
        call_wire(endpoint, "allocate_for_instance", ADMIN, instance_id=UUID, project_id="p1")
    error_type, error, traceback = info.value.exc_info
    assert error_type is exception.NoMoreFixedIps and traceback is None
    # what the reply carries as the remote "traceback": the class and message only
    assert "".join(format_exception(*info.value.exc_info)) == (
        f"novanet.exception.NoMoreFixedIps: No fixed IP addresses available for network: {NET_UUID}\n")
    assert str(error) == f"No fixed IP addresses available for network: {NET_UUID}"
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].exc_info is None
    assert "NoMoreFixedIps" in refused[0].getMessage()


def test_a_peer_timeout_is_service_unavailable(endpoint: NetworkEndpoint, stub: StubManager) -> None:
    stub.raises["allocate_for_instance"] = oslo_messaging.MessagingTimeout("no reply on topic network.host-a")
    with pytest.raises(dispatcher.ExpectedException) as info:
        call_wire(endpoint, "allocate_for_instance", ADMIN, instance_id=UUID, project_id="p1")
    error = info.value.exc_info[1]
    assert type(error) is exception.ServiceUnavailable
    assert "another network host did not answer in time (no reply on topic network.host-a)" in str(error)


def test_unexpected_errors_propagate(endpoint: NetworkEndpoint, stub: StubManager) -> None:
    stub.raises["queries.get_all_networks"] = ZeroDivisionError("bug")
    with pytest.raises(ZeroDivisionError):
        call_wire(endpoint, "get_all_networks", ADMIN)


def test_unknown_arguments_are_ignored_and_logged(endpoint: NetworkEndpoint, stub: StubManager,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="novanet.rpc.endpoint")
    call_wire(endpoint, "get_fixed_ip", ADMIN, id=1, newer_flag=True)
    assert stub.names() == ["queries.get_fixed_ip"]
    assert any("ignored arguments newer_flag" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("wire_method", "wire_kwargs"), [
    ("create_networks", {"label": "x", "cidr": "10.0.0.0/24"}),
    ("delete_network", {"uuid": NET_UUID}),
    ("_rpc_allocate_fixed_ip", {"instance_id": UUID, "network_id": 1}),
    ("lease_fixed_ip", {"address": "10.0.0.3"}),
    ("update_dns", {"network_ids": [1]}),
    ("get_all_networks", {}),
    ("allocate_for_instance", {"instance_id": UUID, "project_id": "someone-else"}),
    ("allocate_floating_ip", {"project_id": "someone-else"}),
    ("migrate_instance_start", {"instance_uuid": UUID, "project_id": "someone-else"}),
])
def test_policy_refuses_users(endpoint: NetworkEndpoint, stub: StubManager, wire_method: str,
                              wire_kwargs: dict[str, Any]) -> None:
    with pytest.raises(dispatcher.ExpectedException) as info:
        call_wire(endpoint, wire_method, USER, **wire_kwargs)
    assert isinstance(info.value.exc_info[1], exception.PolicyNotAuthorized)
    assert stub.calls == []


@pytest.mark.parametrize(("wire_method", "wire_kwargs"), [
    ("allocate_for_instance", {"instance_id": UUID, "project_id": "p1"}),
    ("allocate_for_instance", {"instance": NOVA_INSTANCE}),
    ("deallocate_for_instance", {"instance": NOVA_INSTANCE}),
    ("get_instance_nw_info", {"instance_id": UUID}),
    ("allocate_floating_ip", {}),
    ("associate_floating_ip", {"floating_address": "172.24.4.9", "fixed_address": "10.0.0.3"}),
    ("get_dns_domains", {}),
])
def test_policy_lets_owners_act(endpoint: NetworkEndpoint, stub: StubManager, wire_method: str,
                                wire_kwargs: dict[str, Any]) -> None:
    call_wire(endpoint, wire_method, USER, **wire_kwargs)
    assert len(stub.calls) == 1


def test_nova_admin_context_without_roles_is_admin(endpoint: NetworkEndpoint, stub: StubManager) -> None:
    nova_admin = RequestContext.from_dict({"is_admin": True, "roles": [], "user_id": None, "project_id": None})
    call_wire(endpoint, "lease_fixed_ip", nova_admin, address="10.0.0.3")
    assert stub.names() == ["lease_fixed_ip"]
