"""The per-network file names under networks_path, and back from a name to its device."""

from __future__ import annotations

from novanet.drivers.dnsmasq import paths
from tests.unit.drivers.dnsmasq.facts import ROOT, SETTINGS


def test_file_names_map_back_to_devices() -> None:
    files = paths.network_files(SETTINGS, "br100")
    for path in (files.pid, files.opts, files.hostsfile, files.hostsdir, files.dnsdir, files.ledger):
        assert paths.device_of(path.rsplit("/", 1)[1]) == "br100"
    assert files.dns_hosts == f"{ROOT}/novanet-br100.dnsdir/hosts"
    assert paths.device_of("novanet-br100.log") is None
    assert paths.device_of("nova-br100.pid") is None
    assert paths.device_of("novanet-.pid") is None
