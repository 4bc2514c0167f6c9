"""A baremetal node's lock is a row of the store: one holder among processes, on every backend."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from novanet import exception
from novanet.db import baremetal as bmdb
from novanet.db.models import utcnow

WORKERS = 6


@pytest.mark.slow
def test_one_process_of_many_holds_a_node(store: str, tmp_path: Path) -> None:
    node = bmdb.node_create("node1")
    start, release = tmp_path / "start", tmp_path / "release"
    env = dict(os.environ, NOVANET_START_FILE=str(start))
    procs = [subprocess.Popen([sys.executable, "-m", "tests.integration.db.lock_worker", store, str(node.id),
                               f"host{n}:1:token{n}", str(release)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=Path(__file__).resolve().parents[3])
             for n in range(WORKERS)]
    start.touch()
    assert all(proc.stdout is not None for proc in procs)
    # Every worker tries while the winner still holds the lock.
    outcomes = [proc.stdout.readline().strip() for proc in procs]  # type: ignore[union-attr]
    release.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    winners = [o for o in outcomes if o == "won"]
    assert len(winners) == 1, outcomes
    winner = f"host{outcomes.index('won')}:1:token{outcomes.index('won')}"
    assert all(o == f"lost {winner}" for o in outcomes if o != "won")
    assert bmdb.node_get("node1").reservation is None, "released after use"


def test_a_stale_lock_is_taken_over_and_a_release_needs_the_holder(store: str) -> None:
    node = bmdb.node_create("node1")
    now = utcnow()
    assert bmdb.node_reserve(node.id, "a:1:x", now - datetime.timedelta(seconds=600)) is None
    assert bmdb.node_reserve(node.id, "b:1:y", now - datetime.timedelta(seconds=600)) == "a:1:x"
    assert not bmdb.node_release(node.id, "b:1:y")
    # Nobody renewed it for longer than the takeover age: it is stale.
    assert bmdb.node_reserve(node.id, "b:1:y", utcnow() + datetime.timedelta(seconds=1)) is None
    assert not bmdb.node_release(node.id, "a:1:x")
    assert bmdb.node_release_all("b:") == 1 and bmdb.node_get("node1").reservation is None
    with pytest.raises(exception.BaremetalNodeExists):
        bmdb.node_create("node1")
