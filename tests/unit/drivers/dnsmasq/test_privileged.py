"""The host calls of the dnsmasq driver, on temporary files and our own children
(no root, no network changes)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from novanet import exception
from novanet.drivers.dnsmasq import privileged, process
from novanet.drivers.dnsmasq.paths import network_files
from novanet.drivers.dnsmasq.settings import DnsmasqSettings


def test_write_file_is_atomic_and_world_readable(tmp_path: Path) -> None:
    target = tmp_path / "entry"
    target.write_text("old\n")
    reader = open(target, encoding="utf-8")  # noqa: SIM115 - kept open across the replace on purpose
    old_umask = os.umask(0o077)
    try:
        privileged.write_file(str(target), "new\n")
    finally:
        os.umask(old_umask)
    with reader:
        assert reader.read() == "old\n"  # renamed over, not truncated in place
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["entry"]


def test_write_file_uses_a_dot_file_dnsmasq_ignores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_rename = os.rename

    def spy(src: str, dst: str) -> None:
        seen.append(os.path.basename(src))
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", spy)
    privileged.write_file(str(tmp_path / "fa163e000001"), "x\n")
    assert len(seen) == 1 and seen[0].startswith(".fa163e000001.")


def test_failed_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", broken)
    with pytest.raises(exception.DriverError, match="No space left"):
        privileged.write_file(str(tmp_path / "f"), "x\n")
    assert os.listdir(tmp_path) == []
    with pytest.raises(exception.DriverError, match="cannot write"):
        privileged.write_file(str(tmp_path / "missing" / "f"), "x\n")


def test_small_file_helpers(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger")
    assert privileged.read_file(path) is None
    privileged.append_file(path, "a\n")
    privileged.append_file(path, "b\n")
    assert privileged.read_file(path) == "a\nb\n"
    assert privileged.list_dir(str(tmp_path)) == ["ledger"]
    assert privileged.list_dir(str(tmp_path / "nope")) == []
    privileged.remove_file(path)
    privileged.remove_file(path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    privileged.remove_tree(str(tmp_path / "d"))
    privileged.remove_tree(str(tmp_path / "d"))
    assert os.listdir(tmp_path) == []


def test_ensure_dir_needs_a_path_dnsmasq_can_traverse(tmp_path: Path) -> None:
    # pytest's own tmp_path lives below a 0700 directory: exactly the mistake.
    with pytest.raises(exception.InvalidConfig, match="not searchable by other users"):
        privileged.ensure_dir(str(tmp_path / "networks"))
    top = tempfile.mkdtemp(prefix="novanet-unit-", dir="/tmp")
    try:
        os.chmod(top, 0o755)
        privileged.ensure_dir(os.path.join(top, "networks", "x.hostsdir"))
        assert os.stat(os.path.join(top, "networks", "x.hostsdir")).st_mode & 0o777 == 0o755
    finally:
        shutil.rmtree(top)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "--pid-file=/nonexistent/x.pid"],
                            env={"NETWORK_ID": "42", "PATH": os.environ.get("PATH", "")})
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_read_process_describes_a_live_process(sleeper: subprocess.Popen[bytes]) -> None:
    found = privileged.read_process(sleeper.pid)
    assert found is not None
    assert found.pid == sleeper.pid
    assert found.argv[-1] == "--pid-file=/nonexistent/x.pid"
    assert found.environ["NETWORK_ID"] == "42"
    assert found.netns == privileged.netns_identity("")


def test_zombies_and_missing_pids_are_gone(sleeper: subprocess.Popen[bytes]) -> None:
    os.kill(sleeper.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while privileged.read_process(sleeper.pid) is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    # Not reaped yet: a zombie with an empty cmdline.
    assert os.path.exists(f"/proc/{sleeper.pid}")
    assert privileged.read_process(sleeper.pid) is None
    assert privileged.wait_gone(sleeper.pid, 1)
    sleeper.wait()
    assert privileged.send_signal(sleeper.pid, 0) is False
    assert privileged.read_process(2 ** 22 + 1) is None


def test_unknown_namespace_is_a_driver_error() -> None:
    with pytest.raises(exception.DriverError, match="nn-does-not-exist"):
        privileged.netns_identity("nn-does-not-exist")


def test_stale_pid_file_naming_a_live_stranger_is_left_alone(tmp_path: Path) -> None:
    paths = network_files(DnsmasqSettings(networks_path=str(tmp_path), dhcpbridge="/bin/true"), "br9")
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        privileged.write_file(paths.pid, f"{stranger.pid}\n")
        assert process.find_ours(privileged, privileged, paths) is None
        assert process.stop(privileged, privileged, paths) is None
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_our_process_is_recognised_and_stopped(tmp_path: Path) -> None:
    paths = network_files(DnsmasqSettings(networks_path=str(tmp_path), dhcpbridge="/bin/true"), "br9")
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", f"--pid-file={paths.pid}"])
    try:
        privileged.write_file(paths.pid, f"{ours.pid}\n")
        info = process.find_ours(privileged, privileged, paths)
        assert info is not None and info.pid == ours.pid
        assert process.stop(privileged, privileged, paths) == ours.pid
        assert ours.wait(timeout=5) == -signal.SIGTERM
    finally:
        if ours.poll() is None:
            ours.kill()
            ours.wait()


def test_spawn_daemon_reports_failures() -> None:
    with pytest.raises(exception.ProcessExecutionError, match="exit code 3: oops"):
        privileged.spawn_daemon(["sh", "-c", "echo oops >&2; exit 3"], {}, "")
    with pytest.raises(exception.ProcessExecutionError, match="exit code 127"):
        privileged.spawn_daemon(["/nonexistent/dnsmasq"], {}, "")


def test_spawn_daemon_returns_when_the_foreground_part_exits(tmp_path: Path) -> None:
    pidfile = tmp_path / "bg.pid"
    # The background child keeps stdout/stderr open; a pipe would block here.
    privileged.spawn_daemon(["sh", "-c", f"sleep 30 & echo $! > {pidfile}"], {"X": "1"}, "")
    pid = int(pidfile.read_text())
    try:
        assert privileged.read_process(pid) is not None
    finally:
        os.kill(pid, signal.SIGKILL)


def test_dhcp_release_failures_are_typed() -> None:
    with pytest.raises(exception.NetworkDhcpReleaseFailed, match="10.0.0.5"):
        privileged.dhcp_release("/bin/false", "lo", "10.0.0.5", "fa:16:3e:00:00:01", "")
    with pytest.raises(exception.NetworkDhcpReleaseFailed) as info:
        privileged.dhcp_release("/nonexistent/dhcp_release", "lo", "10.0.0.5", "fa:16:3e:00:00:01", "")
    assert info.value.kwargs == {"address": "10.0.0.5", "mac_address": "fa:16:3e:00:00:01"}


def test_device_exists_in_our_namespace() -> None:
    assert privileged.device_exists("lo", "")
    assert not privileged.device_exists("nonexistent0", "")
