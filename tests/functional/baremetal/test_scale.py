"""Ten nodes deploying at once, and a node with a port group."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from novanet.conf import CONF
from novanet.providers import inventory
from tests.functional.baremetal.lab import BaremetalLab, Lease, Node

pytestmark = [pytest.mark.root, pytest.mark.slow]


def test_ten_nodes_deploy_at_once(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    nodes = [lab.add_node(f"node{n}") for n in range(10)]
    for node in nodes:
        lab.networks.vif_attach(node.name, "tenant-a" if int(node.name[4:]) % 2 else "tenant-b")
    # The networks exist before the burst (as on a running host).
    lab.networks.host.prepare_network(lab.net("provisioning"))
    pids = {bridge: None for bridge in ("brprov", "brta", "brtb")}

    def deploy(node: Node) -> tuple[Lease, Lease]:
        lab.switch_op(node, "add_provisioning_network")
        prov = node.power_on()
        node.power_off()
        lab.switch_op(node, "remove_provisioning_network")
        lab.switch_op(node, "configure_tenant_networks")
        tenant = node.power_on()
        assert prov is not None and tenant is not None
        return prov, tenant

    pids["brprov"] = lab.dnsmasq_pid("brprov")
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(deploy, nodes))
    provisioning = [p.address for p, _ in results]
    assert len(set(provisioning)) == 10 and all(a.startswith("10.251.0.") for a in provisioning)
    assert all(p.filename == "pxelinux.0" and t.filename is None for p, t in results)
    for node, (_, tenant) in zip(nodes, results):
        expected = "10.61.0." if int(node.name[4:]) % 2 else "10.62.0."
        assert tenant.address.startswith(expected), node.name
        assert lab.master(node.nics[0][2]) == ("brta" if expected == "10.61.0." else "brtb")
        assert inventory.describe(CONF, node.name)["phase"] == "tenant"
    # One dnsmasq per network the whole time: no restart, hosts came by inotify.
    assert lab.dnsmasq_pid("brprov") == pids["brprov"]


def test_a_port_group_moves_as_one(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    # nic0: standalone PXE port; nic1+nic2: bond0 (active-backup: only nic1 is used by the node).
    node = lab.add_node("node1", nics=3, pxe=(True, False, False), group=(1, 2))
    ports = [port for _, _, port in node.nics]
    lab.networks.vif_attach("node1", "tenant-a")
    state = inventory.describe(CONF, "node1")
    assert state["vifs"][0]["carrier"] == "bond0" and state["portgroups"][0]["mac"] == node.nics[1][1]
    lab.switch_op(node, "add_provisioning_network")
    assert [lab.master(p) for p in ports] == ["brprov", None, None], "only the PXE port provisions"
    assert lab.power(node, on=True) is not None
    lab.power(node, on=False)
    lab.switch_op(node, "remove_provisioning_network")
    lab.switch_op(node, "configure_tenant_networks")
    assert [lab.master(p) for p in ports] == [None, "brta", "brta"], "both members on the tenant bridge"
    lease = lab.power(node, on=True, nic=1)
    assert lease is not None and lease.address == inventory.describe(CONF, "node1")["vifs"][0]["address"]
    lab.power(node, on=False)
    lab.switch_op(node, "unconfigure_tenant_networks")
    assert [lab.master(p) for p in ports] == [None, None, None]
