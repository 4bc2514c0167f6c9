"""NetworkAPI: names, arguments, call or cast, version pins and routing, per cap."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from novanet import exception
from novanet.manager.peers import PeerAPI
from novanet.types import InstanceInfo, RequestedNetwork
from novanet.model import NetworkInfo
from novanet.rpc import errors, objects, versions
from novanet.rpc.client import NetworkAPI
from novanet.context import RequestContext, get_admin_context
from tests.unit.rpc.stub import NET_UUID, NW_INFO, UUID

CTX = RequestContext(user_id="u1", project_id="p1", roles=["member"])
INFO = InstanceInfo(uuid=UUID, project_id="p1", host="compute-1", id=17)


@dataclasses.dataclass
class Sent:
    method: str
    kwargs: dict[str, Any]
    version: str
    server: str | None
    fanout: bool
    cast: bool
    namespace: str | None
    context: Any


class RecordingClient:
    """Stands in for oslo.messaging's RPCClient: records what would be sent."""

    def __init__(self, cap: str | None, reply: Any = None) -> None:
        self.cap = cap
        self.reply = reply
        self.sent: list[Sent] = []

    def can_send_version(self, version: str) -> bool:
        return self.cap is None or versions.parse_version(version) <= versions.parse_version(self.cap)

    def prepare(self, version: str, server: str | None = None, fanout: bool = False,
                namespace: str | None = None, timeout: float | None = None) -> Any:
        assert self.can_send_version(version), f"{version} above the cap {self.cap}"
        client = self

        class Prepared:
            def call(self, ctxt: Any, method: str, **kwargs: Any) -> Any:
                client.sent.append(Sent(method, kwargs, version, server, fanout, False, namespace, ctxt))
                return client.reply

            def cast(self, ctxt: Any, method: str, **kwargs: Any) -> None:
                client.sent.append(Sent(method, kwargs, version, server, fanout, True, namespace, ctxt))

        return Prepared()


def make_api(fake_transport: Any, cap: str | None = None, multi_host: bool = False,
             reply: Any = None) -> tuple[NetworkAPI, RecordingClient]:
    api = NetworkAPI(transport_=fake_transport, topic="t", version_cap=cap or "", multi_host=multi_host)
    recorder = RecordingClient(versions.resolve_cap(cap), reply)
    api.client = recorder
    return api, recorder


def one(recorder: RecordingClient) -> Sent:
    assert len(recorder.sent) == 1, recorder.sent
    return recorder.sent[0]


def test_allocate_newest_shape_topic_routed(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport, reply=NW_INFO.to_primitive())
    result = api.allocate_for_instance(CTX, UUID, project_id="p1", host="compute-1", rxtx_factor=1.0,
                                       vpn=False, requested_networks=[(NET_UUID, "10.0.0.9")], macs=("m1",),
                                       dhcp_options={"ignored": True})
    assert result == NW_INFO and isinstance(result, NetworkInfo)
    sent = one(rec)
    assert (sent.method, sent.version, sent.server, sent.cast) == ("allocate_for_instance", "1.13", None, False)
    assert sent.kwargs == {
        "instance_id": UUID, "project_id": "p1", "host": "compute-1", "rxtx_factor": 1.0, "vpn": False,
        "macs": ["m1"],
        "requested_networks": objects.network_request_list_primitive([RequestedNetwork(NET_UUID, "10.0.0.9")])}


def test_allocate_multi_host_goes_to_the_instance_host_and_pairs_below_1_13(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport, cap="icehouse", multi_host=True, reply=[])
    api.allocate_for_instance(CTX, INFO, requested_networks=[RequestedNetwork(NET_UUID)])
    sent = one(rec)
    assert (sent.version, sent.server) == ("1.9", "compute-1")
    assert sent.kwargs["requested_networks"] == [[NET_UUID, None]]
    assert sent.kwargs["instance_id"] == UUID and sent.kwargs["project_id"] == "p1"


@pytest.mark.parametrize(("cap", "version", "keys"), [
    (None, "1.11", {"instance", "requested_networks"}),
    ("1.10", "1.10", {"instance_id", "project_id", "host", "requested_networks"}),
    ("grizzly", "1.0", {"instance_id", "project_id", "host"}),
])
def test_deallocate_shapes(fake_transport: Any, cap: str | None, version: str, keys: set[str]) -> None:
    api, rec = make_api(fake_transport, cap=cap, multi_host=True)
    api.deallocate_for_instance(CTX, INFO)
    sent = one(rec)
    assert (sent.version, sent.server, set(sent.kwargs)) == (version, "compute-1", keys)
    if "instance" in keys:
        assert objects.instance(sent.kwargs["instance"]) == INFO


@pytest.mark.parametrize(("call", "method", "version", "kwargs"), [
    (lambda api: api.get_instance_nw_info(CTX, UUID, 1.0, "h", "p1"), "get_instance_nw_info", "1.9",
     {"instance_id": UUID, "rxtx_factor": 1.0, "host": "h", "project_id": "p1"}),
    (lambda api: api.add_fixed_ip_to_instance(CTX, UUID, None, "h", 3), "add_fixed_ip_to_instance", "1.9",
     {"instance_id": UUID, "rxtx_factor": None, "host": "h", "network_id": 3}),
    (lambda api: api.remove_fixed_ip_from_instance(CTX, UUID, None, "h", "10.0.0.3"),
     "remove_fixed_ip_from_instance", "1.9",
     {"instance_id": UUID, "rxtx_factor": None, "host": "h", "address": "10.0.0.3"}),
    (lambda api: api.validate_networks(CTX, [(NET_UUID, None)]), "validate_networks", "1.0",
     {"networks": [[NET_UUID, None]]}),
    (lambda api: api.create_networks(CTX, label="l", cidr="10.0.0.0/24"), "create_networks", "1.0",
     {"label": "l", "cidr": "10.0.0.0/24"}),
    (lambda api: api.delete_network(CTX, NET_UUID, None), "delete_network", "1.0",
     {"uuid": NET_UUID, "fixed_range": None}),
    (lambda api: api.add_network_to_project(CTX, "p1"), "add_network_to_project", "1.0",
     {"project_id": "p1", "network_uuid": None}),
    (lambda api: api.get_dns_domains(CTX), "get_dns_domains", "1.0", {}),
    (lambda api: api.add_dns_entry(CTX, "10.0.0.3", "vm", "A", "d"), "add_dns_entry", "1.0",
     {"address": "10.0.0.3", "name": "vm", "dns_type": "A", "domain": "d"}),
    (lambda api: api.modify_dns_entry(CTX, "vm", "10.0.0.4", "d"), "modify_dns_entry", "1.0",
     {"address": "10.0.0.4", "name": "vm", "domain": "d"}),
    (lambda api: api.delete_dns_entry(CTX, "vm", "d"), "delete_dns_entry", "1.0", {"name": "vm", "domain": "d"}),
    (lambda api: api.delete_dns_domain(CTX, "d"), "delete_dns_domain", "1.0", {"domain": "d"}),
    (lambda api: api.get_dns_entries_by_address(CTX, "10.0.0.3", "d"), "get_dns_entries_by_address", "1.0",
     {"address": "10.0.0.3", "domain": "d"}),
    (lambda api: api.get_dns_entries_by_name(CTX, "vm", "d"), "get_dns_entries_by_name", "1.0",
     {"name": "vm", "domain": "d"}),
    (lambda api: api.create_private_dns_domain(CTX, "d", "az"), "create_private_dns_domain", "1.0",
     {"domain": "d", "av_zone": "az"}),
    (lambda api: api.create_public_dns_domain(CTX, "d", "p1"), "create_public_dns_domain", "1.0",
     {"domain": "d", "project": "p1"}),
    (lambda api: api.migrate_instance_start(CTX, instance_uuid=UUID, rxtx_factor=1.0, project_id="p1",
                                            source_compute="a", dest_compute="b", floating_addresses=["f"]),
     "migrate_instance_start", "1.2",
     {"instance_uuid": UUID, "rxtx_factor": 1.0, "project_id": "p1", "source": "a", "dest": "b",
      "floating_addresses": ["f"]}),
    (lambda api: api.get_all_networks(CTX), "get_all_networks", "1.0", {}),
    (lambda api: api.get_network(CTX, NET_UUID), "get_network", "1.0", {"network_uuid": NET_UUID}),
    (lambda api: api.disassociate_network(CTX, NET_UUID), "disassociate_network", "1.0",
     {"network_uuid": NET_UUID}),
    (lambda api: api.associate(CTX, NET_UUID, {"host": None}), "associate", "1.5",
     {"network_uuid": NET_UUID, "associations": {"host": None}}),
    (lambda api: api.get_fixed_ip(CTX, 3), "get_fixed_ip", "1.0", {"id": 3}),
    (lambda api: api.get_fixed_ip_by_address(CTX, "10.0.0.3"), "get_fixed_ip_by_address", "1.0",
     {"address": "10.0.0.3"}),
    (lambda api: api.get_vifs_by_instance(CTX, UUID), "get_vifs_by_instance", "1.0", {"instance_id": UUID}),
    (lambda api: api.get_vif_by_mac_address(CTX, "m"), "get_vif_by_mac_address", "1.0", {"mac_address": "m"}),
    (lambda api: api.get_instance_uuids_by_ip_filter(CTX, {"ip": "x"}), "get_instance_uuids_by_ip_filter",
     "1.0", {"filters": {"ip": "x"}}),
    (lambda api: api.get_instance_id_by_floating_address(CTX, "f"), "get_instance_id_by_floating_address",
     "1.0", {"address": "f"}),
    (lambda api: api.get_floating_ip(CTX, 3), "get_floating_ip", "1.0", {"id": 3}),
    (lambda api: api.get_floating_pools(CTX), "get_floating_pools", "1.0", {}),
    (lambda api: api.get_floating_ip_pools(CTX), "get_floating_ip_pools", "1.7", {}),
    (lambda api: api.get_floating_ip_by_address(CTX, "f"), "get_floating_ip_by_address", "1.0", {"address": "f"}),
    (lambda api: api.get_floating_ips_by_project(CTX), "get_floating_ips_by_project", "1.0", {}),
    (lambda api: api.get_floating_ips_by_fixed_address(CTX, "x"), "get_floating_ips_by_fixed_address", "1.0",
     {"fixed_address": "x"}),
    (lambda api: api.allocate_floating_ip(CTX, "p1", pool="nova"), "allocate_floating_ip", "1.0",
     {"project_id": "p1", "auto_assigned": False, "pool": "nova"}),
    (lambda api: api.deallocate_floating_ip(CTX, "f"), "deallocate_floating_ip", "1.0",
     {"address": "f", "affect_auto_assigned": False}),
    (lambda api: api.associate_floating_ip(CTX, "f", "x"), "associate_floating_ip", "1.0",
     {"floating_address": "f", "fixed_address": "x", "affect_auto_assigned": False}),
    (lambda api: api.disassociate_floating_ip(CTX, "f", True), "disassociate_floating_ip", "1.0",
     {"address": "f", "affect_auto_assigned": True}),
])
def test_topic_calls(fake_transport: Any, call: Any, method: str, version: str, kwargs: dict[str, Any]) -> None:
    api, rec = make_api(fake_transport, reply=[])
    call(api)
    sent = one(rec)
    assert (sent.method, sent.version, sent.kwargs, sent.server, sent.fanout, sent.cast) == (
        method, version, kwargs, None, False, False)
    assert sent.context is CTX


@pytest.mark.parametrize(("call", "method", "version", "kwargs"), [
    (lambda api: api.rpc_setup_network_on_host(CTX, "h2", 4, True), "rpc_setup_network_on_host", "1.0",
     {"network_id": 4, "teardown": True}),
    (lambda api: api.rpc_allocate_fixed_ip(CTX, "h2", UUID, 4, None, False), "_rpc_allocate_fixed_ip", "1.0",
     {"instance_id": UUID, "network_id": 4, "address": None, "vpn": False}),
    (lambda api: api.deallocate_fixed_ip(CTX, "h2", "10.0.0.3", INFO), "deallocate_fixed_ip", "1.12",
     {"address": "10.0.0.3", "host": "h2", "instance": objects.instance_primitive(INFO)}),
    (lambda api: api.deallocate_fixed_ip(CTX, "h2", "10.0.0.3", None), "deallocate_fixed_ip", "1.0",
     {"address": "10.0.0.3", "host": "h2"}),
    (lambda api: api.associate_floating_ip_local(CTX, "h2", "f", "x", "eth0", UUID), "_associate_floating_ip",
     "1.6", {"floating_address": "f", "fixed_address": "x", "interface": "eth0", "instance_uuid": UUID}),
    (lambda api: api.disassociate_floating_ip_local(CTX, "h2", "f", None, UUID), "_disassociate_floating_ip",
     "1.6", {"address": "f", "interface": None, "instance_uuid": UUID}),
    (lambda api: api.release_dhcp(CTX, "h2", "br100", "10.0.0.3", "m"), "release_dhcp", "1.17",
     {"dev": "br100", "address": "10.0.0.3", "vif_address": "m"}),
])
def test_host_to_host_calls_are_elevated_and_directed(fake_transport: Any, call: Any, method: str, version: str,
                                                      kwargs: dict[str, Any]) -> None:
    api, rec = make_api(fake_transport)
    call(api)
    sent = one(rec)
    assert (sent.method, sent.version, sent.kwargs, sent.server, sent.cast) == (method, version, kwargs, "h2",
                                                                                False)
    assert sent.context.is_admin and sent.context.project_id == "p1" and not CTX.is_admin


def test_set_network_host_sends_a_network_object_from_1_15(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport, reply="h3")
    assert api.set_network_host(CTX, 5) == "h3"
    sent = one(rec)
    assert (sent.version, sent.server) == ("1.15", None)
    assert objects.network_id(sent.kwargs["network_ref"]) == 5
    api, rec = make_api(fake_transport, cap="kilo", reply="h3")
    api.set_network_host(CTX, 5)
    assert (one(rec).version, one(rec).kwargs) == ("1.0", {"network_ref": {"id": 5}})


def test_release_dhcp_below_1_17_is_pinned(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport, cap="mitaka")
    with pytest.raises(exception.RPCPinnedToOldVersion):
        api.release_dhcp(CTX, "h2", "br100", "10.0.0.3", "m")
    assert rec.sent == []


def test_update_dns_is_a_fanout_cast(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport)
    api.update_dns(CTX, [1, 2])
    sent = one(rec)
    assert (sent.method, sent.version, sent.fanout, sent.cast, sent.kwargs) == (
        "update_dns", "1.3", True, True, {"network_ids": [1, 2]})


@pytest.mark.parametrize(("cap", "version", "kwargs"), [
    (None, "1.14", {"address": "10.0.0.3", "mac": "m"}),
    ("1.13", "1.0", {"address": "10.0.0.3"}),
])
def test_release_fixed_ip_drops_mac_below_1_14(fake_transport: Any, cap: str | None, version: str,
                                               kwargs: dict[str, Any]) -> None:
    api, rec = make_api(fake_transport, cap=cap)
    api.release_fixed_ip(get_admin_context(), "h1", "10.0.0.3", "m")
    sent = one(rec)
    assert (sent.method, sent.version, sent.kwargs, sent.server, sent.cast) == (
        "release_fixed_ip", version, kwargs, "h1", True)


def test_lease_fixed_ip_cast_to_host(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport)
    api.lease_fixed_ip(get_admin_context(), "h1", "10.0.0.3")
    sent = one(rec)
    assert (sent.method, sent.version, sent.kwargs, sent.server, sent.cast) == (
        "lease_fixed_ip", "1.0", {"address": "10.0.0.3"}, "h1", True)


@pytest.mark.parametrize(("cap", "version", "with_instance"), [(None, "1.16", True), ("liberty", "1.0", False)])
def test_setup_networks_on_host_falls_back_without_instance(fake_transport: Any, cap: str | None, version: str,
                                                            with_instance: bool) -> None:
    api, rec = make_api(fake_transport, cap=cap)
    api.setup_networks_on_host(CTX, host="h", teardown=True, instance=INFO)
    sent = one(rec)
    assert sent.version == version and ("instance" in sent.kwargs) == with_instance
    assert sent.kwargs["instance_id"] == (None if with_instance else 17)
    assert sent.kwargs["teardown"] is True


def test_migrations_to_a_named_host(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport)
    api.migrate_instance_finish(CTX, "dest-host", instance_uuid=UUID, source="a", dest="dest-host")
    assert (one(rec).server, one(rec).kwargs["dest"]) == ("dest-host", "dest-host")


def test_ping_and_backdoor_use_the_base_namespace(fake_transport: Any) -> None:
    api, rec = make_api(fake_transport, reply={"service": "network", "arg": 1})
    api.ping(CTX, 1, host="h1")
    api.get_backdoor_port(CTX)
    assert [(s.method, s.namespace, s.version, s.server) for s in rec.sent] == [
        ("ping", "baseapi", "1.1", "h1"), ("get_backdoor_port", "baseapi", "1.1", None)]


def test_every_table_method_has_a_client_method() -> None:
    sent_names = {"_rpc_allocate_fixed_ip": "rpc_allocate_fixed_ip",
                  "_associate_floating_ip": "associate_floating_ip_local",
                  "_disassociate_floating_ip": "disassociate_floating_ip_local"}
    for name in versions.METHODS:
        assert callable(getattr(NetworkAPI, sent_names.get(name, name))), name


def test_network_api_is_a_peer_api(fake_transport: Any) -> None:
    peers: PeerAPI = NetworkAPI(transport_=fake_transport, topic="t")  # mypy checks the protocol
    for name in ("set_network_host", "rpc_allocate_fixed_ip", "deallocate_fixed_ip", "rpc_setup_network_on_host",
                 "associate_floating_ip_local", "disassociate_floating_ip_local", "release_dhcp", "update_dns",
                 "migrate_instance_start", "migrate_instance_finish"):
        assert callable(getattr(peers, name))


def test_bad_version_cap_is_a_config_error(fake_transport: Any) -> None:
    for cap in ("folsom", "2.0", "1.19", "one"):
        with pytest.raises(exception.InvalidConfig):
            NetworkAPI(transport_=fake_transport, version_cap=cap)
    assert versions.resolve_cap(" Juno ") == "1.13"
    assert versions.resolve_cap("1.12") == "1.12"
    assert versions.resolve_cap(None) is None


def test_remote_wrapper_is_unwrapped() -> None:
    remote_cls = type("NoMoreFixedIps_Remote", (exception.NoMoreFixedIps,), {"__str__": lambda self: "x\ntb"})
    error = remote_cls(net="n1")
    unwrapped = errors.unwrap(error)
    assert type(unwrapped) is exception.NoMoreFixedIps
    assert str(unwrapped) == "No fixed IP addresses available for network: n1"
    other = ValueError("v")
    assert errors.unwrap(other) is other
