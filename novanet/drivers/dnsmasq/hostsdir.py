"""The DHCP hosts of one network, and what dnsmasq may still remember.

Theory of operation
-------------------
dnsmasq reads a new or changed file of ``--dhcp-hostsdir`` on inotify (about
1 ms even with 50k hosts, anchors §2.2.4) and puts its entry in front of the
ones it already holds; it forgets nothing until a SIGHUP or a restart re-reads
everything (a *full read*). Checked against dnsmasq 2.90 with ``--log-dhcp``:

* NOTE(dnsmasq): deleting a file has no effect (man page, ``--dhcp-hostsdir``).
  A removed host's file is therefore rewritten to ``<mac>,ignore`` — a
  *tombstone* — and since the newest entry of a MAC wins, the host is refused
  at once ("DHCPDISCOVER ... ignored").
* NOTE(dnsmasq): an address that an older, remembered entry holds cannot be
  given to a new one: dnsmasq logs "duplicate dhcp-host IP address" and drops
  the new entry. That happens for an address reused by another MAC, for an
  address given back to the same MAC, and even for an unchanged rewrite.
* NOTE(dnsmasq): a full read of N one-line files costs 4-8 times a full read
  of one N-line ``--dhcp-hostsfile`` (20k hosts: 2.9 s against 0.75 s of CPU;
  50k: start 21 s against 4.7 s, SIGHUP 38 s against 4.7 s; tools/bench_dhcp.py
  and the report of its first runs). So the hosts live in two places:

  - the **base file** (``--dhcp-hostsfile``, not watched by inotify): every
    host as of the last full read, rewritten only right before one;
  - the **hosts directory**: one *delta* file per MAC changed since then
    (a live entry or a tombstone), each picked up by inotify on its own.

  The current entry of a MAC is its delta file if it has one, else its base
  line. Right before every full read, :meth:`HostsDir.consolidate` writes the
  current live entries to the base file and deletes every delta file, so each
  MAC is in exactly one place when dnsmasq reads them in whatever order.

A **ledger** (``novanet-<dev>.stale``) lists every ``(mac, address)`` pair the
running dnsmasq may remember that is not current any more.

Invariants
~~~~~~~~~~
* I1: a delta file is named by its MAC's 12 hex digits and holds one entry;
  identical content is never rewritten.
* I2: no two current live entries share an address; a new owner of an
  address tombstones the old one.
* I3: the ledger covers everything the running dnsmasq remembers beyond the
  current entries. A pair is appended *before* the write that makes it
  stale, so after a crash the ledger may over-cover (one extra reload),
  never under-cover.
* I4: :meth:`HostsDir.put` of a live entry whose address is in the ledger
  returns True: the caller must reload (SIGHUP) or restart dnsmasq before that
  host is served.
* I5: every full read is preceded by :meth:`HostsDir.consolidate` and, once
  the signal is sent or the process started, followed by
  :meth:`HostsDir.forget_stale`.

NOTE(dnsmasq): a SIGHUP while dnsmasq holds a host entry that sets a tag
(``set:``, the PXE and no-gateway tags) and that host has a lease kills
dnsmasq: 2.90 aborts (SIGABRT, reproduced here with one tagged entry, one
lease and one SIGHUP; imp/dnsmasq#20 reports the same segfault in
``dhcp_netid_free`` on reload for 2.86). :attr:`HostsDir.holds_tags` says
whether dnsmasq may hold one (a current entry, or a stale one it still
remembers: the ledger marks those ``tagged``); the manager then restarts
dnsmasq instead of reloading it.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Mapping

from novanet.drivers.dnsmasq.backend import FileStore
from novanet.drivers.dnsmasq.paths import NetworkFiles, host_file_name
from novanet.drivers.dnsmasq.render import (
    HostEntry,
    parse_host_entry,
    parse_host_line,
    render_hostsfile,
    render_tombstone,
)

LOG = logging.getLogger(__name__)


class HostsDir:
    """The base file, delta files and ledger of one network (not thread-safe;
    the supervisor holds the network's lock)."""

    def __init__(self, files: FileStore, paths: NetworkFiles) -> None:
        self._files = files
        self._paths = paths
        self._loaded = False
        self._base: dict[str, HostEntry] = {}
        self._deltas: dict[str, HostEntry] = {}
        self._by_address: dict[str, str] = {}
        self._stale: set[tuple[str, str]] = set()
        self._stale_addresses: Counter[str] = Counter()
        self._junk: list[str] = []
        #: A file dnsmasq may have read that is not ours: only a full read forgets it.
        self._junk_read = False
        #: dnsmasq may remember a tagged entry that is not current any more.
        self._stale_tagged = False

    # -- reading --------------------------------------------------------------

    def load(self) -> None:
        """Read the base file, the directory and the ledger once."""
        if self._loaded:
            return
        for line in (self._files.read_file(self._paths.hostsfile) or "").splitlines():
            entry = parse_host_line(line)
            if entry is not None and not entry.is_tombstone:
                self._base[entry.name] = entry
        for name in self._files.list_dir(self._paths.hostsdir):
            text = self._files.read_file(os.path.join(self._paths.hostsdir, name))
            entry = parse_host_entry(name, text) if text is not None and not name.startswith(".") else None
            if entry is None:
                self._junk.append(name)
                # Dot files are leftovers of interrupted writes, never read by dnsmasq.
                self._junk_read = self._junk_read or not name.startswith(".")
            else:
                self._deltas[name] = entry
        for name, entry in {**self._base, **self._deltas}.items():
            if entry.address is not None:
                self._by_address[entry.address] = name
        for line in (self._files.read_file(self._paths.ledger) or "").splitlines():
            fields = line.split()
            if len(fields) in (2, 3):
                self._remember_stale(fields[1], fields[0])
                self._stale_tagged = self._stale_tagged or fields[2:] == ["tagged"]
        self._loaded = True

    @property
    def entries(self) -> dict[str, HostEntry]:
        """The current entry of every MAC, by file name (tombstones included)."""
        self.load()
        return {**self._base, **self._deltas}

    def live(self) -> dict[str, HostEntry]:
        """The hosts dnsmasq serves, by file name."""
        return {name: entry for name, entry in self.entries.items() if not entry.is_tombstone}

    @property
    def stale_count(self) -> int:
        """How many remembered-but-dead entries a full read would drop."""
        self.load()
        return len(self._stale)

    @property
    def delta_count(self) -> int:
        self.load()
        return len(self._deltas)

    @property
    def tombstones(self) -> list[str]:
        self.load()
        return [name for name, entry in self._deltas.items() if entry.is_tombstone]

    @property
    def holds_tags(self) -> bool:
        """dnsmasq may hold a host entry that sets a tag (no SIGHUP then, see the NOTE)."""
        self.load()
        return self._stale_tagged or any(e.tagged for e in self._base.values()) or any(
            e.tagged for e in self._deltas.values())

    def is_clean(self) -> bool:
        """Nothing for a full read to drop: no stale pair, tombstone or junk."""
        self.load()
        return not (self._stale or self._junk_read or self.tombstones)

    # -- changing while dnsmasq runs --------------------------------------------

    def put(self, entry: HostEntry) -> bool:
        """Make ``entry`` current with one delta file (unless it already is).

        :returns: True if dnsmasq needs a full read to serve it (invariant I4).
        """
        self.load()
        current = self._current(entry.name)
        if current is not None and current.text == entry.text:
            return False
        holder = self._by_address.get(entry.address) if entry.address else None
        if holder is not None and holder != entry.name:
            old = self._current(holder)
            assert old is not None
            LOG.warning("%s: %s takes %s over from %s", self._paths.device, entry.mac, entry.address, old.mac)
            self.remove(old.mac)
        if current is not None and not current.is_tombstone:
            self._mark_stale(current)
        self._write_delta(entry)
        return entry.address is not None and entry.address in self._stale_addresses

    def remove(self, mac: str) -> bool:
        """Tombstone ``mac``; True if a file changed."""
        self.load()
        current = self._current(host_file_name(mac))
        if current is None or current.is_tombstone:
            return False
        self._mark_stale(current)
        self._write_delta(render_tombstone(mac))
        return True

    def converge(self, wanted: Mapping[str, HostEntry]) -> bool:
        """Make the current live entries exactly ``wanted`` (by file name).

        :returns: True if dnsmasq needs a full read to serve them all.
        """
        self.load()
        reload = False
        for name, entry in self.entries.items():
            if name not in wanted and not entry.is_tombstone:
                self.remove(entry.mac)
        for entry in wanted.values():
            reload = self.put(entry) or reload
        for name in self._junk:
            self._files.remove_file(os.path.join(self._paths.hostsdir, name))
        self._junk = []
        return reload or self._junk_read

    # -- full reads ---------------------------------------------------------------

    def assign(self, wanted: Mapping[str, HostEntry]) -> None:
        """Take ``wanted`` as the current entries without writing anything; for
        a dnsmasq about to be (re)started, which :meth:`consolidate` prepares."""
        self.load()
        self._base, self._deltas = {}, dict(wanted)
        self._by_address = {e.address: name for name, e in wanted.items() if e.address is not None}

    def consolidate(self) -> None:
        """Write the current live entries to the base file and delete every
        delta file: the state a full read must find (I5).

        Safe without a full read too: dnsmasq's memory is unchanged and still
        matches the current entries up to the ledger, which is kept. Even if
        interrupted, a MAC is then at worst in the base file and in a delta
        file with the same content, which a full read tolerates (the second
        copy is dropped as a duplicate of the first).
        """
        self.load()
        live = self.live()
        text = render_hostsfile(live.values())
        if self._files.read_file(self._paths.hostsfile) != text:
            self._files.write_file(self._paths.hostsfile, text)
        for name in list(self._files.list_dir(self._paths.hostsdir)):
            self._files.remove_file(os.path.join(self._paths.hostsdir, name))
        self._base, self._deltas, self._junk = live, {}, []

    def forget_stale(self) -> None:
        """Empty the ledger: dnsmasq has read everything afresh (I5)."""
        self.load()
        if self._stale or self._files.read_file(self._paths.ledger) is not None:
            self._files.remove_file(self._paths.ledger)
        self._stale.clear()
        self._stale_addresses.clear()
        self._junk_read = False
        self._stale_tagged = False

    # -- internals ------------------------------------------------------------

    def _current(self, name: str) -> HostEntry | None:
        return self._deltas.get(name) or self._base.get(name)

    def _remember_stale(self, mac: str, address: str) -> bool:
        if (mac, address) in self._stale:
            return False
        self._stale.add((mac, address))
        self._stale_addresses[address] += 1
        return True

    def _mark_stale(self, entry: HostEntry) -> None:
        assert entry.address is not None
        if self._remember_stale(entry.mac, entry.address) or (entry.tagged and not self._stale_tagged):
            self._files.append_file(self._paths.ledger,
                                    f"{entry.address} {entry.mac}{' tagged' if entry.tagged else ''}\n")
        self._stale_tagged = self._stale_tagged or entry.tagged
        if self._by_address.get(entry.address) == entry.name:
            del self._by_address[entry.address]

    def _write_delta(self, entry: HostEntry) -> None:
        self._files.write_file(os.path.join(self._paths.hostsdir, entry.name), entry.text)
        self._deltas[entry.name] = entry
        if entry.address is not None:
            self._by_address[entry.address] = entry.name
