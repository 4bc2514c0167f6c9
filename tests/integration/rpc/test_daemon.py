"""One novanet-network daemon, driven through RabbitMQ the way its callers drive it.

The daemon is a separate process (``novanet-network --config-file ...``) with
the fake host driver; the store is real (SQLite, PostgreSQL or MariaDB).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db import models, session
from novanet.types import InstanceInfo, RequestedNetwork
from novanet.model import NetworkInfo
from novanet.rpc.client import NetworkAPI
from novanet.context import RequestContext, get_admin_context
from novanet.rpc.messaging import oslo_messaging
from tests.fixtures.daemons import DaemonFactory
from tests.fixtures.rabbit import RpcIsolation
from tests.fixtures.wait import wait_until

pytestmark = [pytest.mark.services]

ADMIN = get_admin_context()
USER = RequestContext(user_id="u1", project_id="p1", roles=["member"])
OTHER = RequestContext(user_id="u2", project_id="p2", roles=["member"])
MANAGE = str(Path(sys.executable).parent / "novanet-manage")


def dump_store() -> dict[str, list[tuple[Any, ...]]]:
    """Every table but ``services`` (heartbeats change it all the time)."""
    with session.reader() as s:
        return {table.name: [tuple(r) for r in s.execute(sa.select(table).order_by(*table.primary_key.columns))]
                for table in models.Base.metadata.sorted_tables if table.name != "services"}


def create_network(api: NetworkAPI, cidr: str, bridge: str, **kwargs: Any) -> dict[str, Any]:
    (network,) = api.create_networks(ADMIN, label=f"net-{bridge}", cidr=cidr, num_networks=1, bridge=bridge,
                                     **kwargs)
    return network


def test_instance_life(daemons: DaemonFactory, network_api: NetworkAPI) -> None:
    daemons.spawn("host-a")
    api = network_api
    first = create_network(api, "10.20.0.0/24", "br100")
    second = create_network(api, "10.30.0.0/24", "br200")
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", "eth0")
    instance = InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host="compute-1")

    nw_info = api.allocate_for_instance(USER, instance.uuid, project_id="p1", host="compute-1", rxtx_factor=1.0,
                                        vpn=False, requested_networks=[RequestedNetwork(first["uuid"])])
    assert isinstance(nw_info, NetworkInfo) and len(nw_info) == 1
    (fixed,) = nw_info.fixed_ips()
    assert fixed.address.startswith("10.20.0.")
    assert nw_info[0].network is not None and nw_info[0].network.id == first["uuid"]
    assert api.get_instance_nw_info(USER, instance.uuid, 1.0, "compute-1", "p1") == nw_info

    # multinic: add an address on the second network, then take it away
    more = api.add_fixed_ip_to_instance(USER, instance.uuid, None, "compute-1", second["uuid"])
    assert [ip.address[:8] for ip in more.fixed_ips()] == ["10.20.0.", "10.30.0."]
    added = more.fixed_ips()[1].address
    fewer = api.remove_fixed_ip_from_instance(USER, instance.uuid, None, "compute-1", added)
    assert [ip.address for ip in fewer.fixed_ips()] == [fixed.address]

    # floating IPs
    floating = api.allocate_floating_ip(USER, "p1", pool="nova")
    assert floating.startswith("172.24.4.")
    assert api.associate_floating_ip(USER, floating, fixed.address) is None
    assert api.get_instance_nw_info(USER, instance.uuid).floating_ips() == [floating]
    assert api.get_floating_ips_by_fixed_address(USER, fixed.address) == [floating]
    api.disassociate_floating_ip(USER, floating)
    assert api.get_instance_nw_info(USER, instance.uuid).floating_ips() == []
    api.deallocate_floating_ip(USER, floating)
    assert db.floating_ip_get_by_address(floating).project_id is None

    api.deallocate_for_instance(USER, instance)
    assert len(api.get_instance_nw_info(USER, instance.uuid)) == 0
    assert not [r for r in db.fixed_ip_get_by_instance(instance.uuid) if r.allocated]
    api.deallocate_for_instance(USER, instance)  # twice is harmless


def test_typed_errors_reach_the_caller(daemons: DaemonFactory, network_api: NetworkAPI) -> None:
    daemon = daemons.spawn("host-a", quota_floating_ips=1)
    api = network_api
    small = create_network(api, "10.40.0.0/29", "br300")
    db.floating_ip_bulk_create("172.24.5.0/30", "nova", "eth0")
    taken = api.allocate_for_instance(USER, str(uuid.uuid4()), project_id="p1", host="c1").fixed_ips()[0].address

    def refused(error: type[exception.NovanetError], call: Any) -> exception.NovanetError:
        with pytest.raises(error) as info:
            call()
        assert type(info.value) is error, f"{type(info.value)} is not {error}"
        assert "Traceback" not in str(info.value)
        return info.value

    in_use = refused(exception.FixedIpAlreadyInUse, lambda: api.allocate_for_instance(
        USER, str(uuid.uuid4()), project_id="p1", host="c1", requested_networks=[(small["uuid"], taken)]))
    assert str(in_use).startswith(f"Fixed IP address {taken} is already in use on instance ")
    unknown = str(uuid.uuid4())
    assert str(refused(exception.InstanceNotFound, lambda: api.get_instance_nw_info(USER, unknown))) == (
        f"Instance {unknown} could not be found.")
    refused(exception.NetworkNotFoundForUUID,
            lambda: api.add_fixed_ip_to_instance(ADMIN, unknown, None, "c1", str(uuid.uuid4())))
    refused(exception.FloatingIpNotFoundForAddress, lambda: api.deallocate_floating_ip(USER, "192.0.2.77"))
    mine = api.allocate_floating_ip(USER, "p1")
    refused(exception.FloatingIpLimitExceeded, lambda: api.allocate_floating_ip(USER, "p1"))
    refused(exception.FloatingIpNotOwned, lambda: api.deallocate_floating_ip(OTHER, mine))
    refused(exception.PolicyNotAuthorized, lambda: api.allocate_floating_ip(OTHER, "p1"))
    refused(exception.PolicyNotAuthorized, lambda: api.create_networks(USER, label="x", cidr="10.50.0.0/24"))
    # the /29 has 8 addresses: 3 reserved (network, gateway, broadcast) and 5 to hand out
    for _ in range(4):
        api.allocate_for_instance(USER, str(uuid.uuid4()), project_id="p1", host="c1")
    refused(exception.NoMoreFixedIps,
            lambda: api.allocate_for_instance(USER, str(uuid.uuid4()), project_id="p1", host="c1"))

    # malformed requests change nothing
    before = dump_store()
    refused(exception.InvalidRequest, lambda: api.allocate_for_instance(USER, "vm-1", project_id="p1"))
    refused(exception.InvalidRequest, lambda: api.add_fixed_ip_to_instance(USER, unknown, None, "c1", "net-x"))
    refused(exception.FixedIpInvalid, lambda: api.allocate_for_instance(
        USER, str(uuid.uuid4()), project_id="p1", requested_networks=[(small["uuid"], "10.40.0.300")]))
    raw = api.client.prepare(version="1.13")
    for method, kwargs in [("allocate_for_instance", {"instance_id": str(uuid.uuid4()), "macs": "fa:16:3e"}),
                           ("allocate_for_instance", {"instance_id": str(uuid.uuid4()), "rxtx_factor": "x"}),
                           ("remove_fixed_ip_from_instance", {"instance_id": unknown}),
                           ("release_dhcp", {"dev": "br300"})]:
        with pytest.raises(exception.InvalidRequest):
            raw.call(ADMIN, method, **kwargs)
    assert dump_store() == before

    # expected errors are one log line each, without a traceback; the daemon keeps serving
    assert api.ping(ADMIN, "still there", host="host-a") == {"service": "network", "arg": "still there"}
    log = daemon.log()
    assert "allocate_for_instance refused: NoMoreFixedIps: No fixed IP addresses available" in log
    assert "Traceback" not in log


# What nova-compute (Newton, 1.13 and 1.11) puts on the wire, byte for byte in shape.
def nova_context() -> dict[str, Any]:
    return {"user_id": "u1", "project_id": "p1", "is_admin": False, "read_deleted": "no", "roles": ["member"],
            "remote_address": "192.0.2.5", "timestamp": "2016-10-06T12:00:00.000000", "request_id":
            "req-" + str(uuid.uuid4()), "auth_token": None, "quota_class": None, "user_name": "demo",
            "service_catalog": [], "project_name": "demo", "instance_lock_checked": False, "tenant": "p1",
            "user": "u1"}


def nova_instance(instance_uuid: str) -> dict[str, Any]:
    return {"nova_object.name": "Instance", "nova_object.namespace": "nova", "nova_object.version": "2.1",
            "nova_object.changes": [], "nova_object.data": {
                "id": 42, "uuid": instance_uuid, "project_id": "p1", "user_id": "u1", "host": "compute-1",
                "launched_on": "compute-1", "hostname": "vm-nova", "display_name": "vm nova",
                "availability_zone": "nova", "vm_state": "active", "task_state": None, "memory_mb": 64}}


def test_a_nova_compute_caller(daemons: DaemonFactory, network_api: NetworkAPI,
                               rpc_isolation: RpcIsolation) -> None:
    daemons.spawn("host-a")
    network = create_network(network_api, "10.60.0.0/24", "br400")
    # nova's own transport: it rebuilds nova.exception errors only
    transport = oslo_messaging.get_rpc_transport(CONF, url=rpc_isolation.url)
    try:
        nova = oslo_messaging.get_rpc_client(transport, oslo_messaging.Target(topic=rpc_isolation.topic,
                                                                              version="1.0"), timeout=30)
        instance_uuid = str(uuid.uuid4())
        requests = {"nova_object.name": "NetworkRequestList", "nova_object.namespace": "nova",
                    "nova_object.version": "1.1", "nova_object.data": {"objects": [
                        {"nova_object.name": "NetworkRequest", "nova_object.namespace": "nova",
                         "nova_object.version": "1.1", "nova_object.data": {
                             "network_id": network["uuid"], "address": None, "port_id": None,
                             "pci_request_id": None, "tag": "nic0"}}]}}
        nw_info = nova.prepare(version="1.13").call(
            nova_context(), "allocate_for_instance", instance_id=instance_uuid, project_id="p1", host="compute-1",
            rxtx_factor=1.0, vpn=False, requested_networks=requests, macs=["fa:16:3e:12:34:56"])
        # the list nova's NetworkInfo.hydrate reads
        (vif,) = nw_info
        assert set(vif) >= {"id", "address", "network", "type", "details", "devname", "ovs_interfaceid",
                            "qbh_params", "qbg_params", "active", "vnic_type", "profile", "preserve_on_delete",
                            "meta"}
        assert (vif["address"], vif["type"], vif["vnic_type"]) == ("fa:16:3e:12:34:56", "bridge", "normal")
        assert vif["network"]["id"] == network["uuid"] and vif["network"]["bridge"] == "br400"
        assert "tenant_id" in vif["network"]["meta"] and vif["network"]["meta"]["should_create_bridge"] is True
        v4 = vif["network"]["subnets"][0]
        assert set(v4) >= {"cidr", "dns", "gateway", "ips", "routes", "version", "meta"}
        assert v4["cidr"] == "10.60.0.0/24" and v4["version"] == 4
        assert v4["ips"][0]["type"] == "fixed" and v4["ips"][0]["address"].startswith("10.60.0.")
        assert v4["gateway"] == {"address": "10.60.0.1", "type": "gateway", "version": 4, "meta": {}}

        # a 1.9 caller: requested networks as pairs; nw_info as the 1.9 call names it
        older = str(uuid.uuid4())
        old_info = nova.prepare(version="1.9").call(
            nova_context(), "allocate_for_instance", instance_id=older, project_id="p1", host="compute-1",
            rxtx_factor=1.0, vpn=False, requested_networks=[[network["uuid"], "10.60.0.200"]], macs=None)
        assert old_info[0]["network"]["subnets"][0]["ips"][0]["address"] == "10.60.0.200"
        assert nova.prepare(version="1.9").call(nova_context(), "get_instance_nw_info", instance_id=older,
                                                rxtx_factor=1.0, host="compute-1", project_id="p1") == old_info

        # 1.11 deallocate with the Instance object; 1.0 with loose arguments
        nova.prepare(version="1.11").call(nova_context(), "deallocate_for_instance",
                                          instance=nova_instance(instance_uuid), requested_networks=None)
        nova.prepare(version="1.0").call(nova_context(), "deallocate_for_instance", instance_id=older,
                                         project_id="p1", host="compute-1")
        for gone in (instance_uuid, older):
            assert nova.prepare(version="1.9").call(nova_context(), "get_instance_nw_info", instance_id=gone,
                                                    rxtx_factor=1.0, host="compute-1", project_id="p1") == []
        # nova-network's baseapi
        assert nova.prepare(namespace="baseapi", version="1.1").call(nova_context(), "ping", arg="x") == {
            "service": "network", "arg": "x"}
        # a nova caller gets novanet's errors as RemoteError with the class name and message
        with pytest.raises(oslo_messaging.RemoteError) as info:
            nova.prepare(version="1.9").call(nova_context(), "get_instance_nw_info", instance_id=older[:-1] + "x",
                                             rxtx_factor=1.0, host="compute-1", project_id="p1")
        assert info.value.exc_type == "InvalidRequest"
        assert info.value.value.startswith("Invalid request: get_instance_nw_info: argument 'instance_id'")
        assert "Traceback" not in str(info.value)
    finally:
        transport.cleanup()


def service_status(config: Path) -> dict[str, str]:
    out = subprocess.run([MANAGE, "--config-file", str(config), "service", "list", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    return {row["host"]: row["status"] for row in json.loads(out)}


@pytest.mark.slow
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_sigterm_finishes_in_flight_requests_then_exits_0(daemons: DaemonFactory,
                                                          network_api: NetworkAPI) -> None:
    daemon = daemons.spawn("host-a", service_down_time=2)
    create_network(network_api, "10.70.0.0/23", "br500")
    assert service_status(daemon.config) == {"host-a": "up"}
    # NOTE(manager): the first allocations on a network nobody serves yet ask
    # "any host" (the topic) to claim it; a daemon draining on SIGTERM no
    # longer consumes the topic, so such a self-call made during the drain
    # waits for its RPC timeout. Let the network be claimed first.
    network_api.allocate_for_instance(USER, str(uuid.uuid4()), project_id="p1", host="c1")
    results: list[Any] = []
    lock = threading.Lock()

    def allocate() -> None:
        try:
            result: Any = network_api.allocate_for_instance(USER, str(uuid.uuid4()), project_id="p1", host="c1")
        except Exception as error:  # reported by the assertion below
            result = error
        with lock:
            results.append(result)

    threads = [threading.Thread(target=allocate) for _ in range(40)]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(results) >= 5, timeout=60)
    assert daemon.terminate(timeout=60) == 0
    assert "novanet-network on host-a stopped" in daemon.log()
    wait_until(lambda: service_status(daemon.config) == {"host-a": "down"}, timeout=30, interval=0.5)
    # requests it had not taken stay queued; they are served after the restart
    daemon.start()
    daemon.wait_ready(network_api)
    for thread in threads:
        thread.join(90)
    errors = [r for r in results if not isinstance(r, NetworkInfo)]
    assert errors == [] and len(results) == 40
    addresses = [r.fixed_ips()[0].address for r in results]
    assert len(set(addresses)) == 40
    drained = daemon.log().split("Caught SIGTERM")[1].split("stopped")[0]
    assert "Allocated" in drained  # requests in flight at SIGTERM finished before the exit
    assert service_status(daemon.config) == {"host-a": "up"}
