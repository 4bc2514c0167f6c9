"""Several processes allocate from one small pool at once: each address goes out exactly once."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from novanet.db import api as db
from tests.integration.db.helpers import make_network

WORKERS = 6


def run_workers(tmp_path: Path, url: str, args: list[str]) -> list[str]:
    start = tmp_path / "start"
    env = dict(os.environ, NOVANET_START_FILE=str(start))
    procs = [
        subprocess.Popen([sys.executable, "-m", "tests.integration.db.alloc_worker", url, *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[3])
        for _ in range(WORKERS)
    ]
    start.touch()
    results: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.extend(json.loads(out))
    return results


@pytest.mark.slow
def test_processes_share_a_small_network_without_duplicates(store: str, tmp_path: Path) -> None:
    network = make_network("10.0.0.0/27")  # 29 free addresses, 6 x 8 = 48 attempts
    results = run_workers(tmp_path, store, ["fixed", str(network.id), "8"])
    addresses = [r for r in results if r.startswith("10.")]
    errors = collections.Counter(r for r in results if not r.startswith("10."))
    assert len(addresses) == 29 and len(set(addresses)) == 29
    assert errors == {"NoMoreFixedIps": 48 - 29}
    owners = {row.address: row.instance_uuid for row in db.fixed_ip_list(network_id=network.id)}
    assert all(owners[a] for a in addresses)
    assert sum(1 for owner in owners.values() if owner) == 29


@pytest.mark.slow
def test_processes_cannot_pass_the_floating_quota(store: str, tmp_path: Path) -> None:
    db.floating_ip_bulk_create("172.24.4.0/27", "public", None)  # 30 addresses
    results = run_workers(tmp_path, store, ["floating", "public", "4", "p1", "7"])
    addresses = [r for r in results if r.startswith("172.")]
    assert len(addresses) == 7 and len(set(addresses)) == 7
    assert collections.Counter(r for r in results if not r.startswith("172.")) == {
        "FloatingIpLimitExceeded": 24 - 7}
    assert db.quota_usage("p1") == 7
    assert len(db.floating_ip_get_all(project_id="p1")) == 7
