"""``auto`` and ``none`` in every form callers send them, and the 1.18 calls, client and server side."""

from __future__ import annotations

from typing import Any

import pytest

from novanet import exception
from novanet.types import InstanceInfo, NetworkChoice, RequestedNetwork
from novanet.model import NetworkInfo
from novanet.rpc import objects
from novanet.context import RequestContext
from novanet.rpc.endpoints import NetworkEndpoint
from novanet.rpc.messaging import dispatcher
from novanet.rpc.wire import BadValue
from tests.unit.rpc.stub import NET_UUID, UUID, StubManager
from tests.unit.rpc.test_client import CTX, INFO, make_api, one

USER = RequestContext(user_id="u1", project_id="p1", roles=["member"])


def nova_request_list(network_id: str, **extra: Any) -> dict[str, Any]:
    """What nova >= 2.37 sends for networks 'auto'/'none' (NetworkRequestList 1.1 of one request)."""
    request = {"nova_object.name": "NetworkRequest", "nova_object.namespace": "nova",
               "nova_object.version": "1.1",
               "nova_object.data": {"network_id": network_id, "address": None, "port_id": None,
                                    "pci_request_id": None, **extra}}
    return {"nova_object.name": "NetworkRequestList", "nova_object.namespace": "nova",
            "nova_object.version": "1.1", "nova_object.data": {"objects": [request]}}


@pytest.mark.parametrize(("value", "choice"), [
    ("auto", NetworkChoice.AUTO),
    ("none", NetworkChoice.NONE),
    (nova_request_list("auto"), NetworkChoice.AUTO),
    (nova_request_list("none"), NetworkChoice.NONE),
    ([["auto", None]], NetworkChoice.AUTO),  # nova-network's API turned requests into pairs
    ([("none",)], NetworkChoice.NONE),
    ([{"network_id": "auto"}], NetworkChoice.AUTO),
    (objects.network_choice_primitive(NetworkChoice.AUTO), NetworkChoice.AUTO),
])
def test_every_spelling_of_auto_and_none(value: Any, choice: NetworkChoice) -> None:
    assert objects.requested_networks(value) is choice


@pytest.mark.parametrize("value", [
    "Auto", "any", "",
    [["auto", None], [NET_UUID, None]],
    [["auto", "10.0.0.3"]],
    nova_request_list("none", address="10.0.0.3"),
    nova_request_list("auto", port_id="5b2f1c1e-1111-4d4d-9a9a-000000000001"),
    [[NET_UUID, None], ["none", None]],
])
def test_auto_and_none_stand_alone(value: Any) -> None:
    with pytest.raises(BadValue):
        objects.requested_networks(value)


def test_plain_lists_are_unchanged() -> None:
    assert objects.requested_networks([[NET_UUID, None]]) == [RequestedNetwork(NET_UUID)]
    assert objects.requested_networks([]) == []


# -- the server side -------------------------------------------------------------------


@pytest.mark.parametrize("requested", ["auto", nova_request_list("auto")])
def test_allocate_auto_reaches_the_manager_as_the_word(endpoint: NetworkEndpoint, stub: StubManager,
                                                       requested: Any) -> None:
    endpoint.allocate_for_instance(USER, instance_id=UUID, project_id="p1", requested_networks=requested)
    assert stub.last().kwargs["requested_networks"] is NetworkChoice.AUTO


def test_validate_and_deallocate_take_the_words(endpoint: NetworkEndpoint, stub: StubManager) -> None:
    endpoint.validate_networks(USER, networks=[["auto", None]])
    assert stub.last().args[1] is NetworkChoice.AUTO
    endpoint.deallocate_for_instance(USER, instance_id=UUID, project_id="p1",
                                     requested_networks=nova_request_list("none"))
    assert stub.last().kwargs["requested_networks"] is NetworkChoice.NONE


def test_a_word_mixed_with_networks_never_reaches_the_manager(endpoint: NetworkEndpoint, stub: StubManager) -> None:
    with pytest.raises(dispatcher.ExpectedException) as info:
        endpoint.allocate_for_instance(USER, instance_id=UUID, project_id="p1",
                                       requested_networks=[["auto", None], [NET_UUID, None]])
    error = info.value.exc_info[1]
    assert isinstance(error, exception.InvalidRequest) and "must be the only request" in str(error)
    assert stub.calls == []


def test_users_may_only_ask_about_their_own_project(endpoint: NetworkEndpoint, stub: StubManager) -> None:
    with pytest.raises(dispatcher.ExpectedException) as info:
        endpoint.get_auto_allocated_network(USER, project_id="someone-else", dry_run=True)
    assert isinstance(info.value.exc_info[1], exception.PolicyNotAuthorized)
    with pytest.raises(dispatcher.ExpectedException):
        endpoint.delete_auto_allocated_network(USER, project_id="someone-else")
    assert stub.calls == []
    endpoint.get_auto_allocated_network(USER, dry_run=True)  # the caller's own project by default
    assert stub.last().args[1:] == ("p1", True)


# -- the client side ---------------------------------------------------------------------


@pytest.mark.parametrize("word", ["auto", NetworkChoice.AUTO])
def test_the_client_sends_nova_s_form_at_1_18(fake_transport: Any, word: Any) -> None:
    api, rec = make_api(fake_transport, reply=[])
    assert api.allocate_for_instance(CTX, INFO, requested_networks=word) == NetworkInfo(vifs=())
    sent = one(rec)
    assert sent.version == "1.18"
    wire = sent.kwargs["requested_networks"]
    (request,) = wire["nova_object.data"]["objects"]
    assert (wire["nova_object.name"], request["nova_object.name"]) == ("NetworkRequestList", "NetworkRequest")
    assert request["nova_object.data"]["network_id"] == "auto"
    assert objects.requested_networks(sent.kwargs["requested_networks"]) is NetworkChoice.AUTO


def test_an_old_server_is_never_sent_a_word(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport, cap="newton")
    for call in (lambda: api.allocate_for_instance(CTX, INFO, requested_networks="none"),
                 lambda: api.validate_networks(CTX, "auto"),
                 lambda: api.get_auto_allocated_network(CTX, "p1", dry_run=True)):
        with pytest.raises(exception.RPCPinnedToOldVersion):
            call()
    assert rec.sent == []


def test_none_is_never_deallocated_and_auto_deallocates_everything(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport)
    api.deallocate_for_instance(CTX, INFO, requested_networks="none")
    assert rec.sent == []
    api.deallocate_for_instance(CTX, INFO, requested_networks=NetworkChoice.AUTO)
    assert one(rec).kwargs["requested_networks"] is None


def test_bad_words_are_refused_by_the_client(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport)
    with pytest.raises(exception.InvalidRequest):
        api.allocate_for_instance(CTX, InstanceInfo(uuid=UUID), requested_networks="anything")
    assert rec.sent == []


def test_dry_run_and_delete_calls(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport, reply={"id": "dry-run=pass", "project_id": "p1"})
    assert api.get_auto_allocated_network(CTX, "p1", dry_run=True)["id"] == "dry-run=pass"
    sent = one(rec)
    assert (sent.method, sent.version, sent.kwargs) == ("get_auto_allocated_network", "1.18",
                                                        {"project_id": "p1", "dry_run": True})
    rec.sent.clear()
    api.delete_auto_allocated_network(CTX, "p1", host="net-2")
    sent = one(rec)
    assert (sent.method, sent.server, sent.context.is_admin) == ("delete_auto_allocated_network", "net-2", True)
