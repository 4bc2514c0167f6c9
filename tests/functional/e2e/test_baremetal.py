"""A baremetal node deployed the way operators and conductors do it.

The real daemon (novanet-network, RabbitMQ, its own namespace), the
operator's ``novanet-manage baremetal`` as a process with the daemon's
configuration file, a conductor's calls through ``BaremetalAPI``, and the
node as a namespace whose NIC is cabled to a switch port in the daemon's
namespace, taking its leases with ISC dhclient.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from novanet.conf import CONF
from novanet.context import get_admin_context
from novanet.rpc import transport as rpc_transport
from novanet.rpc.client.baremetal import BaremetalAPI
from tests.fixtures.netns import veth_between
from tests.fixtures.topology import Site
from tests.functional.baremetal.lab import Lease
from tests.functional.e2e.conftest import HostDaemons, manage

pytestmark = [pytest.mark.root, pytest.mark.services, pytest.mark.slow]

BIN = Path(sys.executable).parent
MAC = "52:54:00:e2:e0:01"


def cli(config: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "novanet-manage"), "--config-file", str(config), "baremetal", *argv],
                          capture_output=True, text=True, timeout=120, check=False)


def ok(config: Path, *argv: str) -> str:
    result = cli(config, *argv)
    assert result.returncode == 0, result.stderr
    return result.stdout


def master(site: Site, port: str) -> str | None:
    out = site.host.run(["ip", "-o", "link", "show", "dev", port]).stdout
    return out.split(" master ")[1].split()[0] if " master " in out else None


def power_on(site: Site, node: Any) -> tuple[Lease, int]:
    """Link up and one DHCP exchange (the PXE ROM, then the ramdisk or instance)."""
    node.run(["ip", "link", "set", "eth0", "up"])
    # A fresh boot remembers no lease (a kept one would make dhclient ask
    # for the old address first and wait for that to time out).
    (site.workdir / f"dhclient-{node.name}-eth0.leases").unlink(missing_ok=True)
    dhclient = site.dhclient(node)
    lease = Lease.parse(dhclient.leases.read_text())
    assert lease is not None
    return lease, dhclient.pid


def power_off(node: Any, dhclient: int) -> None:
    os.kill(dhclient, signal.SIGKILL)
    node.run(["ip", "-4", "addr", "flush", "dev", "eth0"])
    node.run(["ip", "link", "set", "eth0", "down"])


def test_deploy_through_the_cli_and_the_conductor_api(host_daemons: HostDaemons, site_factory: Any) -> None:
    site = site_factory()
    for label, cidr, bridge, project in (("provisioning", "10.251.0.0/24", "brprov", None),
                                         ("tenant", "10.61.0.0/24", "brten", "p1")):
        args = ["network", "create", "--label", label, "--fixed_range_v4", cidr, "--bridge", bridge]
        manage(*(args + (["--project_id", project] if project else [])))
    daemon = host_daemons.start("net-a", site, baremetal={
        "provisioning_network": "provisioning", "switch_driver": "linux_bridge", "conductor_ports": "6385"})
    config = daemon.config
    node = site._make("nnbn")
    veth_between(site.host, "swp1", node, "eth0")
    node.run(["ip", "link", "set", "eth0", "address", MAC])
    site.host.run(["ip", "link", "set", "swp1", "down"])

    ok(config, "node", "create", "node1", "--network-provider", "isolated", "--power-state", "off")
    ok(config, "port", "create", "--node", "node1", "--mac", MAC, "--pxe", "--switch-port", "swp1")
    assert "attached VIF" in ok(config, "node", "vif", "attach", "node1", "--network", "tenant")
    assert "provisioning network provisioning" in ok(config, "node", "validate", "node1", "--purpose", "deploy")

    ok(config, "node", "network", "node1", "add-provisioning")
    assert master(site, "swp1") == "brprov"
    # The conductor boots the deploy ramdisk: PXE options with the provisioning address.
    transport = rpc_transport.get_transport(CONF, url=host_daemons.iso.url)
    try:
        conductor = BaremetalAPI(transport_=transport, topic=host_daemons.iso.topic, timeout=60)
        ctx = get_admin_context()
        conductor.node_set(ctx, "node1", power_state="on")
        pxe, dhclient = power_on(site, node)
        assert pxe.address.startswith("10.251.0.") and pxe.filename == "pxelinux.0"
        # Still powered on: the switch is refused and nothing moves.
        refused = cli(config, "node", "network", "node1", "remove-provisioning")
        assert refused.returncode == 1 and "powered on" in refused.stderr and master(site, "swp1") == "brprov"

        power_off(node, dhclient)
        conductor.node_set(ctx, "node1", power_state="off")
        conductor.switch(ctx, "node1", "remove_provisioning_network")
        state = json.loads(ok(config, "node", "network", "node1", "configure-tenant", "--format", "json"))
        assert state["phase"] == "tenant" and state["ports"][0]["network"] == "tenant"
        assert master(site, "swp1") == "brten"
        conductor.node_set(ctx, "node1", power_state="on")
        tenant, _ = power_on(site, node)
        assert tenant.address == state["vifs"][0]["address"] and tenant.filename is None

        # A restarted daemon finds the port where the store says and keeps serving it.
        site.host.run(["ip", "link", "set", "swp1", "nomaster"])
        host_daemons.restart(daemon)
        assert master(site, "swp1") == "brten"
        shown = conductor.node_show(ctx, "node1")
        assert shown["phase"] == "tenant" and shown["reservation"] is None
        ops = json.loads(ok(config, "node", "ops", "node1", "--format", "json"))
        assert [(o["method"], o["result"]) for o in ops] == [
            ("vif_attach", "ok"), ("add_provisioning_network", "ok"), ("remove_provisioning_network", "NodePoweredOn"),
            ("remove_provisioning_network", "ok"), ("configure_tenant_networks", "ok")]
    finally:
        transport.cleanup()
