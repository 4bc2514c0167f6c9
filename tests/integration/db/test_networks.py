"""Network facts: host and project association, deletion, on every backend."""

from __future__ import annotations

import concurrent.futures

import pytest

from novanet import exception
from novanet.db import api as db
from tests.integration.db.helpers import make_instance, make_network


def test_set_host_reports_the_real_winner(store: str) -> None:
    network = make_network()
    assert db.network_set_host(network.id, "host-a") == "host-a"
    assert db.network_set_host(network.id, "host-b") == "host-a"
    with pytest.raises(exception.NetworkNotFound):
        db.network_set_host(999999, "host-a")


def test_concurrent_set_host_has_one_winner(store: str) -> None:
    network = make_network()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        winners = set(pool.map(lambda i: db.network_set_host(network.id, f"host-{i}"), range(8)))
    assert len(winners) == 1 and db.network_get(network.id).host in winners


def test_first_use_gives_a_project_exactly_one_network_under_races(store: str) -> None:
    for i in range(4):
        make_network(f"10.0.{i}.0/28", vlan=True)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: [n.id for n in db.project_get_networks("p1")], range(6)))
    assert all(r == results[0] for r in results) and len(results[0]) == 1
    assert len(db.network_get_all(project_id="p1")) == 1
    # Another project gets another network; a forced add gives a second one.
    assert db.project_get_networks("p2")[0].id != results[0][0]
    db.network_associate("p1")
    assert len(db.network_get_all(project_id="p1")) == 2


def test_no_more_networks(store: str) -> None:
    make_network("10.0.0.0/28", vlan=True)
    db.project_get_networks("p1")
    with pytest.raises(exception.NoMoreNetworks):
        db.project_get_networks("p2")
    assert db.project_get_networks("p3", associate=False) == []


def test_disassociated_project_can_claim_again(store: str) -> None:
    network = make_network("10.0.0.0/28", vlan=True)
    assert db.project_get_networks("p1")[0].id == network.id
    db.network_disassociate(network.id, disassociate_host=False)
    assert db.project_get_networks("p1")[0].id == network.id


def test_associate_refuses_another_projects_network(store: str) -> None:
    network = make_network("10.0.0.0/28", vlan=True)
    db.network_associate("p1", network.id)
    with pytest.raises(exception.NetworkHasProject):
        db.network_associate("p2", network.id)


def test_delete_only_unused_networks(store: str) -> None:
    network = make_network("10.0.0.0/28")
    instance = make_instance()
    row = db.fixed_ip_associate_pool(network.id, instance)
    with pytest.raises(exception.NetworkInUse):
        db.network_delete_safe(network.id)
    db.fixed_ip_disassociate(row.address, network.id)
    db.network_delete_safe(network.id)
    with pytest.raises(exception.NetworkNotFound):
        db.network_get(network.id)
    # The same range can be created again, its addresses too.
    again = make_network("10.0.0.0/28")
    assert db.fixed_ip_count(again.id) == 16


def test_lookup_by_uuid_cidr_and_project(store: str) -> None:
    network = make_network("10.0.0.0/28", project_id="p1")
    assert db.network_get_by_uuid(network.uuid).id == network.id
    assert db.network_get_by_cidr("10.0.0.0/28").id == network.id
    assert [n.id for n in db.networks_get_by_uuids([network.uuid], "p1", project_only=True)] == [network.id]
    with pytest.raises(exception.NetworkNotFoundForProject):
        db.networks_get_by_uuids([network.uuid], "p2", project_only=True)
    with pytest.raises(exception.NetworkNotFoundForUUID):
        db.network_get_by_uuid("00000000-0000-0000-0000-000000000000")
    with pytest.raises(exception.NetworkNotFoundForCidr):
        db.network_get_by_cidr("10.9.0.0/24")


def test_services_heartbeat(store: str) -> None:
    first = db.service_heartbeat("host-a", "novanet-network", "network")
    second = db.service_heartbeat("host-a", "novanet-network", "network")
    assert second.report_count == first.report_count + 1
    assert db.service_is_up(second, 60)
    assert [s.host for s in db.service_get_all()] == ["host-a"]
