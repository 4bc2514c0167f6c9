"""Client and server together over oslo.messaging's in-memory transport.

The fake transport polls every 50 ms, so these few calls take about a second;
the real broker is exercised by tests/integration/rpc.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.model import NetworkInfo
from novanet.rpc import transport
from novanet.rpc.client import NetworkAPI
from novanet.context import RequestContext, get_admin_context
from novanet.rpc.endpoints import BaseEndpoint, NetworkEndpoint
from novanet.rpc.messaging import oslo_messaging
from tests.fixtures.wait import wait_until
from tests.unit.rpc.stub import NET_UUID, NW_INFO, UUID, StubManager

ADMIN = get_admin_context()


def remote_type(error: BaseException) -> str:
    """The server-side class name (a RemoteError over a broker; the fake transport passes the original)."""
    return str(getattr(error, "exc_type", None) or type(error).__name__)


class Served:
    def __init__(self, transport_: Any, topic: str, stub: StubManager, api: NetworkAPI) -> None:
        self.transport, self.topic, self.stub, self.api = transport_, topic, stub, api


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """One server for the module (stopping the fake transport's server takes a second)."""
    fake = transport.get_transport(CONF, url="fake:")
    topic = "network-" + uuid.uuid4().hex[:8]
    stub = StubManager(host="host-a")
    server = transport.get_server(fake, "host-a", [NetworkEndpoint(stub), BaseEndpoint()],  # type: ignore[arg-type]
                                  topic_=topic)
    server.start()
    try:
        yield Served(fake, topic, stub, NetworkAPI(transport_=fake, topic=topic, timeout=10))
    finally:
        server.stop()
        server.wait()
        fake.cleanup()


@pytest.fixture
def stub(served: Served) -> StubManager:
    served.stub.calls.clear()
    served.stub.raises.clear()
    return served.stub


@pytest.fixture
def api(served: Served, stub: StubManager) -> NetworkAPI:
    return served.api


@pytest.fixture
def raw_target(served: Served) -> tuple[Any, str]:
    return served.transport, served.topic


def test_allocate_round_trip(api: NetworkAPI, stub: StubManager) -> None:
    nw_info = api.allocate_for_instance(ADMIN, UUID, project_id="p1", host="host-a",
                                        requested_networks=[(NET_UUID, "10.0.0.9")])
    assert isinstance(nw_info, NetworkInfo) and nw_info == NW_INFO
    call = stub.last("allocate_for_instance")
    assert isinstance(call.context, RequestContext) and call.context.is_admin
    assert call.kwargs["requested_networks"][0].address == "10.0.0.9"


def test_typed_error_arrives_as_the_same_class_with_a_clean_message(api: NetworkAPI, stub: StubManager) -> None:
    stub.raises["nw_info.get_instance_nw_info"] = exception.InstanceNotFound(instance_id=UUID)
    with pytest.raises(exception.InstanceNotFound) as info:
        api.get_instance_nw_info(ADMIN, UUID)
    assert type(info.value) is exception.InstanceNotFound
    assert str(info.value) == f"Instance {UUID} could not be found."
    assert info.value.kwargs == {"instance_id": UUID}


def test_malformed_request_is_invalid_request(api: NetworkAPI, stub: StubManager) -> None:
    with pytest.raises(exception.InvalidRequest) as info:
        api.allocate_for_instance(ADMIN, "not-an-instance")
    assert "argument 'instance_id' must be an instance uuid" in str(info.value)
    assert "Traceback" not in str(info.value)
    assert stub.calls == []


def test_private_wire_names_served_but_nothing_else_unexposed(api: NetworkAPI, stub: StubManager,
                                                             raw_target: tuple[Any, str]) -> None:
    fake_transport, topic = raw_target
    assert api.rpc_allocate_fixed_ip(ADMIN, "host-a", UUID, 1, None, False) == "10.0.0.3"
    raw = oslo_messaging.get_rpc_client(fake_transport, oslo_messaging.Target(topic=topic, version="1.0"),
                                        timeout=10)
    for helper in ("_migration", "authorize", "require", "served_methods", "manager"):
        with pytest.raises(Exception) as info:
            raw.call({}, helper, instance_uuid=UUID)
        assert remote_type(info.value) == "NoSuchMethod", helper
    assert stub.names() == ["rpc_allocate_fixed_ip"]


def test_major_version_2_is_refused(api: NetworkAPI, raw_target: tuple[Any, str]) -> None:
    fake_transport, topic = raw_target
    raw = oslo_messaging.get_rpc_client(fake_transport, oslo_messaging.Target(topic=topic, version="2.0"),
                                        timeout=10)
    with pytest.raises(Exception) as info:
        raw.call({}, "get_all_networks")
    assert remote_type(info.value) == "UnsupportedVersion"


def test_casts_fanout_and_ping(api: NetworkAPI, stub: StubManager) -> None:
    assert api.ping(ADMIN, "hello", host="host-a") == {"service": "network", "arg": "hello"}
    api.lease_fixed_ip(ADMIN, "host-a", "10.0.0.3", "fa:16:3e:00:00:01")
    api.update_dns(RequestContext(project_id="p1"), [4])
    wait_until(lambda: {"lease_fixed_ip", "plumbing.update_dns"} <= set(stub.names()), timeout=10)
    assert stub.last("plumbing.update_dns").context.is_admin
    assert stub.last("lease_fixed_ip").kwargs == {} and stub.last("lease_fixed_ip").args[1:] == (
        "10.0.0.3", "fa:16:3e:00:00:01")
