#!/usr/bin/env python3
"""Run Debian's real cloud-init over what novanet gives a guest; print JSON.

Needs the cloud-init package unpacked by tools/get_cloud_init.sh on
PYTHONPATH (this script adds it when it is in the default place) and
cloud-init's Python dependencies (PyYAML, Jinja2, jsonschema, configobj,
requests, jsonpatch, oauthlib) in the interpreter running it. Nothing is
installed or configured on this machine; output files go to a scratch
directory.

  cloud_init_convert.py network-data FILE [--mac NAME,MAC]...
      convert a network_data.json the way the ConfigDrive/OpenStack
      datasources do (openstack.convert_net_json), then render it.
  cloud_init_convert.py config-drive PATH [--mac NAME,MAC]...
      PATH is an ISO 9660 or vfat image (label and type read with
      `blkid -p`) or a directory; read it with cloud-init's
      ConfigDriveReader.read_v2 (version choice, mandatory uuid, content
      paths, JSON validity), then convert network_data.json, or the
      injected interfaces file when there is none (cloud-init's order).
  cloud_init_convert.py metadata-url URL [--mac NAME,MAC]...
      read a running metadata service with cloud-init's MetadataReader;
      the EC2 tree is read from URL too (never from 169.254.169.254).

Renders with the eni, netplan and networkd renderers (network state parsed
with skip_broken=False, so a broken item is an error, not a log line). The
JSON result has: version (the folder cloud-init chose), metadata (uuid,
hostname), source (network_data | eni | none), v1 (the network config),
eni, netplan, networkd (file name to text), label/fstype for images,
ec2 (whether the EC2 tree was read), warnings (WARNING+ log lines of
cloud-init). Exit status 0 when converted, 1 on a cloud-init error (the
message is in "error").
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PYDIR = os.path.join(HERE, "..", ".cache", "cloud-init", "root", "usr", "lib", "python3", "dist-packages")
if os.path.isdir(os.path.join(DEFAULT_PYDIR, "cloudinit")) and DEFAULT_PYDIR not in sys.path:
    sys.path.insert(0, DEFAULT_PYDIR)

from cloudinit.net import eni, netplan, network_state, networkd  # noqa: E402
from cloudinit.sources.helpers import ec2, openstack  # noqa: E402


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


class _Selecting:
    """Remember which version folder the reader chose."""

    selected: str | None = None

    def _find_working_version(self) -> str:
        version: str = super()._find_working_version()  # type: ignore[misc]
        self.selected = version
        return version


class DriveReader(_Selecting, openstack.ConfigDriveReader):
    pass


class UrlReader(_Selecting, openstack.MetadataReader):
    ec2_read = False

    def _read_ec2_metadata(self) -> Any:
        data = ec2.get_instance_metadata(metadata_address=self.base_path, timeout=self.timeout, retries=0)
        self.ec2_read = bool(data)
        return data


def render(v1: dict[str, Any], out: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    renderers = {
        "eni": eni.Renderer({"eni_path": "etc/network/interfaces", "netrules_path": None}),
        "netplan": netplan.Renderer(
            {"netplan_path": "etc/netplan/50-cloud-init.yaml", "postcmds": False, "features": []}
        ),
        "networkd": networkd.Renderer({}),
    }
    for name, renderer in renderers.items():
        target = os.path.join(out, name)
        state = network_state.parse_net_config_data(v1, skip_broken=False, renderer=renderer)
        renderer.render_network_state(state, target=target)
        files = {}
        for root, _dirs, names in os.walk(target):
            for fname in names:
                path = os.path.join(root, fname)
                with open(path, encoding="utf-8") as handle:
                    files[os.path.relpath(path, target)] = handle.read()
        if name == "networkd":
            result[name] = {os.path.basename(k): v for k, v in sorted(files.items())}
        else:
            result[name] = "".join(files.values())
    return result


def _macs(pairs: list[str], doc: Any) -> dict[str, str]:
    if pairs:
        return {mac.lower(): name for name, mac in (p.split(",", 1) for p in pairs)}
    links = doc.get("links", []) if isinstance(doc, dict) else []
    macs = [link["ethernet_mac_address"].lower() for link in links if link.get("ethernet_mac_address")]
    return {mac: f"eth{i}" for i, mac in enumerate(macs)}


def _blkid(path: str) -> dict[str, str]:
    proc = subprocess.run(["blkid", "-p", "-o", "export", path], capture_output=True, text=True, check=False)
    return dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)


def _extract(path: str, dest: str, fstype: str) -> None:
    if fstype == "iso9660":
        import pycdlib

        iso = pycdlib.PyCdlib()
        iso.open(path)
        try:
            for root, _dirs, files in iso.walk(rr_path="/"):
                os.makedirs(os.path.join(dest, root.lstrip("/")), exist_ok=True)
                for fname in files:
                    rr = f"{root.rstrip('/')}/{fname}"
                    with open(os.path.join(dest, rr.lstrip("/")), "wb") as out:
                        iso.get_file_from_iso_fp(out, rr_path=rr)
        finally:
            iso.close()
    elif fstype == "vfat":
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        subprocess.run(["mcopy", "-s", "-n", "-i", path, "::/*", dest], check=True, capture_output=True, env=env)
    else:
        raise SystemExit(f"{path}: unsupported file system {fstype!r}")


def convert(result: dict[str, Any], netdata: Any, eni_text: str | None, macs: list[str], out: str) -> None:
    if netdata is not None:
        result["source"] = "network_data"
        v1 = openstack.convert_net_json(netdata, known_macs=_macs(macs, netdata))
    elif eni_text:
        result["source"] = "eni"
        v1 = eni.convert_eni_data(eni_text)
    else:
        result["source"] = "none"
        return
    result["v1"] = v1
    result.update(render(v1, out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["network-data", "config-drive", "metadata-url"])
    parser.add_argument("target")
    parser.add_argument("--mac", action="append", default=[], metavar="NAME,MAC")
    args = parser.parse_args()

    collector = _Collector()
    logging.getLogger().addHandler(collector)
    logging.getLogger().setLevel(logging.DEBUG)
    result: dict[str, Any] = {"cloud_init": os.path.abspath(os.path.join(os.path.dirname(openstack.__file__), "..", "..", ".."))}
    with tempfile.TemporaryDirectory(prefix="novanet-ci-") as scratch:
        try:
            if args.mode == "network-data":
                with open(args.target, encoding="utf-8") as handle:
                    netdata = json.load(handle)
                convert(result, netdata, None, args.mac, scratch)
            else:
                if args.mode == "metadata-url":
                    reader: DriveReader | UrlReader = UrlReader(args.target, timeout=5, retries=0)
                else:
                    base = args.target
                    if not os.path.isdir(base):
                        info = _blkid(base)
                        result["label"], result["fstype"] = info.get("LABEL"), info.get("TYPE")
                        base = os.path.join(scratch, "drive")
                        os.makedirs(base)
                        _extract(args.target, base, result["fstype"] or "")
                    reader = DriveReader(base)
                data = reader.read_v2()
                result["version"] = reader.selected
                result["metadata"] = {k: data["metadata"].get(k) for k in ("uuid", "hostname", "name")}
                result["files"] = sorted(data.get("files", {}))
                if isinstance(reader, UrlReader):
                    result["ec2"] = reader.ec2_read
                convert(result, data.get("networkdata"), data.get("network_config"), args.mac, scratch)
        except Exception as exc:  # report every cloud-init failure as data
            result["error"] = f"{type(exc).__name__}: {exc}"
    result["warnings"] = collector.lines
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
