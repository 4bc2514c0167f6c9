"""DnsmasqSupervisor's lifecycle against the in-memory backends."""

from __future__ import annotations

import dataclasses
import signal

import pytest

from novanet import exception
from novanet.drivers.dnsmasq import DnsmasqSupervisor, ProcessState, render
from novanet.drivers.dnsmasq.fake import FakeFiles, FakeProcesses
from novanet.drivers.dnsmasq.settings import DnsmasqSettings
from tests.unit.drivers.dnsmasq.facts import NET, ROOT, SETTINGS, host

HUP, TERM = int(signal.SIGHUP), int(signal.SIGTERM)


@dataclasses.dataclass
class Rig:
    files: FakeFiles
    procs: FakeProcesses
    supervisor: DnsmasqSupervisor

    @property
    def pid(self) -> int:
        status = self.supervisor.status(NET)
        assert status.state is ProcessState.CURRENT and status.pid is not None
        return status.pid

    def signals(self, signum: int) -> list[int]:
        return [pid for pid, sig in self.procs.signals if sig == signum]

    def served(self) -> list[str]:
        """MACs (file names) dnsmasq serves, from the files as a new supervisor reads them."""
        return sorted(DnsmasqSupervisor(self.supervisor.settings, self.files, self.procs).hosts_dir(NET).live())

    def deltas(self) -> list[str]:
        return self.files.list_dir(self.supervisor.paths(NET).hostsdir)


def rig(settings: DnsmasqSettings = SETTINGS) -> Rig:
    files = FakeFiles()
    procs = FakeProcesses(files)
    return Rig(files, procs, DnsmasqSupervisor(settings, files, procs))


def test_ensure_network_writes_files_and_starts_dnsmasq_once() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1), host(2)])
    paths = r.supervisor.paths(NET)
    assert r.files.files[paths.opts] == "option:router,10.0.0.1\n"
    assert r.files.files[paths.hostsfile] == ("fa:16:3e:00:00:01,vm1.novalocal,10.0.0.11\n"
                                              "fa:16:3e:00:00:02,vm2.novalocal,10.0.0.12\n")
    assert r.deltas() == []  # a (re)start needs no per-host files
    assert len(r.procs.spawned) == 1
    proc = r.procs.procs[r.pid]
    assert proc.argv == render.render_argv(NET, SETTINGS)
    assert proc.environ == {"CONFIG_FILE": '["/etc/novanet/novanet.conf"]', "NETWORK_ID": "3"}
    assert r.supervisor.is_running(NET)


def test_ensure_network_twice_changes_nothing() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1)])
    writes = list(r.files.writes)
    r.supervisor.ensure_network(NET, [host(1)])
    assert r.files.writes == writes
    assert r.procs.signals == [] and len(r.procs.spawned) == 1


def test_ensure_network_on_a_running_dnsmasq_writes_only_changed_hosts() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1), host(2)])
    r.files.writes.clear()
    r.supervisor.ensure_network(NET, [host(1), host(3)])
    hostsdir = r.supervisor.paths(NET).hostsdir
    assert r.files.writes == [r.supervisor.paths(NET).ledger, f"{hostsdir}/fa163e000002", f"{hostsdir}/fa163e000003"]
    assert r.files.files[f"{hostsdir}/fa163e000002"] == "fa:16:3e:00:00:02,ignore\n"
    assert r.procs.signals == [] and r.served() == ["fa163e000001", "fa163e000003"]


def test_bad_facts_change_nothing() -> None:
    r = rig()
    with pytest.raises(exception.InvalidInput):
        r.supervisor.ensure_network(NET, [host(1), host(2, hostname="bad name")])
    assert r.files.files == {} and r.procs.spawned == []


def test_add_host_writes_one_file_and_signals_nothing() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1)])
    r.files.writes.clear()
    r.supervisor.add_host(NET, host(2))
    assert r.files.writes == [f"{r.supervisor.paths(NET).hostsdir}/fa163e000002"]
    assert r.procs.signals == []


def test_remove_host_tombstones_and_releases_without_reload() -> None:
    r = rig()
    r.procs.devices.add(("", "br100"))
    r.supervisor.ensure_network(NET, [host(1)])
    r.supervisor.remove_host(NET, host(1))
    assert r.files.files[f"{r.supervisor.paths(NET).hostsdir}/fa163e000001"] == "fa:16:3e:00:00:01,ignore\n"
    assert r.procs.releases == [("br100", "10.0.0.11", "fa:16:3e:00:00:01", "")]
    assert r.procs.signals == []


def test_release_is_skipped_without_the_bridge_and_failures_are_typed() -> None:
    r = rig(dataclasses.replace(SETTINGS, namespace="nn-x"))
    r.supervisor.release(NET, "10.0.0.11", "fa:16:3e:00:00:01")
    assert r.procs.releases == []
    r.procs.devices.add(("nn-x", "br100"))
    r.supervisor.release(NET, "10.0.0.11", "FA:16:3E:00:00:01")
    assert r.procs.releases == [("br100", "10.0.0.11", "fa:16:3e:00:00:01", "nn-x")]
    r.procs.release_error = True
    with pytest.raises(exception.NetworkDhcpReleaseFailed):
        r.supervisor.release(NET, "10.0.0.11", "fa:16:3e:00:00:01")
    with pytest.raises(exception.InvalidAddress):
        r.supervisor.release(NET, "10.0.0.11,x", "fa:16:3e:00:00:01")


def test_reusing_a_remembered_address_costs_one_reload() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1)])
    pid = r.pid
    r.supervisor.remove_host(NET, host(1), release=False)
    r.supervisor.add_host(NET, host(2, address="10.0.0.11"))
    assert r.signals(HUP) == [pid]
    assert r.deltas() == [] and r.served() == ["fa163e000002"]  # consolidated before the HUP
    assert r.supervisor.hosts_dir(NET).is_clean()


def test_deferred_coalesces_reloads_per_network() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(n) for n in range(1, 6)])
    with r.supervisor.deferred():
        for n in range(1, 6):
            r.supervisor.remove_host(NET, host(n), release=False)
            r.supervisor.add_host(NET, host(n + 10, address=f"10.0.0.{10 + n}"))
        assert r.procs.signals == []
    assert r.signals(HUP) == [r.pid]


def test_a_foreign_pid_is_never_signalled() -> None:
    r = rig()
    paths = r.supervisor.paths(NET)
    r.files.ensure_dir(ROOT)
    stranger = r.procs.add_foreign(["/usr/bin/sleep", "60"])
    r.files.write_file(paths.pid, f"{stranger}\n")
    assert r.supervisor.status(NET).state is ProcessState.STOPPED
    assert not r.supervisor.is_running(NET)
    r.supervisor.ensure_network(NET, [host(1)])
    assert r.pid != stranger
    r.files.write_file(paths.pid, f"{stranger}\n")
    r.supervisor.remove_network(NET)
    assert all(pid != stranger for pid, _ in r.procs.signals)
    assert r.procs.read_process(stranger) is not None


def test_a_dnsmasq_for_another_network_is_not_ours() -> None:
    r = rig()
    other = dataclasses.replace(NET, bridge="br200")
    r.supervisor.ensure_network(other, [])
    other_pid = r.procs.spawned[0]
    r.files.write_file(r.supervisor.paths(NET).pid, f"{other_pid}\n")
    assert r.supervisor.status(NET).state is ProcessState.STOPPED
    r.supervisor.remove_network(NET)
    assert r.procs.read_process(other_pid) is not None


def test_dead_dnsmasq_is_restarted() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1)])
    old = r.pid
    r.procs.crash(old)
    assert r.supervisor.status(NET).state is ProcessState.STOPPED
    r.supervisor.ensure_network(NET, [host(1)])
    assert r.pid != old and len(r.procs.spawned) == 2


def test_changed_flags_restart_instead_of_reloading() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1)])
    old = r.pid
    r.supervisor.settings = dataclasses.replace(SETTINGS, dhcp_lease_time=600)
    status = r.supervisor.status(NET)
    assert status.state is ProcessState.OUTDATED and status.reason == "command line changed"
    r.supervisor.ensure_network(NET, [host(1)])
    assert r.signals(TERM) == [old] and r.signals(HUP) == []
    assert "--dhcp-range=set:net3,10.0.0.3,static,255.255.255.0,600s" in r.procs.procs[r.pid].argv


def test_changed_script_environment_or_namespace_restarts() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [])
    r.supervisor.settings = dataclasses.replace(SETTINGS, dhcpbridge_flagfile=("/etc/novanet/other.conf",))
    assert r.supervisor.status(NET).reason == "dhcp-script environment changed"
    r.supervisor.settings = dataclasses.replace(SETTINGS, namespace="nn-other")
    assert r.supervisor.status(NET).reason == "runs in another network namespace"
    assert r.supervisor.status(NET).state is ProcessState.OUTDATED


def test_changed_options_are_reloaded() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1)])
    r.supervisor.ensure_network(dataclasses.replace(NET, mtu=1450), [host(1)])
    assert r.signals(HUP) == [r.pid]
    assert r.files.files[r.supervisor.paths(NET).opts].endswith("option:mtu,1450\n")


def test_a_restart_starts_from_a_clean_directory() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1), host(2)])
    r.supervisor.remove_host(NET, host(2), release=False)
    r.procs.crash(r.pid)
    r.supervisor.ensure_network(NET, [host(1)])
    assert r.deltas() == [] and r.served() == ["fa163e000001"]
    assert r.supervisor.hosts_dir(NET).is_clean()


def test_start_failure_is_typed() -> None:
    r = rig()
    r.procs.spawn_error = exception.ProcessExecutionError(cmd="dnsmasq", exit_code=2, stderr="boom")
    with pytest.raises(exception.ProcessExecutionError, match="boom"):
        r.supervisor.ensure_network(NET, [host(1)])
    assert not r.supervisor.is_running(NET)


def test_start_retries_while_a_dead_dnsmasq_still_holds_its_sockets() -> None:
    r = rig()
    in_use = exception.ProcessExecutionError(
        cmd="dnsmasq", exit_code=2, stderr="dnsmasq: failed to create listening socket for 10.0.0.1: "
        "Address already in use")
    r.procs.spawn_failures = [in_use, in_use]
    r.supervisor.ensure_network(NET, [host(1)])
    assert r.supervisor.is_running(NET) and len(r.procs.spawned) == 1


def test_tidy_waits_for_the_threshold_unless_forced() -> None:
    r = rig(dataclasses.replace(SETTINGS, tidy_threshold=3))
    r.supervisor.ensure_network(NET, [host(n) for n in range(1, 5)])
    assert r.supervisor.tidy(NET) is False
    for n in (1, 2):
        r.supervisor.remove_host(NET, host(n), release=False)
    assert len(r.deltas()) == 2
    assert r.supervisor.tidy(NET) is False and r.procs.signals == []
    assert r.deltas() == [] and r.served() == ["fa163e000003", "fa163e000004"]  # folded, no signal
    assert r.supervisor.hosts_dir(NET).stale_count == 2  # dnsmasq still remembers them
    r.supervisor.remove_host(NET, host(3), release=False)
    assert r.supervisor.tidy(NET) is True
    assert r.signals(HUP) == [r.pid]
    assert r.deltas() == [] and r.served() == ["fa163e000004"]
    r.supervisor.remove_host(NET, host(4), release=False)
    assert r.supervisor.tidy(NET, force=True) is True
    assert r.supervisor.tidy(NET, force=True) is False


def test_init_host_converges_removes_leftovers_and_is_idempotent() -> None:
    r = rig()
    gone = dataclasses.replace(NET, bridge="brgone")
    r.supervisor.ensure_network(gone, [host(7)])
    gone_pid = r.procs.spawned[0]
    r.supervisor.ensure_network(NET, [host(1), host(9)])
    r.files.write_file(f"{ROOT}/unrelated.conf", "not ours\n")
    r.files.write_file(f"{ROOT}/novanet-brgone.hostsdir/leftover", "x\n")
    fresh = DnsmasqSupervisor(SETTINGS, r.files, r.procs)  # the daemon restarted
    state = [(NET, [host(1), host(2)]), (dataclasses.replace(NET, bridge="brnodhcp", enable_dhcp=False), [])]

    fresh.init_host(state)

    assert r.procs.read_process(gone_pid) is None
    assert sorted(r.files.list_dir(ROOT)) == ["novanet-br100.dhcphosts", "novanet-br100.hostsdir",
                                             "novanet-br100.opts", "novanet-br100.pid", "unrelated.conf"]
    assert r.served() == ["fa163e000001", "fa163e000002"]
    assert r.deltas() == []
    writes, signals, spawned = list(r.files.writes), list(r.procs.signals), list(r.procs.spawned)
    fresh.init_host(state)
    assert (r.files.writes, r.procs.signals, r.procs.spawned) == (writes, signals, spawned)


def test_network_without_dhcp_gets_no_dnsmasq() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1)])
    pid = r.pid
    r.supervisor.ensure_network(dataclasses.replace(NET, enable_dhcp=False), [host(1)])
    assert r.procs.read_process(pid) is None
    assert r.files.list_dir(ROOT) == []


def test_update_dns_writes_names_for_multi_host_only() -> None:
    r = rig()
    r.supervisor.update_dns(NET, [host(1)])
    assert r.files.writes == []
    multi = dataclasses.replace(NET, multi_host=True)
    r.supervisor.ensure_network(multi, [])
    r.supervisor.update_dns(multi, [host(1), host(2)])
    assert r.files.files[r.supervisor.paths(multi).dns_hosts] == "10.0.0.11\tvm1.novalocal\n10.0.0.12\tvm2.novalocal\n"
    assert r.procs.signals == []


def test_remove_network_twice_is_fine() -> None:
    r = rig()
    r.supervisor.ensure_network(NET, [host(1)])
    r.supervisor.remove_network(NET)
    r.supervisor.remove_network(NET)
    assert r.files.list_dir(ROOT) == [] and len(r.signals(TERM)) == 1


def test_init_host_goes_on_after_a_failing_network() -> None:
    r = rig()
    broken = dataclasses.replace(NET, bridge="brbad", dhcp_server=None)
    other = dataclasses.replace(NET, bridge="brgood")
    with pytest.raises(exception.InvalidInput, match="dhcp_server"):
        r.supervisor.init_host([(broken, []), (other, [host(1)])])
    assert r.supervisor.is_running(other)
