"""Debian's cloud-init renders a baremetal node's tiered links (phy, bond, vlan).

The node, its ports, its port group and its tenant VIFs are made the way an
operator and a conductor make them (inventory, vif attach, configure tenant
on a fake host); network_data.json is what the metadata service and the
config drive give the node; cloud-init's converter and renderers must turn
it into a bond over the member NICs (by their MACs), with the group's mode
and properties and MAC, and a VLAN on top of it.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

from novanet.conf import CONF
from novanet.context import get_admin_context
from novanet.db import api as db
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.manager.instances import StoreInstanceSource
from novanet.metadata import network_data, tiered
from novanet.metadata.content import InstanceMetadata
from novanet.metadata.options import MetadataOptions
from novanet.providers import inventory
from novanet.providers.service import BaremetalNetworks
from tests.fixtures.bmhost import FakeNodeHost
from tests.functional.metadata.test_cloud_init import cloud_init, run_cloud_init  # noqa: F401

ADMIN_CTX = get_admin_context()

NICS = {"52:54:00:00:01:01": "enp1s0", "52:54:00:00:01:02": "enp2s0", "52:54:00:00:00:03": "enp3s0"}


@pytest.fixture
def node(sqlite_store: str) -> Iterator[tuple[Any, BaremetalNetworks, FlatDHCPManager]]:
    manager = FlatDHCPManager("bm-host", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN_CTX, label="tenant-a", cidr="10.10.0.0/28", bridge="brta", dns1="10.10.0.53")
    (vlan_net,) = manager.networks.create_networks(ADMIN_CTX, label="tenant-b", cidr="10.20.0.0/28", bridge="brtb")
    db.network_update(vlan_net.id, {"vlan": 120})
    created = inventory.create_node(CONF, "node1", network_provider="isolated", power_state="off")
    inventory.create_portgroup("node1", "bond0", mode="802.3ad", miimon=100, xmit_hash_policy="layer3+4")
    inventory.create_port("node1", "52:54:00:00:01:01", "sw1", pxe=False, portgroup="bond0")
    inventory.create_port("node1", "52:54:00:00:01:02", "sw2", pxe=False, portgroup="bond0")
    inventory.create_port("node1", "52:54:00:00:00:03", "sw3", pxe=True)
    host = FakeNodeHost()
    host.switch.ports.update({"sw1": None, "sw2": None, "sw3": None})
    yield created, BaremetalNetworks(host), manager


def document(node: Any, manager: FlatDHCPManager) -> dict[str, Any]:
    """network_data.json as novanet-metadata and config drives serve it to the node."""
    record = StoreInstanceSource.for_manager(FlatDHCPManager).by_uuid(node.instance_uuid)
    doc: dict[str, Any] = InstanceMetadata(record, MetadataOptions.from_conf(CONF)).network_data
    assert network_data.lint_network_data(doc) == []
    return doc


def test_bond_and_vlan_render_with_debian_cloud_init(node: Any, cloud_init: pathlib.Path,  # noqa: F811
                                                     tmp_path: pathlib.Path) -> None:
    created, networks, manager = node
    networks.vif_attach("node1", "tenant-a")
    networks.vif_attach("node1", "tenant-b", tagged=True)
    doc = document(created, manager)
    assert tiered.lint_tiers(doc) == []
    path = tmp_path / "network_data.json"
    path.write_text(json.dumps(doc))
    result = run_cloud_init(cloud_init, "network-data", str(path), macs={m: n for m, n in NICS.items()})
    assert result["exit"] == 0, result.get("error")
    assert result["warnings"] == []
    config = {c.get("name"): c for c in result["v1"]["config"]}
    bond = config["bond0"]
    assert bond["type"] == "bond" and bond["bond_interfaces"] == ["enp1s0", "enp2s0"]
    assert bond["mac_address"] == "52:54:00:00:01:01"
    assert bond["params"] == {"bond_mode": "802.3ad", "bond_miimon": 100, "bond_xmit_hash_policy": "layer3+4"}
    assert bond["subnets"] == [{"type": "dhcp4"}]
    vlan = config["bond0.120"]
    assert (vlan["type"], vlan["vlan_link"], vlan["vlan_id"], vlan["subnets"]) == ("vlan", "bond0", 120,
                                                                                   [{"type": "dhcp4"}])
    assert "enp3s0" not in config, "the PXE port carries no tenant VIF"
    eni, netplan = result["eni"], result["netplan"]
    assert "iface bond0 inet dhcp" in eni and "bond-master bond0" in eni and "bond_mode 802.3ad" in eni
    assert "hwaddress 52:54:00:00:01:01" in eni and "vlan-raw-device bond0" in eni
    assert "mode: 802.3ad" in netplan and "id: 120" in netplan and "link: bond0" in netplan


def test_the_bond_mac_never_changes_under_the_node(node: Any) -> None:
    created, networks, manager = node
    networks.vif_attach("node1", "tenant-a")
    before = document(created, manager)
    networks.switch("node1", "configure_tenant_networks")
    deployed = document(created, manager)
    networks.switch("node1", "unconfigure_tenant_networks")
    networks.switch("node1", "configure_tenant_networks")
    again = document(created, manager)
    macs = [[li["ethernet_mac_address"] for li in d["links"] if li["type"] == "bond"] for d in (before, deployed, again)]
    assert macs == [["52:54:00:00:01:01"]] * 3
