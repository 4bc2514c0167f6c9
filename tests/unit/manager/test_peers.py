"""What a manager asks of other hosts (manager/peers.py): the RPC client and the test peers fit it."""

from __future__ import annotations

import inspect

import pytest

from novanet.manager.peers import PeerAPI
from novanet.rpc.client import NetworkAPI
from tests.fixtures.peers import LocalPeers

CALLS = sorted(name for name, _ in inspect.getmembers(PeerAPI, inspect.isfunction) if not name.startswith("_"))


def test_the_protocol_names_the_host_to_host_calls() -> None:
    assert CALLS == ["associate_floating_ip_local", "deallocate_fixed_ip", "delete_auto_allocated_network",
                     "disassociate_floating_ip_local",
                     "migrate_instance_finish", "migrate_instance_start", "release_dhcp", "rpc_allocate_fixed_ip",
                     "rpc_setup_network_on_host", "set_network_host", "update_dns"]


@pytest.mark.parametrize("implementation", [NetworkAPI, LocalPeers])
@pytest.mark.parametrize("name", CALLS)
def test_implementations_take_the_protocols_arguments(implementation: type, name: str) -> None:
    wanted = inspect.signature(getattr(PeerAPI, name))
    given = inspect.signature(getattr(implementation, name))
    names = [p.name for p in wanted.parameters.values() if p.kind is not p.VAR_KEYWORD]
    for parameter in names:
        assert parameter in given.parameters or any(
            p.kind is p.VAR_KEYWORD for p in given.parameters.values()), (implementation, name, parameter)
