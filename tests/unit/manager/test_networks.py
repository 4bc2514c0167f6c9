"""Network administration (manager/networks.py): create, delete, associate, claim."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager, FlatManager
from novanet.manager.networks import NetworkAdmin, find_network
from novanet.manager.vlan import VlanManager
from tests.unit.manager.helpers import ADMIN, USER, instance


def test_create_find_and_delete_without_a_host_side(sqlite_store: str) -> None:
    admin = NetworkAdmin(FlatDHCPManager.create_rules(), "host-a")
    (network,) = admin.create_networks(ADMIN, label="a", cidr="10.0.0.0/28", bridge="br-a")
    assert find_network(uuid=network.uuid).id == network.id
    assert find_network(fixed_range="10.0.0.5/28").id == network.id  # any address of the range names it
    with pytest.raises(exception.InvalidCidr):
        find_network(fixed_range="10.0.0/x")
    with pytest.raises(exception.InvalidInput):
        find_network()
    with pytest.raises(exception.CidrConflict):
        admin.create_networks(ADMIN, label="b", cidr="10.0.0.0/28", bridge="br-b")
    assert admin.delete_network(ADMIN, fixed_range="10.0.0.0/28").uuid == network.uuid
    assert db.network_get_all() == []


def test_delete_removes_the_host_side_here_and_refuses_a_projects_network(sqlite_store: str) -> None:
    driver = RecordingDriver()
    manager = FlatDHCPManager("host-a", driver=driver)
    (network,) = manager.networks.create_networks(ADMIN, label="a", cidr="10.0.0.0/28", bridge="br-a")
    inst = instance()
    manager.allocate_for_instance(USER, inst, None, False, None, None)
    manager.deallocate_for_instance(USER, inst)
    db.network_associate("p1", network.id)
    with pytest.raises(exception.NetworkHasProject):
        manager.networks.delete_network(ADMIN, uuid=network.uuid)
    db.network_disassociate(network.id)
    manager.networks.delete_network(ADMIN, uuid=network.uuid)
    assert driver.call_names()[-1] == "remove_network" and "br-a" not in driver.networks
    assert not manager.plumbing.is_ready(network.id)


def test_associations_and_host_claims(sqlite_store: str) -> None:
    admin = NetworkAdmin(FlatDHCPManager.create_rules(), "host-a")
    (network,) = admin.create_networks(ADMIN, label="a", cidr="10.0.0.0/28", bridge="br-a")
    admin.associate(ADMIN, network.uuid, {"host": "anything", "project": "p1"})
    row = db.network_get(network.id)
    assert (row.host, row.project_id) == ("host-a", "p1")  # the host association names this host
    admin.associate(ADMIN, network.uuid, {"project": None})
    assert db.network_get(network.id).project_id is None and db.network_get(network.id).host == "host-a"
    admin.disassociate_network(ADMIN, network.uuid)
    assert db.network_get(network.id).host is None
    assert NetworkAdmin(FlatDHCPManager.create_rules(), "host-b").set_network_host(ADMIN, network.id) == "host-b"
    assert admin.set_network_host(ADMIN, network.id) == "host-b"  # the real winner, not the caller
    with pytest.raises(exception.InvalidRequest):
        admin.associate(ADMIN, "not-a-uuid", {})


def test_add_network_to_project_is_the_vlan_managers(sqlite_store: str) -> None:
    with pytest.raises(exception.InvalidRequest, match="needs the VLAN manager, not flat"):
        NetworkAdmin(FlatManager.create_rules()).add_network_to_project(ADMIN, "p1", None)
    admin = NetworkAdmin(VlanManager.create_rules(), "host-a")
    nets = admin.create_networks(ADMIN, label="v", cidr="10.0.0.0/24", num_networks=2, network_size=16,
                                 bridge_interface="eth1")
    admin.add_network_to_project(ADMIN, "p1", nets[1].uuid)
    assert [n.id for n in db.network_get_all(project_id="p1")] == [nets[1].id]
    with pytest.raises(exception.InvalidRequest, match="needs a project_id"):
        admin.add_network_to_project(ADMIN, "", None)
