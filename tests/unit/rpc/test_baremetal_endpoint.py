"""The baremetal endpoint: policy, wire arguments, typed errors, and the client agreeing with it."""

from __future__ import annotations

import inspect
from traceback import format_exception
from typing import Any

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.context import RequestContext, get_admin_context
from novanet.drivers.fake import RecordingDriver
from novanet.drivers.switch.fake import FakeSwitch
from novanet.manager.flat import FlatDHCPManager
from novanet.providers.service import BaremetalNetworks
from novanet.rpc import policy
from novanet.rpc.client.baremetal import BaremetalAPI
from novanet.rpc.endpoints.baremetal import BaremetalEndpoint
from novanet.rpc.messaging import dispatcher
from novanet.rpc.transport import NetworkAccessPolicy
from tests.fixtures.bmhost import FakeNodeHost

ADMIN = get_admin_context()
USER = RequestContext(user_id="u1", project_id="p1", roles=["member"])


def exposed() -> set[str]:
    return {name for name in dir(BaremetalEndpoint)
            if NetworkAccessPolicy().is_allowed(BaremetalEndpoint(None), name)}


def test_every_wire_method_has_a_rule_and_a_client_method() -> None:
    assert exposed() == {f"baremetal_{rule}" for rule in policy.BAREMETAL_DEFAULTS}
    source = inspect.getsource(BaremetalAPI)
    assert all(f'"{name}"' in source for name in exposed()), "the client sends every wire method"


@pytest.fixture
def endpoint(sqlite_store: str) -> tuple[BaremetalEndpoint, FakeSwitch]:
    manager = FlatDHCPManager("bm-host", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN, label="provisioning", cidr="10.251.0.0/28", bridge="brprov")
    manager.networks.create_networks(ADMIN, label="tenant", cidr="10.10.0.0/28", bridge="brt", project_id="p1")
    switch = FakeSwitch(ports={"sw0": None})
    manager._baremetal = BaremetalNetworks(FakeNodeHost(switch))
    CONF.set_override("provisioning_network", "provisioning", group="baremetal")
    yield BaremetalEndpoint(manager), switch
    CONF.clear_override("provisioning_network", group="baremetal")


def raised(call: Any) -> BaseException:
    with pytest.raises(dispatcher.ExpectedException) as info:
        call()
    assert info.value.exc_info is not None
    error = info.value.exc_info[1]
    assert "Traceback" not in "".join(format_exception(*info.value.exc_info))
    return error


def test_a_conductor_deploys_a_node_over_the_endpoint(endpoint: tuple[BaremetalEndpoint, FakeSwitch]) -> None:
    ep, switch = endpoint
    state = ep.baremetal_node_create(ADMIN, name="node1", fields={"network_provider": "isolated",
                                                                  "power_state": "off"})
    assert state["provider"] == "isolated" and state["phase"] == "none"
    state = ep.baremetal_port_create(ADMIN, node="node1", mac="52:54:00:00:00:01", switch_port="sw0")
    assert [p["switch_port"] for p in state["ports"]] == ["sw0"]
    vif = ep.baremetal_vif_attach(ADMIN, node="node1", network="tenant")
    assert ep.baremetal_validate(ADMIN, node="node1", purpose="deploy")[0] == "provider isolated"
    state = ep.baremetal_switch(ADMIN, node="node1", operation="add_provisioning_network")
    assert state["phase"] == "provisioning" and switch.ports == {"sw0": "brprov"}
    ep.baremetal_node_set(ADMIN, node="node1", fields={"power_state": "on"})
    error = raised(lambda: ep.baremetal_switch(ADMIN, node="node1", operation="remove_provisioning_network"))
    assert isinstance(error, exception.NodePoweredOn)
    ep.baremetal_node_set(ADMIN, node="node1", fields={"power_state": "off"})
    ep.baremetal_switch(ADMIN, node="node1", operation="remove_provisioning_network")
    state = ep.baremetal_switch(ADMIN, node="node1", operation="configure_tenant_networks")
    assert state["phase"] == "tenant" and state["vifs"][0]["uuid"] == vif and switch.ports == {"sw0": "brt"}
    assert ep.baremetal_node_show(ADMIN, node="node1") == state


def test_bad_arguments_and_callers_are_refused(endpoint: tuple[BaremetalEndpoint, FakeSwitch]) -> None:
    ep, switch = endpoint
    ep.baremetal_node_create(ADMIN, name="node1")
    assert isinstance(raised(lambda: ep.baremetal_node_show(USER, node="node1")), exception.PolicyNotAuthorized)
    assert isinstance(raised(lambda: ep.baremetal_switch(ADMIN, node="node1")), exception.InvalidRequest)
    error = raised(lambda: ep.baremetal_switch(ADMIN, node="node1", operation="rm -rf"))
    assert isinstance(error, exception.InvalidRequest) and "configure_tenant_networks" in str(error)
    error = raised(lambda: ep.baremetal_node_set(ADMIN, node="node1", fields={"reservation": "me"}))
    assert isinstance(error, exception.InvalidRequest) and "reservation" in str(error)
    assert isinstance(raised(lambda: ep.baremetal_node_show(ADMIN, node="nope")), exception.BaremetalNodeNotFound)
    assert isinstance(raised(lambda: ep.baremetal_node_create(ADMIN, name="bad name")),
                      exception.InvalidParameterValue)
    assert switch.moves == []
