"""The read-only lookups (manager/queries.py)."""

from __future__ import annotations

import uuid

import pytest

from novanet import exception
from novanet.db import api as db
from novanet.db import models
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.manager.queries import IpMatch, NoFloatingQueries
from novanet.types import RequestedNetwork
from tests.unit.manager.helpers import ADMIN, USER, instance


def test_validate_networks(flatdhcp: FlatDHCPManager) -> None:
    net = db.network_get_all()[0]
    flatdhcp.queries.validate_networks(USER, None)
    flatdhcp.queries.validate_networks(USER, [RequestedNetwork(net.uuid, None), RequestedNetwork(net.uuid, "10.0.0.5")])
    with pytest.raises(exception.FixedIpInvalid):
        flatdhcp.queries.validate_networks(USER, [RequestedNetwork(net.uuid, "")])
    with pytest.raises(exception.FixedIpNotFoundForAddress):
        flatdhcp.queries.validate_networks(USER, [RequestedNetwork(net.uuid, "10.9.9.9")])
    with pytest.raises(exception.FixedIpNotFoundForNetwork):
        flatdhcp.queries.validate_networks(USER, [RequestedNetwork(str(uuid.uuid4()), "10.0.0.5")])
    flatdhcp.allocate_for_instance(USER, instance(), None, False, [RequestedNetwork(net.uuid, "10.0.0.5")], None)
    with pytest.raises(exception.FixedIpAlreadyInUse):
        flatdhcp.queries.validate_networks(USER, [RequestedNetwork(net.uuid, "10.0.0.5")])


def test_dhcp_leases_for_dnsmasq_start(flatdhcp: FlatDHCPManager) -> None:
    (vif,) = flatdhcp.allocate_for_instance(USER, instance(hostname="db"), None, False, None, None)
    network = db.network_get_all()[0]
    assert flatdhcp.queries.get_dhcp_leases(network.id) == []
    flatdhcp.lease_fixed_ip(ADMIN, "10.0.0.2", vif.address)
    (lease,) = flatdhcp.queries.get_dhcp_leases(network.id)
    assert (lease.mac, lease.address, lease.hostname) == (vif.address, "10.0.0.2", "db")


def test_lookups_answer_typed_rows(flatdhcp: FlatDHCPManager) -> None:
    inst = instance()
    (vif,) = flatdhcp.allocate_for_instance(USER, inst, None, False, None, None)
    queries = flatdhcp.queries
    network = queries.get_all_networks(ADMIN)[0]
    assert isinstance(network, models.Network) and queries.get_network(ADMIN, network.uuid).id == network.id
    fixed = queries.get_fixed_ip_by_address(ADMIN, "10.0.0.2")
    assert isinstance(fixed, models.FixedIp) and fixed.instance_uuid == inst.uuid
    assert queries.get_fixed_ip(ADMIN, fixed.id).address == "10.0.0.2"
    assert [v.address for v in queries.get_vifs_by_instance(ADMIN, inst.uuid)] == [vif.address]
    assert queries.get_vif_by_mac_address(ADMIN, vif.address.upper()).uuid == vif.id  # type: ignore[union-attr]
    assert queries.get_vif_by_mac_address(ADMIN, "fa:16:3e:ff:ff:ff") is None
    with pytest.raises(exception.InvalidRequest):
        queries.get_network(ADMIN, "not-a-uuid")


def test_instances_by_address_filters(sqlite_store: str) -> None:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN, label="d", cidr="10.0.0.0/28", cidr_v6="fd00::/64", bridge="br-d")
    first, second = instance(), instance()
    (vif,) = manager.allocate_for_instance(USER, first, None, False, None, None)
    manager.allocate_for_instance(USER, second, None, False, None, None)
    queries = manager.queries
    assert queries.get_instance_uuids_by_ip_filter(ADMIN, {"ip": r"^10\.0\.0\.2$"}) == [
        IpMatch(first.uuid, "10.0.0.2")]
    assert queries.get_instance_uuids_by_ip_filter(ADMIN, {"fixed_ip": "10.0.0.3"}) == [
        IpMatch(second.uuid, "10.0.0.3")]
    v6 = vif.network.subnets[1].ips[0].address  # type: ignore[union-attr]
    assert IpMatch(first.uuid, v6) in queries.get_instance_uuids_by_ip_filter(ADMIN, {"ip6": "^fd00:"})
    with pytest.raises(exception.InvalidRequest, match="bad address filter"):
        queries.get_instance_uuids_by_ip_filter(ADMIN, {"ip": "("})


def test_floating_lookups_and_a_manager_without_floating_ips(flatdhcp: FlatDHCPManager) -> None:
    db.floating_ip_bulk_create("172.24.4.0/29", "nova", None)
    flatdhcp.allocate_for_instance(USER, instance(), None, False, None, None)
    address = flatdhcp.allocate_floating_ip(USER, "p1")
    flatdhcp.associate_floating_ip(USER, address, "10.0.0.2")
    queries = flatdhcp.queries
    assert queries.get_floating_ip_pools(ADMIN) == ["nova"] == queries.get_floating_pools(ADMIN)
    row = queries.get_floating_ip_by_address(ADMIN, address)
    assert isinstance(row, models.FloatingIp) and queries.get_floating_ip(ADMIN, row.id).address == address
    assert [f.address for f in queries.get_floating_ips_by_project(USER)] == [address]
    with pytest.raises(exception.InvalidRequest, match="no project"):
        queries.get_floating_ips_by_project(ADMIN)
    none = NoFloatingQueries()
    assert (none.get_floating_ip(ADMIN, row.id), none.get_floating_ip_by_address(ADMIN, address)) == (None, None)
    assert none.get_floating_ip_pools(ADMIN) == none.get_floating_ips_by_project(USER) == []
    assert none.get_floating_ips_by_fixed_address(ADMIN, "10.0.0.2") == []
    assert none.get_instance_id_by_floating_address(ADMIN, address) is None
