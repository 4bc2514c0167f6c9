"""A real dnsmasq gives a PXE host the boot options, and nobody else.

The options reach ISC dhclient in the BOOTP fields (its lease file shows
``filename`` and ``server-name``). The same MAC rewritten without the PXE
tag leases the same address without them; that rewrite needs a full read
of the hosts, which for a dnsmasq holding a tagged entry must be a restart
(a SIGHUP would kill it: see the NOTE in novanet.drivers.dnsmasq.hostsdir).
"""

from __future__ import annotations

import dataclasses
import os
import signal

import pytest

from tests.fixtures.wait import wait_until
from tests.functional.drivers.dnsmasq.conftest import SERVER, DhcpLab, host, make_network

pytestmark = pytest.mark.root


def lease_text(lab: DhcpLab, ifname: str) -> str:
    path = os.path.join(lab.workdir, f"dhclient-{ifname}.leases")
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_pxe_options_follow_the_tag(dhcp_lab: DhcpLab) -> None:
    network = make_network()
    mgr = dhcp_lab.supervisor(network, pxe_bootfile="pxelinux.0")
    node, vm = host(1, pxe=True), host(2)
    mgr.ensure_network(network, [node, vm])
    node_if, vm_if = dhcp_lab.plug(node.mac), dhcp_lab.plug(vm.mac)
    first = dhcp_lab.dhclient(node_if)
    dhcp_lab.dhclient(vm_if)
    node_lease, vm_lease = lease_text(dhcp_lab, node_if), lease_text(dhcp_lab, vm_if)
    assert f"fixed-address {node.address};" in node_lease
    assert 'filename "pxelinux.0";' in node_lease and f'server-name "{SERVER}";' in node_lease
    assert f"fixed-address {vm.address};" in vm_lease
    assert "filename" not in vm_lease and "server-name" not in vm_lease
    pid = mgr.status(network).pid

    # Deployed: the same MAC and address without PXE options.
    mgr.remove_host(network, node)
    mgr.add_host(network, dataclasses.replace(node, pxe=False))
    status = mgr.status(network)
    assert status.pid is not None and status.pid != pid, "restarted, not reloaded"
    os.kill(first.pid, signal.SIGKILL)
    dhcp_lab.inst.run(["ip", "-4", "addr", "flush", "dev", node_if])
    for suffix in ("leases", "pid"):
        os.unlink(os.path.join(dhcp_lab.workdir, f"dhclient-{node_if}.{suffix}"))
    dhcp_lab.dhclient(node_if)
    again = wait_until(lambda: lease_text(dhcp_lab, node_if), timeout=10)
    assert f"fixed-address {node.address};" in again and "filename" not in again
    # The other host kept its lease through the restart.
    assert mgr.status(network).pid == status.pid


def test_a_reload_without_tagged_hosts_is_a_sighup(dhcp_lab: DhcpLab) -> None:
    network = make_network()
    mgr = dhcp_lab.supervisor(network, pxe_bootfile="pxelinux.0")
    vm = host(2)
    mgr.ensure_network(network, [vm])
    pid = mgr.status(network).pid
    mgr.remove_host(network, vm)
    mgr.add_host(network, vm)
    assert mgr.status(network).pid == pid
    assert mgr.hosts_dir(network).stale_count == 0, "the reload made dnsmasq forget the old entry"
