"""Config drive layout, read back with pycdlib (ISO 9660, Joliet, Rock Ridge)."""

from __future__ import annotations

import io
import json
import pathlib

import pycdlib
import pytest

from novanet import exception
from novanet.metadata import configdrive, versions
from tests.unit.metadata import shapes as s


def _read_iso(path: pathlib.Path) -> tuple[str, dict[str, bytes], set[str], set[str]]:
    iso = pycdlib.PyCdlib()
    iso.open(str(path))
    try:
        label = iso.pvd.volume_identifier.decode().strip()
        files: dict[str, bytes] = {}
        for root, _dirs, names in iso.walk(rr_path="/"):
            for name in names:
                rr = f"{root.rstrip('/')}/{name}"
                out = io.BytesIO()
                iso.get_file_from_iso_fp(out, rr_path=rr)
                files[rr.lstrip("/")] = out.getvalue()
        joliet = {f"{root.rstrip('/')}/{n}".lstrip("/") for root, _d, names in iso.walk(joliet_path="/") for n in names}
        plain = {f"{root.rstrip('/')}/{n}".lstrip("/") for root, _d, names in iso.walk(iso_path="/") for n in names}
        return label, files, joliet, plain
    finally:
        iso.close()


def test_iso_layout_and_names(tmp_path: pathlib.Path) -> None:
    # Scenarios 25-26.
    rec = s.record(s.flat_static(), user_data=b"#cloud-config\n")
    written = configdrive.build_config_drive(rec, str(tmp_path / "disk.config"))
    label, files, joliet, plain = _read_iso(tmp_path / "disk.config")
    assert label == "config-2"
    assert files == written
    assert joliet == set(written)
    # The ISO 9660 names themselves are lower case with a ";1" version.
    assert {p.rsplit(";", 1)[0] for p in plain} == set(written)
    for version in versions.OPENSTACK_VERSIONS + ("latest",):
        assert json.loads(files[f"openstack/{version}/meta_data.json"])["uuid"] == rec.uuid
    assert files["openstack/latest/network_data.json"] == files["openstack/2018-08-27/network_data.json"]
    assert "openstack/content/0000" in files
    meta = json.loads(files["openstack/2015-10-15/meta_data.json"])
    assert meta["network_config"] == {"name": "network_config", "content_path": "/content/0000"}
    assert files["ec2/latest/user-data"] == b"#cloud-config\n"


def test_no_content_without_injection(tmp_path: pathlib.Path) -> None:
    written = configdrive.build_config_drive(s.record(s.flat_dhcp()), str(tmp_path / "d.iso"))
    assert not any(p.startswith("openstack/content") for p in written)


def test_unknown_format(tmp_path: pathlib.Path) -> None:
    with pytest.raises(exception.InvalidInput, match="format"):
        configdrive.build_config_drive(s.record(s.flat_static()), str(tmp_path / "d"), "ext4")
    assert list(tmp_path.iterdir()) == []


def test_replaces_atomically_and_cleans_up(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "d.iso"
    target.write_bytes(b"old")

    def boom(files: object, path: str) -> None:
        pathlib.Path(path).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(configdrive, "write_iso", boom)
    with pytest.raises(OSError, match="disk full"):
        configdrive.build_config_drive(s.record(s.flat_static()), str(target))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["d.iso"]


def test_vfat_without_tools_is_a_clear_error(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(configdrive.shutil, "which", lambda name: None)
    with pytest.raises(exception.DriverError, match="dosfstools"):
        configdrive.build_config_drive(s.record(s.flat_static()), str(tmp_path / "d.vfat"), "vfat")
    assert list(tmp_path.iterdir()) == []
