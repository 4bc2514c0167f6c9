"""The hosts directory, its tombstones and the ledger of what dnsmasq remembers."""

from __future__ import annotations

import dataclasses

from novanet.drivers.dnsmasq import paths, render
from novanet.drivers.dnsmasq.fake import FakeFiles
from novanet.drivers.dnsmasq.hostsdir import HostsDir
from tests.unit.drivers.dnsmasq.facts import NET, SETTINGS, host

PATHS = paths.network_files(SETTINGS, "br100")


def entry(n: int, address: str | None = None, hostname: str | None = None) -> render.HostEntry:
    return render.render_host_entry(NET, host(n, address, hostname=hostname or f"vm{n}"), SETTINGS)


def fresh() -> tuple[FakeFiles, HostsDir]:
    files = FakeFiles()
    files.ensure_dir(PATHS.hostsdir)
    return files, HostsDir(files, PATHS)


def test_new_entries_are_files_and_need_no_reload() -> None:
    files, hosts = fresh()
    assert hosts.put(entry(1)) is False
    assert files.files[f"{PATHS.hostsdir}/fa163e000001"] == "fa:16:3e:00:00:01,vm1.novalocal,10.0.0.11\n"
    assert hosts.is_clean()


def test_identical_content_is_never_rewritten() -> None:
    files, hosts = fresh()
    hosts.put(entry(1))
    writes = len(files.writes)
    assert hosts.put(entry(1)) is False
    assert len(files.writes) == writes


def test_remove_writes_a_tombstone_and_records_the_forgotten_entry() -> None:
    files, hosts = fresh()
    hosts.put(entry(1))
    assert hosts.remove("fa:16:3e:00:00:01") is True
    assert files.files[f"{PATHS.hostsdir}/fa163e000001"] == "fa:16:3e:00:00:01,ignore\n"
    assert files.files[PATHS.ledger] == "10.0.0.11 fa:16:3e:00:00:01\n"
    assert hosts.stale_count == 1 and hosts.tombstones == ["fa163e000001"]
    assert hosts.remove("fa:16:3e:00:00:01") is False
    assert hosts.remove("fa:16:3e:00:00:09") is False


def test_ledger_is_written_before_the_change_it_covers() -> None:
    files, hosts = fresh()
    hosts.put(entry(1))
    files.writes.clear()
    hosts.remove("fa:16:3e:00:00:01")
    assert files.writes == [PATHS.ledger, f"{PATHS.hostsdir}/fa163e000001"]


def test_reusing_a_remembered_address_needs_a_reload() -> None:
    _, hosts = fresh()
    hosts.put(entry(1))
    hosts.remove("fa:16:3e:00:00:01")
    assert hosts.put(entry(2, address="10.0.0.11")) is True


def test_giving_a_mac_back_its_old_address_needs_a_reload() -> None:
    _, hosts = fresh()
    hosts.put(entry(1))
    assert hosts.put(entry(1, address="10.0.0.50")) is False  # newest entry wins
    assert hosts.put(entry(1)) is True  # 10.0.0.11 is still remembered


def test_renaming_a_host_needs_a_reload() -> None:
    _, hosts = fresh()
    hosts.put(entry(1))
    assert hosts.put(entry(1, hostname="renamed")) is True


def test_a_new_owner_of_an_address_tombstones_the_old_one() -> None:
    files, hosts = fresh()
    hosts.put(entry(1))
    assert hosts.put(entry(2, address="10.0.0.11")) is True
    assert files.files[f"{PATHS.hostsdir}/fa163e000001"] == "fa:16:3e:00:00:01,ignore\n"


def test_converge_leaves_exactly_the_wanted_live_entries() -> None:
    files, hosts = fresh()
    files.files[f"{PATHS.hostsdir}/.fa163e000009.abc.tmp"] = "partial"  # an interrupted write
    for n in (1, 2, 3):
        hosts.put(entry(n))
    wanted = {e.name: e for e in (entry(2), entry(4))}
    assert hosts.converge(wanted) is False
    live = {name for name, e in hosts.entries.items() if not e.is_tombstone}
    assert live == {"fa163e000002", "fa163e000004"}
    assert sorted(hosts.tombstones) == ["fa163e000001", "fa163e000003"]
    assert f"{PATHS.hostsdir}/.fa163e000009.abc.tmp" not in files.files


def test_converge_reports_junk_dnsmasq_may_have_read() -> None:
    files, hosts = fresh()
    files.files[f"{PATHS.hostsdir}/somebody-elses"] = "de:ad:be:ef:00:01,10.0.0.99\n"
    assert hosts.converge({}) is True
    assert f"{PATHS.hostsdir}/somebody-elses" not in files.files


def test_consolidate_moves_current_entries_to_the_base_file() -> None:
    files, hosts = fresh()
    for n in (1, 2, 3):
        hosts.put(entry(n))
    hosts.remove("fa:16:3e:00:00:01")
    hosts.put(entry(2, address="10.0.0.60"))
    hosts.consolidate()
    hosts.forget_stale()
    assert hosts.is_clean() and hosts.delta_count == 0
    assert files.list_dir(PATHS.hostsdir) == []
    assert files.files[PATHS.hostsfile] == entry(2, address="10.0.0.60").text + entry(3).text
    assert PATHS.ledger not in files.files
    assert hosts.put(entry(4, address="10.0.0.11")) is False  # nothing remembered any more
    assert sorted(hosts.live()) == ["fa163e000002", "fa163e000003", "fa163e000004"]


def test_deltas_override_the_base_file() -> None:
    files, hosts = fresh()
    for n in (1, 2):
        hosts.put(entry(n))
    hosts.consolidate()
    hosts.forget_stale()
    hosts.remove("fa:16:3e:00:00:01")
    assert files.files[f"{PATHS.hostsdir}/fa163e000001"] == "fa:16:3e:00:00:01,ignore\n"
    assert hosts.put(entry(2)) is False  # unchanged base line: nothing written
    assert files.list_dir(PATHS.hostsdir) == ["fa163e000001"]
    again = HostsDir(files, PATHS)
    assert sorted(again.live()) == ["fa163e000002"]
    assert again.tombstones == ["fa163e000001"] and again.stale_count == 1


def test_assign_then_consolidate_writes_only_the_base_file() -> None:
    files, hosts = fresh()
    hosts.put(entry(1))
    hosts.remove("fa:16:3e:00:00:01")
    files.writes.clear()
    hosts.assign({e.name: e for e in (entry(2), entry(3))})
    hosts.consolidate()
    assert files.writes == [PATHS.hostsfile]
    assert files.list_dir(PATHS.hostsdir) == []
    assert files.files[PATHS.hostsfile] == entry(2).text + entry(3).text


def test_state_is_read_back_after_a_restart_of_the_daemon() -> None:
    files, hosts = fresh()
    hosts.put(entry(1))
    hosts.put(entry(2))
    hosts.remove("fa:16:3e:00:00:01")
    again = HostsDir(files, PATHS)
    assert again.entries == hosts.entries
    assert again.stale_count == 1
    assert again.put(entry(3, address="10.0.0.11")) is True
    writes = len(files.writes)
    assert again.put(dataclasses.replace(entry(2))) is False
    assert len(files.writes) == writes
