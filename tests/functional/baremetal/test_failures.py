"""What goes wrong: a port that fails, a crashed deploy, two clients at once,
a provisioning address handed to another node, a port moved by hand."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from novanet import exception
from novanet.conf import CONF
from novanet.db import api as db
from novanet.db import baremetal as bmdb
from novanet.drivers.base import DhcpHost
from novanet.drivers.host import LinuxNetDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.providers import inventory
from tests.functional.baremetal.lab import BaremetalLab, wait_for

pytestmark = [pytest.mark.root, pytest.mark.slow]


def provisioning_files(lab: BaremetalLab) -> dict[str, str]:
    return {name: text for name, text in lab.snapshot()["files"].items() if name.startswith("novanet-brprov.host")}


def test_one_of_two_ports_fails_and_everything_is_undone(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    node = lab.add_node("node1", nics=2, pxe=(True, True))
    lab.host.run(["ip", "link", "set", node.nics[1][2], "name", "recabled"])  # the second switch port is gone
    with pytest.raises(exception.BaremetalNetworkError, match=f"{node.nics[1][2]} does not exist"):
        lab.networks.switch("node1", "add_provisioning_network")
    state = inventory.describe(CONF, "node1")
    assert state["phase"] == "none" and state["vifs"] == [] and "failed" in state["last_error"]
    assert lab.master(node.nics[0][2]) is None, "the first port was moved back to none"
    assert [r for r in db.fixed_ip_list(network_id=lab.net("provisioning").id) if r.instance_uuid] == []
    # The first port's entry is a tombstone: nothing on the provisioning network answers it.
    assert all(text.endswith(",ignore\n") or text == "" for text in provisioning_files(lab).values())
    assert lab.power(node, on=True, expect=False) is None


def test_leftovers_of_a_crashed_deploy_are_cleaned_by_the_next(bm_lab: BaremetalLab) -> None:
    lab = bm_lab
    node = lab.add_node("node1")
    prov = lab.net("provisioning")
    port = bmdb.node_layout(bmdb.node_get("node1").id).ports[0]
    # A daemon that died after claiming an address, writing the entry and moving the port.
    crashed = db.allocate_for_instance(prov.id, port.uuid, port.address, "c0ffee00-0000-4000-8000-000000000001",
                                       instance={"hostname": "node1"})
    host = lab.networks.host
    host.serve(prov, DhcpHost(port.address, crashed.address, "node1", crashed.vif.uuid, pxe=True))
    host.switch.move([port.switch_port], host.prepare_network(prov))
    lab.switch_op(node, "add_provisioning_network")
    lease = lab.power(node, on=True)
    assert lease is not None and lease.address != crashed.address
    owned = [r.address for r in db.fixed_ip_list(network_id=prov.id) if r.instance_uuid == port.uuid]
    assert owned == [lease.address], "exactly one provisioning address for the node"


def test_two_clients_race_on_one_node(bm_lab: BaremetalLab) -> None:
    """Two processes (two daemons' RPC workers) switch one node at once: the
    store's lock lets one through; the other is refused and changes nothing."""
    lab = bm_lab
    node = lab.add_node("node1")
    lab.networks.vif_attach("node1", "tenant-a")
    lab.set("node_lock_retry_attempts", 1, "baremetal")
    config = lab.write_config()
    go = lab.workdir / "go"
    methods = ("configure_tenant_networks", "add_cleaning_network")
    workers = {m: subprocess.Popen([sys.executable, "-m", "tests.functional.baremetal.race_worker", str(config),
                                    "node1", m, str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for m in methods}
    wait_for(lambda: all(Path(f"{go}.{m}.ready").exists() for m in methods), timeout=120,
             message="the workers did not get ready")
    go.write_text("go")
    outcomes = {}
    for method, worker in workers.items():
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        outcomes[method] = out.strip().splitlines()[-1]
    assert sorted(outcomes.values()) in (["NodeInvalidState", "ok"], ["NodeLocked", "ok"]), outcomes
    winner = next(m for m, r in outcomes.items() if r == "ok")
    state = inventory.describe(CONF, "node1")
    expected = {"configure_tenant_networks": ("tenant", "brta"), "add_cleaning_network": ("cleaning", "brclean")}
    assert (state["phase"], lab.master(node.nics[0][2])) == expected[winner]
    loser = "brclean" if winner == "configure_tenant_networks" else "brta"
    assert lab.host.run(["ip", "link", "show", loser], check=False).returncode != 0, "the loser set up nothing"
    assert state["reservation"] is None
    results = sorted(o.result for o in bmdb.ops_of(state["uuid"]) if o.method != "vif_attach")
    assert results == sorted(outcomes.values()), "the audit shows both attempts"


@pytest.mark.parametrize("release", [True, False])
def test_a_released_provisioning_address_goes_to_the_next_node(bm_lab: BaremetalLab, release: bool,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    lab = bm_lab
    prov = lab.net("provisioning")
    # Only one address of the provisioning network is free.
    free = [r.address for r in db.fixed_ip_list(network_id=prov.id) if not r.reserved and not r.instance_uuid]
    for address in free[1:]:
        db.fixed_ip_set_reserved(address, True)
    first, second = lab.add_node("node1"), lab.add_node("node2")
    if not release:  # the bug this test exists for: the lease is never ended
        monkeypatch.setattr(lab.driver, "release_dhcp", lambda *args: None)
    lab.switch_op(first, "add_provisioning_network")
    lease = lab.power(first, on=True)
    assert lease is not None and lease.address == free[0]
    wait_for(lambda: free[0] in lab.leased("provisioning"))
    lab.power(first, on=False)
    lab.switch_op(first, "remove_provisioning_network")
    if release:
        wait_for(lambda: not db.fixed_ip_get_by_address(free[0]).instance_uuid, message="address not freed")
        lab.switch_op(second, "add_provisioning_network")
        again = lab.power(second, on=True)
        assert again is not None and again.address == free[0], "the second node got exactly that address"
    else:
        # The first node's lease is still alive: the store must not hand the address out.
        with pytest.raises(exception.NoMoreFixedIps):
            lab.networks.switch("node2", "add_provisioning_network")


def test_restart_puts_a_hand_moved_port_back(bm_lab: BaremetalLab, caplog: pytest.LogCaptureFixture) -> None:
    lab = bm_lab
    node = lab.add_node("node1")
    port = node.nics[0][2]
    lab.switch_op(node, "add_provisioning_network")
    lab.host.run(["ip", "link", "add", "brhand", "type", "bridge"])
    lab.host.run(["ip", "link", "set", port, "master", "brhand"])
    # A restarted daemon: a new manager and driver; init_host rebuilds the
    # host from the store (DHCP entries with their PXE options included),
    # then puts the switch port back.
    lab.driver.close()
    lab.driver = LinuxNetDriver(CONF)
    lab.manager = FlatDHCPManager("bm-host", driver=lab.driver)
    with caplog.at_level(logging.WARNING, logger="novanet.providers.service"):
        lab.manager.init_host()
    assert lab.master(port) == "brprov"
    assert f"switch port {port} is on brhand, the store says brprov; moving it back" in caplog.text
    lease = lab.power(node, on=True)
    assert lease is not None and lease.filename == "pxelinux.0"
