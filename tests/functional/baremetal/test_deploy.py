"""A node's life through the isolated provider, seen from the node and the network host."""

from __future__ import annotations

import pytest

from novanet.conf import CONF
from novanet.providers import inventory
from tests.functional.baremetal.lab import BaremetalLab, wait_for

pytestmark = [pytest.mark.root, pytest.mark.slow]


def test_full_deploy(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    node = lab.add_node("node1")
    (_, mac, port) = node.nics[0]
    lab.networks.vif_attach("node1", "tenant-a")
    tenant_address = inventory.describe(CONF, "node1")["vifs"][0]["address"]

    state = lab.switch_op(node, "add_provisioning_network")
    assert state["phase"] == "provisioning" and lab.master(port) == "brprov"
    lease = lab.power(node, on=True)
    assert lease is not None and lease.address.startswith("10.251.0.")
    assert lease.filename == "pxelinux.0" and lease.server_name == "10.251.0.1", "PXE options on provisioning"
    assert state["ports"][0]["lease"]["address"] == lease.address
    wait_for(lambda: lease.address in lab.leased("provisioning"), message="the provisioning lease reached the store")

    lab.power(node, on=False)
    lab.switch_op(node, "remove_provisioning_network")
    assert lab.master(port) is None
    state = lab.switch_op(node, "configure_tenant_networks")
    assert state["phase"] == "tenant" and lab.master(port) == "brta"
    tenant = lab.power(node, on=True)
    assert tenant is not None and tenant.address == tenant_address
    assert tenant.filename is None and tenant.server_name is None, "no PXE options on the tenant network"
    # dhcp_release ended the provisioning lease: dnsmasq ran the script's 'del', the store freed the address.
    wait_for(lambda: lease.address not in lab.leased("provisioning"), message="provisioning lease still held")
    assert f"DHCPRELEASE(brprov) {lease.address} {mac}" in lab.dnsmasq_log("brprov")
    wait_for(lambda: tenant.address in lab.leased("tenant-a"))
    ops = [(o.method, o.result) for o in __import__("novanet.db.baremetal", fromlist=["x"]).ops_of(
        inventory.describe(CONF, "node1")["uuid"])]
    assert ops[-3:] == [("add_provisioning_network", "ok"), ("remove_provisioning_network", "ok"),
                        ("configure_tenant_networks", "ok")]
