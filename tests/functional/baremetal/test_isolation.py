"""Isolation, checked with real traffic from the nodes.

On a management network a node reaches this host's DHCP, TFTP, DNS and the
conductor's ports, and nothing else: no other port of the host, nothing
behind it. Once on its tenant network it reaches neither the provisioning
network nor the conductor, its DHCP requests reach only the tenant network's
dnsmasq, and a node of another project's network reaches nothing of it.
"""

from __future__ import annotations

import pytest

from tests.fixtures.topology import TcpServer, tcp_connect
from tests.fixtures.traffic import ping
from tests.functional.baremetal.lab import BaremetalLab

pytestmark = [pytest.mark.root, pytest.mark.slow]

CONDUCTOR = 6385


def test_management_and_tenant_networks_are_isolated(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    node = lab.add_node("node1")
    other = lab.add_node("node2")
    lab.networks.vif_attach("node1", "tenant-a")
    lab.networks.vif_attach("node2", "tenant-b")
    lab.switch_op(other, "configure_tenant_networks")
    other_lease = lab.power(other, on=True)
    assert other_lease is not None

    # Provisioning: the conductor's port answers, nothing else of the host or beyond.
    lab.switch_op(node, "add_provisioning_network")
    assert lab.power(node, on=True) is not None
    conductor = TcpServer(lab.host, "0.0.0.0", CONDUCTOR)
    elsewhere = TcpServer(lab.host, "0.0.0.0", 8775)
    try:
        assert tcp_connect(node.ns, "10.251.0.1", CONDUCTOR) == f"hello {node.address()}"
        assert tcp_connect(node.ns, "10.251.0.1", 8775, timeout=1) is None
        assert not ping(node.ns.name, "10.251.0.1")
        assert not ping(node.ns.name, other_lease.address)
        assert tcp_connect(node.ns, "10.62.0.1", CONDUCTOR, timeout=1) is None, "the host's other addresses"

        # Tenant: the provisioning side is gone for the node.
        lab.power(node, on=False)
        lab.switch_op(node, "remove_provisioning_network")
        lab.switch_op(node, "configure_tenant_networks")
        before = lab.dnsmasq_log("brprov")
        tenant = lab.power(node, on=True)
        assert tenant is not None and tenant.address.startswith("10.61.0.")
        assert lab.dnsmasq_log("brprov") == before, "the provisioning dnsmasq heard nothing"
        assert ping(node.ns.name, "10.61.0.1"), "its own gateway answers"
        assert not ping(node.ns.name, "10.251.0.1")
        assert tcp_connect(node.ns, "10.251.0.1", CONDUCTOR, timeout=1) is None
        # Another project's node reaches nothing of tenant A.
        assert not ping(other.ns.name, tenant.address)
        assert tcp_connect(other.ns, "10.251.0.1", CONDUCTOR, timeout=1) is None
    finally:
        conductor.close()
        elsewhere.close()
