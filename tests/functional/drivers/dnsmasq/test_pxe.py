"""A real dnsmasq gives a PXE host the boot options, and nobody else.

The options reach ISC dhclient in the BOOTP fields (its lease file shows
``filename`` and ``server-name``); the same MAC, rewritten without the PXE
tag, leases the same address without them.
"""

from __future__ import annotations

import dataclasses
import os
import signal

import pytest

from tests.functional.drivers.dnsmasq.conftest import SERVER, DhcpLab, host, make_network
from tests.fixtures.wait import wait_until

pytestmark = pytest.mark.root


def lease_text(lab: DhcpLab, ifname: str) -> str:
    with open(os.path.join(lab.workdir, f"dhclient-{ifname}.leases"), encoding="utf-8") as handle:
        return handle.read()


def test_pxe_options_follow_the_tag(dhcp_lab: DhcpLab) -> None:
    network = make_network()
    mgr = dhcp_lab.manager(network, pxe_bootfile="")
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

    # Deployed: the same MAC and address, no PXE options (one file; a reload
    # if dnsmasq still remembers the tagged entry for that address).
    mgr.remove_host(network, node)
    mgr.add_host(network, dataclasses.replace(node, pxe=False))
    os.kill(first.pid, signal.SIGKILL)
    wait_until(lambda: not os.path.exists(f"/proc/{first.pid}/cmdline") or
               not open(f"/proc/{first.pid}/cmdline").read(), timeout=10)
    dhcp_lab.inst.run(["ip", "-4", "addr", "flush", "dev", node_if])
    for suffix in ("leases", "pid"):
        os.unlink(os.path.join(dhcp_lab.workdir, f"dhclient-{node_if}.{suffix}"))
    import subprocess, time
    time.sleep(1)
    print("STATUS", mgr.status(network))
    print(subprocess.run(["ps", "-ef"], capture_output=True, text=True).stdout.count("dnsmasq"))
    print(open(os.path.join(dhcp_lab.workdir, "networks", "novanet-brdhcp.dhcphosts")).read())
    print(open(os.path.join(dhcp_lab.workdir, "novanet-brdhcp.log")).read()[-1500:])
    dhcp_lab.dhclient(node_if)
    again = wait_until(lambda: lease_text(dhcp_lab, node_if), timeout=10)
    assert f"fixed-address {node.address};" in again and "filename" not in again
