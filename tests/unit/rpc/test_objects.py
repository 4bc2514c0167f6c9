"""nova's versioned-object primitives in, novanet's records out (and back)."""

from __future__ import annotations

from typing import Any

import pytest

from novanet import exception
from novanet.types import InstanceInfo, RequestedNetwork
from novanet.rpc import objects
from novanet.rpc.wire import BadValue
from tests.unit.rpc.stub import NET_UUID, UUID, UUID2

# What nova-compute (Newton) sends: more fields than networking needs, some unset.
NOVA_INSTANCE: dict[str, Any] = {
    "nova_object.name": "Instance",
    "nova_object.namespace": "nova",
    "nova_object.version": "2.1",
    "nova_object.changes": ["host"],
    "nova_object.data": {
        "id": 17, "uuid": UUID, "project_id": "p1", "user_id": "u1", "host": "compute-1",
        "launched_on": "compute-0", "hostname": "vm-1", "display_name": "VM 1",
        "availability_zone": "nova", "vm_state": "building", "memory_mb": 512,
        "info_cache": {"nova_object.name": "InstanceInfoCache", "nova_object.data": {"network_info": "[]"}},
        "flavor": {"nova_object.name": "Flavor", "nova_object.data": {"rxtx_factor": 1.0}},
    },
}

NOVA_REQUESTS: dict[str, Any] = {
    "nova_object.name": "NetworkRequestList",
    "nova_object.namespace": "nova",
    "nova_object.version": "1.1",
    "nova_object.data": {"objects": [
        {"nova_object.name": "NetworkRequest", "nova_object.namespace": "nova", "nova_object.version": "1.1",
         "nova_object.data": {"network_id": NET_UUID, "address": "10.0.0.9", "port_id": None,
                              "pci_request_id": None, "tag": "nic1"}},
        {"nova_object.name": "NetworkRequest", "nova_object.namespace": "nova", "nova_object.version": "1.0",
         "nova_object.data": {"network_id": UUID2}},
    ]},
}


def test_nova_instance_primitive() -> None:
    assert objects.instance(NOVA_INSTANCE) == InstanceInfo(
        uuid=UUID, id=17, project_id="p1", user_id="u1", host="compute-1", launched_on="compute-0",
        hostname="vm-1", display_name="VM 1", availability_zone="nova")


def test_instance_dict_from_old_callers() -> None:
    assert objects.instance({"uuid": UUID, "host": None, "project_id": "p"}) == InstanceInfo(uuid=UUID,
                                                                                          project_id="p")


@pytest.mark.parametrize("value", [
    {"nova_object.name": "Instance", "nova_object.data": {"project_id": "p"}},
    {"nova_object.name": "Instance", "nova_object.data": {"uuid": "nope"}},
    {"nova_object.name": "Instance", "nova_object.data": {"uuid": UUID, "id": "17"}},
    {"nova_object.name": "Instance", "nova_object.data": {"uuid": UUID, "host": 5}},
    {"nova_object.name": "Instance"},
    {"nova_object.name": "Network", "nova_object.data": {"uuid": UUID}},
    "instance",
    [UUID],
])
def test_bad_instances(value: Any) -> None:
    with pytest.raises(BadValue):
        objects.instance(value)


def test_nova_network_request_list() -> None:
    assert objects.requested_networks(NOVA_REQUESTS) == [
        RequestedNetwork(network_id=NET_UUID, address="10.0.0.9", tag="nic1"),
        RequestedNetwork(network_id=UUID2),
    ]


def test_pairs_from_1_9_callers_and_longer_tuples() -> None:
    assert objects.requested_networks([[NET_UUID, "10.0.0.9"], [UUID2, None, "port", "pci"], [UUID]]) == [
        RequestedNetwork(NET_UUID, "10.0.0.9"), RequestedNetwork(UUID2), RequestedNetwork(UUID)]


def test_request_dicts() -> None:
    assert objects.requested_networks([{"network_id": NET_UUID, "fixed_ip": "10.0.0.4"}]) == [
        RequestedNetwork(NET_UUID, "10.0.0.4")]


def test_empty_request_list() -> None:
    assert objects.requested_networks([]) == []
    assert objects.requested_networks({"nova_object.name": "NetworkRequestList",
                                       "nova_object.data": {"objects": []}}) == []


@pytest.mark.parametrize("value", [
    "auto-please",
    [["not-a-uuid", None]],
    [[NET_UUID, None, None, None, None]],
    [5],
    {"nova_object.name": "Instance", "nova_object.data": {}},
    {"nova_object.name": "NetworkRequestList", "nova_object.data": {"objects": "x"}},
])
def test_bad_requests(value: Any) -> None:
    with pytest.raises(BadValue):
        objects.requested_networks(value)


@pytest.mark.parametrize("address", ["", "10.0.0.256", 5, "host"])
def test_bad_requested_address_is_fixed_ip_invalid(address: Any) -> None:
    with pytest.raises(exception.FixedIpInvalid):
        objects.requested_networks([[NET_UUID, address]])


@pytest.mark.parametrize(("value", "expected"), [
    ({"nova_object.name": "Network", "nova_object.data": {"id": 4, "uuid": NET_UUID, "host": None}}, 4),
    ({"id": 5, "label": "private"}, 5),
    (6, 6),
])
def test_network_refs(value: Any, expected: int) -> None:
    assert objects.network_id(value) == expected


@pytest.mark.parametrize("value", [{"uuid": NET_UUID}, True, "net", {"nova_object.name": "Instance",
                                                                    "nova_object.data": {"id": 1}}])
def test_bad_network_refs(value: Any) -> None:
    with pytest.raises(BadValue):
        objects.network_id(value)


def test_encoders_round_trip() -> None:
    info = InstanceInfo(uuid=UUID, project_id="p1", host="compute-1", id=3)
    primitive = objects.instance_primitive(info)
    assert primitive["nova_object.name"] == "Instance"
    assert primitive["nova_object.data"] == {"uuid": UUID, "id": 3, "project_id": "p1", "host": "compute-1"}
    assert objects.instance(primitive) == info
    requests = [RequestedNetwork(NET_UUID, "10.0.0.9", "nic1"), RequestedNetwork(UUID2)]
    assert objects.requested_networks(objects.network_request_list_primitive(requests)) == requests
    assert objects.requested_networks(objects.network_request_pairs(requests)) == [
        RequestedNetwork(NET_UUID, "10.0.0.9"), RequestedNetwork(UUID2)]
    assert objects.network_id(objects.network_primitive(8)) == 8
