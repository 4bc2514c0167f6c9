"""One dnsmasq per network on this host: its files, host entries and process.

:class:`DnsmasqSupervisor` is what the ``LinuxNetDriver`` facade calls from
``ensure_network``, ``add_dhcp_host``, ``remove_dhcp_host``, ``release_dhcp``,
``update_dns``, ``remove_network``, ``init_host`` and ``deferred``. It renders
with :mod:`.render` and acts through a :class:`~.backend.FileStore` and a
:class:`~.backend.ProcessTable`: the module :mod:`.privileged` by default,
:mod:`.fake` in tests.

Theory of operation
-------------------
Per network, keyed by its bridge, under ``networks_path``: ``novanet-<br>.pid``,
``.opts``, ``.dhcphosts`` (the base hosts file), ``.hostsdir/`` (one file per
MAC changed since the last full read), ``.dnsdir/hosts`` (multi_host DNS names)
and ``.stale`` (the ledger); :mod:`.hostsdir` explains the split.

* **ensure_network** validates and renders everything first (bad facts raise
  before anything is written) and writes the options file if it changed.
  Then, with the process (:mod:`.process`) CURRENT, it converges the hosts
  with delta files and SIGHUPs only if the options changed or an entry
  cannot take effect otherwise; STOPPED → write the base file and start;
  OUTDATED (other flags, environment or namespace) → stop, write the base
  file and start. Every full read (start or SIGHUP) is preceded by
  consolidating the hosts into the base file and followed by emptying the
  ledger.
* **add_host** is one atomic file write that dnsmasq picks up by inotify
  (same pid, no signal). Only an address dnsmasq still remembers for another
  (or an older) entry needs a reload, done at once or, inside
  :meth:`DnsmasqSupervisor.deferred`, once per network when the block exits.
* **remove_host** tombstones the entry (refused at once) and runs
  ``dhcp_release`` on the bridge inside the namespace, which ends the lease
  and makes dnsmasq run the dhcp-script's ``del``. Never a reload.
* **tidy** (periodic) folds the per-host files into the base file (cheap,
  no signal) and reloads a network once ``tidy_threshold`` forgotten entries
  have piled up, so files and dnsmasq's memory stay bounded at the price of
  one reload per batch, not per change.
* **init_host** ensures every network, tidies each one that is not clean, and
  stops and deletes the files of networks no fact backs any more (only
  ``novanet-*`` files, only a dnsmasq that owns our pid file). Run twice, the
  second run writes nothing and signals nothing.

One lock per bridge serialises the calls for a network; different networks
proceed in parallel.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence

import netaddr
from oslo_config import cfg

from novanet import conf as novanet_conf
from novanet import exception
from novanet.drivers.base import DhcpHost, NetworkSpec
from novanet.drivers.dnsmasq import privileged, process, render
from novanet.drivers.dnsmasq.backend import FileStore, ProcessTable
from novanet.drivers.dnsmasq.hostsdir import HostsDir
from novanet.drivers.dnsmasq.paths import NetworkFiles, check_device, device_of, network_files, normalize_mac
from novanet.drivers.dnsmasq.process import ProcessState, ProcessStatus
from novanet.drivers.dnsmasq.settings import DnsmasqSettings, settings_from_conf

LOG = logging.getLogger(__name__)


class DnsmasqSupervisor:
    """Makes each network's dnsmasq match the facts. See the module docstring."""

    def __init__(self, settings: DnsmasqSettings, files: FileStore = privileged,
                 processes: ProcessTable = privileged) -> None:
        self.settings = settings
        self.files = files
        self.processes = processes
        self._guard = threading.Lock()
        self._locks: dict[str, threading.RLock] = {}
        self._dirs: dict[str, HostsDir] = {}
        self._prepared: set[str] = set()
        self._defer_depth = 0
        self._pending: dict[str, NetworkSpec] = {}

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts | None = None) -> DnsmasqSupervisor:
        """A supervisor with the real backends and the options of ``conf``."""
        return cls(settings_from_conf(conf if conf is not None else novanet_conf.CONF))

    # -- queries -------------------------------------------------------------------

    def paths(self, network: NetworkSpec) -> NetworkFiles:
        """The files of ``network``'s dnsmasq."""
        return network_files(self.settings, network.bridge)

    def status(self, network: NetworkSpec) -> ProcessStatus:
        """Whether our dnsmasq for ``network`` runs, and with the wanted flags."""
        paths = self.paths(network)
        return process.status(self.files, self.processes, paths, render.render_argv(network, self.settings),
                              render.render_env(network, self.settings), self.settings.namespace)

    def is_running(self, network: NetworkSpec) -> bool:
        """True if the pid file names a live dnsmasq that is ours for this network."""
        return process.find_ours(self.files, self.processes, self.paths(network)) is not None

    def hosts_dir(self, network: NetworkSpec) -> HostsDir:
        """The hosts-directory state of ``network`` (for inspection)."""
        return self._hostsdir(self.paths(network))

    # -- the NetworkDriver verbs -----------------------------------------------------

    def ensure_network(self, network: NetworkSpec, hosts: Sequence[DhcpHost]) -> None:
        """Serve exactly ``hosts`` on ``network``'s bridge; start or fix dnsmasq.

        A network with ``enable_dhcp`` false gets no dnsmasq (a running one
        is stopped and its files removed).

        :raises Invalid: for bad facts, before anything changes.
        :raises ProcessExecutionError: if dnsmasq refuses to start.
        """
        if not network.enable_dhcp:
            self.remove_network(network)
            return
        argv = render.render_argv(network, self.settings)
        env = render.render_env(network, self.settings)
        opts = render.render_opts(network, self.settings)
        wanted = render.render_host_entries(network, hosts, self.settings)
        paths = self.paths(network)
        with self._lock(paths.device):
            self._prepare(paths, network)
            opts_changed = self._write_if_changed(paths.opts, opts)
            state = self._hostsdir(paths)
            current = process.status(self.files, self.processes, paths, argv, env, self.settings.namespace)
            if current.state is ProcessState.CURRENT:
                # Running as wanted: one delta file per changed host.
                if state.converge(wanted) or opts_changed:
                    self._request_reload(network)
            else:
                # About to (re)start: just the base file, no per-host files.
                state.assign(wanted)
                self._converge_process(network, paths, argv, env, needs_reload=False)

    def ensure_running(self, network: NetworkSpec) -> int:
        """Start (or restart with the wanted flags) ``network``'s dnsmasq from
        the files already written, without touching host entries; returns its pid."""
        argv = render.render_argv(network, self.settings)
        env = render.render_env(network, self.settings)
        paths = self.paths(network)
        with self._lock(paths.device):
            self._prepare(paths, network)
            self._write_if_changed(paths.opts, render.render_opts(network, self.settings))
            return self._converge_process(network, paths, argv, env, needs_reload=False)

    def add_host(self, network: NetworkSpec, host: DhcpHost) -> None:
        """Serve ``host`` without restarting dnsmasq (one file, picked up by inotify)."""
        entry = render.render_host_entry(network, host, self.settings)
        paths = self.paths(network)
        with self._lock(paths.device):
            self._prepare(paths, network)
            if self._hostsdir(paths).put(entry):
                self._request_reload(network)

    def remove_host(self, network: NetworkSpec, host: DhcpHost, release: bool = True) -> None:
        """Stop serving ``host`` at once and, with ``release``, end its lease.

        :raises NetworkDhcpReleaseFailed: if dhcp_release fails.
        """
        mac = normalize_mac(host.mac)
        paths = self.paths(network)
        with self._lock(paths.device):
            self._hostsdir(paths).remove(mac)
        if release:
            self.release(network, host.address, mac)

    def release(self, network: NetworkSpec, address: str, mac: str) -> None:
        """End the lease of ``address``/``mac`` now (dhcp_release on the bridge).

        Nothing happens if the bridge does not exist (nothing can hold a lease).

        :raises NetworkDhcpReleaseFailed: if dhcp_release fails.
        """
        mac = normalize_mac(mac)
        if not netaddr.valid_ipv4(str(address)):
            raise exception.InvalidAddress(address=address)
        device = check_device(network.bridge)
        if not self.processes.device_exists(device, self.settings.namespace):
            LOG.debug("Not releasing %s (%s): %s does not exist", address, mac, device)
            return
        self.processes.dhcp_release(self.settings.release_binary, device, str(address), mac, self.settings.namespace)

    def update_dns(self, network: NetworkSpec, hosts: Sequence[DhcpHost]) -> None:
        """Publish the DNS names of all ``network``'s instances (multi_host only).

        dnsmasq re-reads the file on change; no reload.
        """
        if not network.multi_host:
            LOG.debug("%s is not multi_host; its dnsmasq serves no DNS hosts file", network.bridge)
            return
        text = render.render_dns_hosts(network, hosts, self.settings)
        paths = self.paths(network)
        with self._lock(paths.device):
            self._prepare(paths, network)
            self._write_if_changed(paths.dns_hosts, text)

    def remove_network(self, network: NetworkSpec) -> None:
        """Stop ``network``'s dnsmasq (if ours) and remove its files."""
        self._remove_device(check_device(network.bridge))

    def tidy(self, network: NetworkSpec, force: bool = False) -> bool:
        """Fold the per-host files into the base file (one write, no signal) and,
        if enough removed or changed entries piled up, make dnsmasq forget them.

        :param force: reload whenever anything is left to forget.
        :returns: True if dnsmasq was reloaded.
        """
        paths = self.paths(network)
        with self._lock(paths.device):
            hosts = self._hostsdir(paths)
            hosts.consolidate()
            if hosts.is_clean():
                return False
            if not force and hosts.stale_count < self.settings.tidy_threshold:
                return False
            current = self.status(network)
            if current.state is not ProcessState.CURRENT or current.pid is None:
                # Not running with our flags: the next (re)start reads a clean
                # directory anyway.
                return False
            return self._reload(network, paths, current.pid)

    def init_host(self, networks: Iterable[tuple[NetworkSpec, Sequence[DhcpHost]]]) -> None:
        """Converge every network's dnsmasq; remove ours that no network backs.

        A network that fails does not stop the others; the first error is
        raised at the end.
        """
        wanted: set[str] = set()
        errors: list[exception.NovanetError] = []
        for network, hosts in networks:
            if not network.enable_dhcp:
                continue
            wanted.add(network.bridge)
            try:
                self.ensure_network(network, hosts)
                self.tidy(network, force=True)
            except exception.NovanetError as err:
                LOG.error("dnsmasq for %s: %s", network.bridge, err)
                errors.append(err)
        for device in self._devices_on_disk() - wanted:
            LOG.info("Removing dnsmasq files of %s: no network backs them", device)
            self._remove_device(device)
        if errors:
            raise errors[0]

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Coalesce reloads: at most one per network, when the outermost block exits."""
        with self._guard:
            self._defer_depth += 1
        try:
            yield
        finally:
            with self._guard:
                self._defer_depth -= 1
                pending = self._pending if self._defer_depth == 0 else {}
                if self._defer_depth == 0:
                    self._pending = {}
            errors: list[exception.NovanetError] = []
            for network in pending.values():
                try:
                    with self._lock(network.bridge):
                        self._reload_now(network)
                except exception.NovanetError as err:
                    LOG.error("Reloading dnsmasq for %s failed: %s", network.bridge, err)
                    errors.append(err)
            if errors:
                raise errors[0]

    # -- internals ---------------------------------------------------------------

    def _lock(self, device: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(device, threading.RLock())

    def _hostsdir(self, paths: NetworkFiles) -> HostsDir:
        with self._guard:
            found = self._dirs.get(paths.device)
            if found is None:
                found = self._dirs[paths.device] = HostsDir(self.files, paths)
            return found

    def _prepare(self, paths: NetworkFiles, network: NetworkSpec) -> None:
        key = f"{paths.device}{'+dns' if network.multi_host else ''}"
        if key in self._prepared:
            return
        self.files.ensure_dir(self.settings.networks_path)
        self.files.ensure_dir(paths.hostsdir)
        if network.multi_host:
            self.files.ensure_dir(paths.dnsdir)
        self._prepared.add(key)

    def _write_if_changed(self, path: str, text: str) -> bool:
        if self.files.read_file(path) == text:
            return False
        self.files.write_file(path, text)
        return True

    def _converge_process(self, network: NetworkSpec, paths: NetworkFiles, argv: Sequence[str],
                          env: dict[str, str], needs_reload: bool) -> int:
        current = process.status(self.files, self.processes, paths, argv, env, self.settings.namespace)
        if current.state is ProcessState.CURRENT and current.pid is not None:
            if needs_reload:
                self._request_reload(network)
            return current.pid
        if current.state is ProcessState.OUTDATED:
            LOG.info("Restarting dnsmasq %s for %s: %s", current.pid, paths.device, current.reason)
            process.stop(self.files, self.processes, paths)
        hosts = self._hostsdir(paths)
        hosts.consolidate()
        pid = process.start(self.files, self.processes, paths, argv, env, self.settings.namespace)
        hosts.forget_stale()
        return pid

    def _request_reload(self, network: NetworkSpec) -> None:
        with self._guard:
            if self._defer_depth:
                self._pending[network.bridge] = network
                return
        self._reload_now(network)

    def _reload_now(self, network: NetworkSpec) -> None:
        """Reload (or, if not running as wanted, restart) ``network``'s dnsmasq."""
        paths = self.paths(network)
        argv = render.render_argv(network, self.settings)
        env = render.render_env(network, self.settings)
        current = process.status(self.files, self.processes, paths, argv, env, self.settings.namespace)
        if current.state is ProcessState.CURRENT and current.pid is not None and \
                self._reload(network, paths, current.pid):
            return
        self._prepare(paths, network)
        self._write_if_changed(paths.opts, render.render_opts(network, self.settings))
        self._converge_process(network, paths, argv, env, needs_reload=False)

    def _reload(self, network: NetworkSpec, paths: NetworkFiles, pid: int) -> bool:
        hosts = self._hostsdir(paths)
        if hosts.holds_tags:
            # A SIGHUP would kill it (see the NOTE in .hostsdir): restart it.
            LOG.info("Restarting dnsmasq %d for %s instead of reloading: it holds tagged host entries", pid,
                     paths.device)
            process.stop(self.files, self.processes, paths)
            self._converge_process(network, paths, render.render_argv(network, self.settings),
                                   render.render_env(network, self.settings), needs_reload=False)
            return True
        hosts.consolidate()
        if not process.reload(self.processes, pid):
            return False
        LOG.info("Reloaded dnsmasq %d for %s", pid, paths.device)
        hosts.forget_stale()
        return True

    def _devices_on_disk(self) -> set[str]:
        devices = set()
        for name in self.files.list_dir(self.settings.networks_path):
            device = device_of(name)
            if device is not None:
                devices.add(device)
        return devices

    def _remove_device(self, device: str) -> None:
        paths = network_files(self.settings, device)
        with self._lock(device):
            process.stop(self.files, self.processes, paths)
            for path in (paths.pid, paths.opts, paths.hostsfile, paths.ledger):
                self.files.remove_file(path)
            for path in (paths.hostsdir, paths.dnsdir):
                self.files.remove_tree(path)
            with self._guard:
                self._dirs.pop(device, None)
                self._prepared.discard(device)
                self._prepared.discard(f"{device}+dns")

