"""Config drives read back by the tools a person (or a hypervisor) would use.

blkid (label and type, the way cloud-init's ds-identify finds the drive),
xorriso (Rock Ridge extraction), isoinfo (Joliet and Rock Ridge listings),
mtools (the vfat variant). Scenario 25 of the reference.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest

from novanet.metadata import configdrive
from tests.fixtures.services import require_tool
from tests.unit.metadata import shapes as s

REC = s.record(s.flat_static(), user_data=b"#cloud-config\n")


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def _blkid(path: pathlib.Path) -> dict[str, str]:
    require_tool("blkid")
    out = _run("blkid", "-p", "-o", "export", str(path))
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


@pytest.fixture(scope="module")
def iso(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, dict[str, bytes]]:
    path = tmp_path_factory.mktemp("cd") / "disk.config"
    files = configdrive.build_config_drive(REC, str(path))
    return path, files


def test_blkid_label(iso: tuple[pathlib.Path, dict[str, bytes]]) -> None:
    info = _blkid(iso[0])
    assert info["LABEL"] == "config-2" and info["TYPE"] == "iso9660"


def test_xorriso_extracts_rock_ridge_names(iso: tuple[pathlib.Path, dict[str, bytes]], tmp_path: pathlib.Path) -> None:
    require_tool("xorriso")
    path, files = iso
    out = tmp_path / "x"
    subprocess.run(
        ["xorriso", "-osirrox", "on", "-indev", str(path), "-extract", "/", str(out)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    found = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert found == files
    assert json.loads(found["openstack/latest/meta_data.json"])["uuid"] == REC.uuid


def test_isoinfo_joliet_and_rock_ridge(iso: tuple[pathlib.Path, dict[str, bytes]]) -> None:
    require_tool("isoinfo")
    path, files = iso
    descriptor = _run("isoinfo", "-d", "-i", str(path))
    assert "Volume id: config-2" in descriptor
    assert "Joliet with UCS level 3 found" in descriptor
    assert "Rock Ridge signatures version 1 found" in descriptor
    for flag in ("-R", "-J"):
        listed = {line.lstrip("/") for line in _run("isoinfo", flag, "-f", "-i", str(path)).splitlines()}
        assert set(files) <= listed, flag
    body = subprocess.run(
        ["isoinfo", "-R", "-i", str(path), "-x", "/openstack/content/0000"], capture_output=True, check=True, timeout=60
    ).stdout
    assert body == files["openstack/content/0000"]


def test_vfat(tmp_path: pathlib.Path) -> None:
    require_tool("mkfs.vfat")
    require_tool("mcopy")
    path = tmp_path / "disk.config"
    files = configdrive.build_config_drive(REC, str(path), "vfat")
    info = _blkid(path)
    assert info["LABEL"] == "config-2" and info["TYPE"] == "vfat"
    out = tmp_path / "x"
    out.mkdir()
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run(["mcopy", "-s", "-n", "-i", str(path), "::/*", str(out)], check=True, capture_output=True, env=env)
    found = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert found == files


def test_vfat_tool_failure_is_typed(tmp_path: pathlib.Path) -> None:
    require_tool("mkfs.vfat")
    from novanet import exception

    # A directory where the image should go makes mkfs.vfat fail.
    def run(command: list[str], **kw: object) -> object:
        return subprocess.run(command[:-1] + [str(tmp_path)] if command[0] == "mkfs.vfat" else command, **kw)  # type: ignore[call-overload]

    with pytest.raises(exception.ProcessExecutionError, match="mkfs.vfat"):
        configdrive.write_vfat({"a/b": b"x"}, str(tmp_path / "img"), run=run)
