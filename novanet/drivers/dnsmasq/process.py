"""Finding, starting, reloading and stopping one network's dnsmasq.

Theory of operation
-------------------
* **Ours means our pid file.** A pid read from ``novanet-<dev>.pid`` is only
  trusted if ``/proc/<pid>/cmdline`` carries ``--pid-file=<that file>``: the
  pid of a dead dnsmasq may have been reused by anything, and such a process
  is never signalled (nova's ``is_pid_cmdline_correct``, made exact).
* **Current means identical.** Flags are read once at start, so an own
  process whose argv, dhcp-script environment (``CONFIG_FILE``,
  ``NETWORK_ID``) or network namespace differs from what is wanted is
  restarted, not HUPed.
* **Reload means SIGHUP**, and only for what dnsmasq re-reads then: the hosts
  directory (dropping forgotten entries) and the options file. NOTE(dnsmasq):
  a SIGHUP re-reads every host and cross-checks each against every other
  (``check_dhcp_hosts``): 5 ms at 1k, 0.2 s at 10k and 4.7 s at 50k hosts of
  dnsmasq CPU with DHCP stalled meanwhile (tools/bench_dhcp.py; anchors
  §2.2.4 agree), and it calls the dhcp-script for every lease. It is kept off
  the per-host path: only a reused address, changed options, or a periodic
  tidy past ``tidy_threshold`` pay it.
* **Stop** is SIGTERM, then SIGKILL if the process outlives the grace time.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import signal
import time
from collections.abc import Mapping, Sequence

from novanet import exception
from novanet.drivers.dnsmasq.backend import FileStore, ProcessInfo, ProcessTable
from novanet.drivers.dnsmasq.paths import NetworkFiles

LOG = logging.getLogger(__name__)

STOP_GRACE = 5.0
PID_FILE_WAIT = 5.0
#: How long a start retries while the sockets are still held, see start().
BIND_RETRY = 3.0


class ProcessState(enum.Enum):
    #: No process of ours: no pid file, a dead pid, or somebody else's process.
    STOPPED = "stopped"
    #: Ours, running exactly the wanted argv, environment and namespace.
    CURRENT = "current"
    #: Ours, but started with other flags, environment or namespace.
    OUTDATED = "outdated"


@dataclasses.dataclass(frozen=True)
class ProcessStatus:
    state: ProcessState
    pid: int | None = None
    reason: str = ""


def read_pid(files: FileStore, paths: NetworkFiles) -> int | None:
    """The pid in the network's pid file, or None if absent or garbage."""
    text = (files.read_file(paths.pid) or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def find_ours(files: FileStore, procs: ProcessTable, paths: NetworkFiles) -> ProcessInfo | None:
    """The live dnsmasq that owns this network's pid file, if any."""
    pid = read_pid(files, paths)
    if pid is None:
        return None
    info = procs.read_process(pid)
    if info is None:
        return None
    if f"--pid-file={paths.pid}" not in info.argv:
        LOG.warning("pid %d in %s is not our dnsmasq (%s); leaving it alone", pid, paths.pid,
                    " ".join(info.argv)[:200])
        return None
    return info


def status(files: FileStore, procs: ProcessTable, paths: NetworkFiles, argv: Sequence[str],
           env: Mapping[str, str], namespace: str) -> ProcessStatus:
    """Where the network's dnsmasq stands against the wanted ``argv``/``env``."""
    info = find_ours(files, procs, paths)
    if info is None:
        return ProcessStatus(ProcessState.STOPPED)
    if info.argv != tuple(argv):
        return ProcessStatus(ProcessState.OUTDATED, info.pid, "command line changed")
    # An unreadable environment or namespace (not root) is not a difference.
    if info.environ and any(info.environ.get(key) != value for key, value in env.items()):
        return ProcessStatus(ProcessState.OUTDATED, info.pid, "dhcp-script environment changed")
    if info.netns and info.netns != procs.netns_identity(namespace):
        return ProcessStatus(ProcessState.OUTDATED, info.pid, "runs in another network namespace")
    return ProcessStatus(ProcessState.CURRENT, info.pid)


def start(files: FileStore, procs: ProcessTable, paths: NetworkFiles, argv: Sequence[str],
          env: Mapping[str, str], namespace: str) -> int:
    """Start dnsmasq and return the pid it wrote.

    :raises ProcessExecutionError: if dnsmasq refuses to start.
    :raises DriverError: if it started but its pid file never named it.
    """
    files.remove_file(paths.pid)
    deadline = time.monotonic() + BIND_RETRY
    while True:
        try:
            procs.spawn_daemon(argv, env, namespace)
            break
        except exception.ProcessExecutionError as err:
            # NOTE(dnsmasq): a dnsmasq that just died (crash, kill -9) keeps
            # its DNS and DHCP sockets until it is a zombie, so its successor
            # fails with "Address already in use" for a few milliseconds
            # (seen restarting right after SIGKILL).
            if "Address already in use" not in str(err) or time.monotonic() >= deadline:
                raise
            LOG.info("dnsmasq for %s: address still in use, retrying", paths.device)
            time.sleep(0.05)
    deadline = time.monotonic() + PID_FILE_WAIT
    while True:
        info = find_ours(files, procs, paths)
        if info is not None:
            LOG.info("Started dnsmasq for %s, pid %d", paths.device, info.pid)
            return info.pid
        if time.monotonic() >= deadline:
            raise exception.DriverError(reason=f"dnsmasq for {paths.device} started but {paths.pid} "
                                        "does not name a running dnsmasq")
        time.sleep(0.01)


def reload(procs: ProcessTable, pid: int) -> bool:
    """SIGHUP ``pid``; False if it is gone."""
    return procs.send_signal(pid, signal.SIGHUP)


def stop(files: FileStore, procs: ProcessTable, paths: NetworkFiles) -> int | None:
    """Stop the network's dnsmasq if it is ours; returns its pid, or None.

    :raises DriverError: if it survives SIGKILL.
    """
    info = find_ours(files, procs, paths)
    if info is None:
        return None
    pid = info.pid
    procs.send_signal(pid, signal.SIGTERM)
    if not procs.wait_gone(pid, STOP_GRACE):
        LOG.warning("dnsmasq %d for %s ignored SIGTERM; killing it", pid, paths.device)
        procs.send_signal(pid, signal.SIGKILL)
        if not procs.wait_gone(pid, STOP_GRACE):
            raise exception.DriverError(reason=f"dnsmasq {pid} for {paths.device} survives SIGKILL")
    LOG.info("Stopped dnsmasq for %s, pid %d", paths.device, pid)
    return pid
