"""The wire shape of answers: typed records in, nova-network's dicts out (rpc/serializer.py)."""

from __future__ import annotations

import datetime

from novanet.context import get_admin_context
from novanet.db import models
from novanet.manager.queries import IpMatch
from novanet.rpc import serializer
from novanet.rpc.endpoints import NetworkEndpoint
from tests.unit.rpc.stub import NET_UUID, StubManager

ADMIN = get_admin_context()


def test_a_store_row_is_a_dict_of_its_columns() -> None:
    row = models.Network(id=1, uuid=NET_UUID, label="private", cidr="10.0.0.0/24",
                         created_at=datetime.datetime(2026, 1, 2, 3, 4, 5))
    wire = serializer.record(row)
    assert set(wire) == {c.key for c in models.Network.__table__.columns}
    assert (wire["uuid"], wire["cidr"], wire["vlan"]) == (NET_UUID, "10.0.0.0/24", None)
    assert serializer.to_primitive(wire)["created_at"] == "2026-01-02T03:04:05.000000"


def test_dns_domains_and_pools_as_nova_listed_them() -> None:
    private = models.DnsDomain(domain="a.example", scope="private", availability_zone="az1", project_id=None)
    public = models.DnsDomain(domain="b.example", scope="public", availability_zone=None, project_id="p1")
    assert [serializer.dns_domain(d) for d in (private, public)] == [
        {"domain": "a.example", "scope": "private", "availability_zone": "az1"},
        {"domain": "b.example", "scope": "public", "project": "p1"}]
    assert serializer.pools(["nova", "ext"]) == [{"name": "nova"}, {"name": "ext"}]


def test_the_endpoint_turns_typed_answers_into_wire_dicts() -> None:
    stub = StubManager()
    endpoint = NetworkEndpoint(stub)  # type: ignore[arg-type]
    network = endpoint.get_network(ADMIN, network_uuid=NET_UUID)
    assert network["uuid"] == NET_UUID and network["bridge"] == "br100" and "dhcp_server" in network
    assert endpoint.get_all_networks(ADMIN) == [network]
    assert endpoint.create_networks(ADMIN, label="private", cidr="10.0.0.0/24") == [network]
    assert endpoint.get_floating_ip_pools(ADMIN) == [{"name": "nova"}]
    stub.results["queries.get_instance_uuids_by_ip_filter"] = [IpMatch("u1", "10.0.0.3")]
    assert endpoint.get_instance_uuids_by_ip_filter(ADMIN, filters={"ip": "^10"}) == [
        {"instance_uuid": "u1", "ip": "10.0.0.3"}]
    stub.results["dns.get_dns_domains"] = [models.DnsDomain(domain="b.example", scope="public", project_id="p1")]
    assert endpoint.get_dns_domains(ADMIN) == [{"domain": "b.example", "scope": "public", "project": "p1"}]
    assert endpoint.get_vif_by_mac_address(ADMIN, mac_address="fa:16:3e:00:00:01") is None
    # The flat manager has no floating IPs: an empty record, as nova-network answered.
    stub.results["queries.get_floating_ip"] = None
    stub.results["queries.get_floating_ip_by_address"] = None
    assert endpoint.get_floating_ip(ADMIN, id=3) == {} == endpoint.get_floating_ip_by_address(ADMIN,
                                                                                              address="172.24.4.9")
