"""Versions, meta_data.json, the EC2 tree and the drive tree."""

from __future__ import annotations

import base64
import datetime
import json

import pytest

from novanet.metadata import versions
from novanet.metadata.content import InstanceMetadata
from novanet.metadata.network_data import network_data
from novanet.metadata.options import MetadataOptions
from tests.unit.metadata import shapes as s


def _md(ni=None, **kw) -> InstanceMetadata:  # type: ignore[no-untyped-def]
    rec = s.record(ni if ni is not None else s.flat_static(), **kw)
    return InstanceMetadata(rec, MetadataOptions(), random_bytes=lambda n: b"\x01" * n, today=datetime.date(2026, 1, 1))


def _json(md: InstanceMetadata, path: str) -> object:
    doc = md.lookup(path)
    assert doc is not None, path
    assert doc.content_type == "application/json"
    return json.loads(doc.body)


def test_versions_listing_hides_future() -> None:
    assert versions.listed_openstack_versions(datetime.date(2026, 1, 1)) == list(versions.OPENSTACK_VERSIONS) + ["latest"]
    assert versions.listed_openstack_versions(datetime.date(2016, 1, 1)) == [
        "2012-08-10",
        "2013-04-04",
        "2013-10-17",
        "2015-10-15",
        "latest",
    ]


def test_resolve() -> None:
    assert versions.resolve_openstack("latest") == "2018-08-27"
    assert versions.resolve_openstack("2015-10-15") == "2015-10-15"
    assert versions.resolve_openstack("2099-01-01") is None
    assert versions.resolve_ec2("latest") == "2009-04-04"
    assert versions.resolve_ec2("2099-01-01") is None


@pytest.mark.parametrize(
    ("version", "files"),
    [
        ("2012-08-10", ["meta_data.json"]),
        ("2013-04-04", ["meta_data.json"]),
        ("2013-10-17", ["meta_data.json", "vendor_data.json"]),
        ("2015-10-15", ["meta_data.json", "vendor_data.json", "network_data.json"]),
        ("2018-08-27", ["meta_data.json", "vendor_data.json", "network_data.json", "vendor_data2.json"]),
    ],
)
def test_version_gating(version: str, files: list[str]) -> None:
    # Scenario 17.
    md = _md()
    doc = md.lookup(f"openstack/{version}")
    assert doc is not None and doc.body.decode().split("\n") == files
    for name in ("meta_data.json", "vendor_data.json", "network_data.json", "vendor_data2.json", "password"):
        assert (md.lookup(f"openstack/{version}/{name}") is not None) is (name in files)


def test_listing_with_user_data() -> None:
    md = _md(user_data=b"#!/bin/sh\necho hi\n")
    doc = md.lookup("openstack/2012-08-10")
    assert doc is not None and doc.body == b"meta_data.json\nuser_data"
    ud = md.lookup("openstack/latest/user_data")
    assert ud is not None and ud.body == b"#!/bin/sh\necho hi\n"
    assert _md().lookup("openstack/latest/user_data") is None


def test_latest_is_newest() -> None:
    md = _md()
    assert md.lookup("openstack/latest/network_data.json") == md.lookup("openstack/2018-08-27/network_data.json")
    assert _json(md, "openstack/latest/network_data.json") == network_data(s.flat_static())


def test_meta_data_by_version() -> None:
    md = _md(public_keys={"mykey": "ssh-ed25519 AAAA me"}, metadata={"role": "web"})
    old = _json(md, "openstack/2012-08-10/meta_data.json")
    assert old == {
        "uuid": "11111111-2222-3333-4444-555555555555",
        "meta": {"role": "web"},
        "hostname": "vm1.novalocal",
        "name": "VM1",
        "launch_index": 0,
        "availability_zone": "nova",
        "public_keys": {"mykey": "ssh-ed25519 AAAA me"},
        "network_config": {"name": "network_config", "content_path": "/content/0000"},
    }
    new = _json(md, "openstack/2018-08-27/meta_data.json")
    assert isinstance(new, dict)
    assert base64.b64decode(new.pop("random_seed")) == b"\x01" * 512
    assert new.pop("project_id") == "project-a"
    assert new.pop("keys") == [{"name": "mykey", "type": "ssh", "data": "ssh-ed25519 AAAA me"}]
    assert new.pop("devices") == []
    assert new == old


def test_no_network_config_without_injection() -> None:
    md = _md(s.flat_dhcp())
    meta = _json(md, "openstack/latest/meta_data.json")
    assert isinstance(meta, dict) and "network_config" not in meta
    assert md.lookup("openstack/content/0000") is None
    assert md.lookup("openstack/content") is None


def test_content_item_is_the_interfaces_file() -> None:
    md = _md()
    doc = md.lookup("openstack/content/0000")
    assert doc is not None and doc.body.startswith(b"# Network configuration")
    listing = md.lookup("openstack/content")
    assert listing is not None and listing.body == b"0000"
    assert md.lookup("openstack/content/0001") is None


def test_hostname_without_domain() -> None:
    rec = s.record(s.flat_static())
    md = InstanceMetadata(rec, MetadataOptions(dhcp_domain=""))
    assert md.meta_data("2018-08-27")["hostname"] == "vm1"


def test_empty_network_info_is_empty_object() -> None:
    assert _json(_md(s.info()), "openstack/latest/network_data.json") == {}


@pytest.mark.parametrize(
    "path",
    ["openstack/2099-01-01/meta_data.json", "openstack/latest/nothing", "openstack/latest/a/b", "nonsense", "1.0/foo", ""],
)
def test_unknown_paths(path: str) -> None:
    assert _md().lookup(path) is None


def test_ec2_tree() -> None:
    ni = s.info(s.vif(s.network(s.v4(ips=()), injected=True)))
    md = _md(s.flat_static(), public_keys={"k": "ssh-rsa AAA"})
    root = md.lookup("2009-04-04")
    assert root is not None and root.body == b"meta-data/"
    listing = md.lookup("latest/meta-data")
    assert listing is not None
    assert listing.body.decode().split("\n") == [
        "ami-launch-index",
        "hostname",
        "instance-id",
        "local-hostname",
        "local-ipv4",
        "placement/",
        "public-hostname",
        "public-ipv4",
        "public-keys/",
    ]
    for path, value in [
        ("1.0/meta-data/local-ipv4", b"10.0.0.5"),
        ("latest/meta-data/instance-id", b"i-11111111"),
        ("latest/meta-data/placement/availability-zone", b"nova"),
        ("latest/meta-data/public-keys", b"0=k"),
        ("latest/meta-data/public-keys/0", b"openssh-key"),
        ("latest/meta-data/public-keys/0/openssh-key", b"ssh-rsa AAA"),
        ("ec2/latest/meta-data/hostname", b"vm1.novalocal"),
    ]:
        doc = md.lookup(path)
        assert doc is not None and doc.body == value, path
    assert md.lookup("latest/meta-data/nope") is None
    assert md.lookup("latest/meta-data/hostname/deeper") is None
    assert md.lookup("latest/user-data") is None
    assert _md(ni).lookup("latest/meta-data/local-ipv4").body == b""  # type: ignore[union-attr]
    ec2 = md.lookup("ec2")
    assert ec2 is not None and ec2.body.decode().endswith("2009-04-04\nlatest")


def test_drive_files_complete() -> None:
    # Scenario 26.
    md = _md(user_data=b"hello")
    files = md.drive_files()
    for folder in versions.OPENSTACK_VERSIONS + ("latest",):
        version = versions.resolve_openstack(folder)
        assert version is not None
        present = sorted(p.rsplit("/", 1)[1] for p in files if p.startswith(f"openstack/{folder}/"))
        assert present == sorted(versions.openstack_files(version, True))
        meta = json.loads(files[f"openstack/{folder}/meta_data.json"])
        assert meta["uuid"] == md.record.uuid
    assert files["openstack/content/0000"].startswith(b"# Network configuration")
    assert json.loads(files["ec2/latest/meta-data.json"])["local-ipv4"] == "10.0.0.5"
    assert files["ec2/2009-04-04/user-data"] == b"hello"
    assert not any(p.endswith("password") for p in files)
    for path, body in files.items():
        if path.endswith(".json"):
            json.loads(body)
