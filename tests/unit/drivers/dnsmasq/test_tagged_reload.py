"""A dnsmasq that holds tagged host entries is restarted, never sent SIGHUP."""

from __future__ import annotations

import dataclasses
import signal

from novanet.drivers.dnsmasq import DnsmasqSupervisor
from novanet.drivers.dnsmasq.fake import FakeFiles, FakeProcesses
from tests.unit.drivers.dnsmasq.facts import NET, SETTINGS, host

PXE = dataclasses.replace(SETTINGS, pxe_bootfile="pxelinux.0")
HUP = int(signal.SIGHUP)


def test_rewriting_a_tagged_entry_restarts_dnsmasq() -> None:
    files = FakeFiles()
    procs = FakeProcesses(files)
    mgr = DnsmasqSupervisor(PXE, files, procs)
    node = host(1, pxe=True)
    mgr.ensure_network(NET, [node, host(2)])
    first = mgr.status(NET).pid
    assert mgr.hosts_dir(NET).holds_tags
    mgr.remove_host(NET, node)
    mgr.add_host(NET, dataclasses.replace(node, pxe=False))  # same address: a full read is needed
    second = mgr.status(NET).pid
    assert second != first and len(procs.spawned) == 2
    assert [s for s in procs.signals if s[1] == HUP] == []
    # Now nothing tagged is left in dnsmasq: the next full read is a SIGHUP again.
    assert not mgr.hosts_dir(NET).holds_tags
    mgr.remove_host(NET, host(2))
    mgr.add_host(NET, host(2))
    assert mgr.status(NET).pid == second and procs.hups(second) == 1


def test_the_ledger_remembers_a_stale_tagged_entry_across_restarts() -> None:
    files = FakeFiles()
    procs = FakeProcesses(files)
    mgr = DnsmasqSupervisor(PXE, files, procs)
    node = host(1, pxe=True)
    mgr.ensure_network(NET, [node])
    mgr.remove_host(NET, node)
    assert files.files[mgr.paths(NET).ledger] == "10.0.0.11 fa:16:3e:00:00:01 tagged\n"
    # A new daemon reads the same files: dnsmasq may still hold the tagged entry.
    again = DnsmasqSupervisor(PXE, files, procs)
    assert again.hosts_dir(NET).holds_tags
    assert again.tidy(NET, force=True)
    assert not again.hosts_dir(NET).holds_tags and [s for s in procs.signals if s[1] == HUP] == []
