"""cheroot header folding, the instance sources, and the options."""

from __future__ import annotations

import io

import pytest
from oslo_config import cfg

from novanet import exception
from novanet.conf import default, metadata, network
from novanet.metadata import server
from novanet.metadata.options import MetadataOptions
from novanet.metadata.source import CachingInstanceSource, InMemoryInstanceSource
from tests.unit.metadata import shapes as s


def _read(raw: bytes) -> dict[bytes, bytes]:
    return server.IdentityHeaderReader()(io.BytesIO(raw))


def test_identity_header_repeats_are_folded() -> None:
    headers = _read(
        b"X-Instance-ID: a\r\nx-instance-id: b\r\nX-Forwarded-For: 1.1.1.1\r\n"
        b"X-Forwarded-For: 2.2.2.2\r\nX-Other: 1\r\nX-Other: 2\r\n\r\n"
    )
    assert headers[b"X-Instance-Id"] == b"a, b"
    assert headers[b"X-Forwarded-For"] == b"1.1.1.1, 2.2.2.2"
    assert headers[b"X-Other"] == b"2"  # cheroot's behaviour for other headers


def test_underscore_headers_dropped() -> None:
    headers = _read(b"X-Instance_ID: spoof\r\nX-Tenant-ID: t\r\n\r\n")
    assert headers == {b"X-Tenant-Id": b"t"}


def test_server_classes_wired() -> None:
    app = server.build_server(InMemoryInstanceSource(), MetadataOptions(), "127.0.0.1", 0)
    assert app._server.ConnectionClass.RequestHandlerClass.header_reader.__class__ is server.IdentityHeaderReader
    assert app.url == "http://127.0.0.1:0"


def test_caching_source_expires_and_never_caches_misses() -> None:
    now = [0.0]
    inner = InMemoryInstanceSource([s.record(s.flat_static())])
    cached = CachingInstanceSource(inner, ttl=15, clock=lambda: now[0])
    for _ in range(3):
        cached.by_fixed_address("10.0.0.5")
        cached.by_uuid("11111111-2222-3333-4444-555555555555")
    assert inner.lookups == 2
    now[0] = 16.0
    cached.by_fixed_address("10.0.0.5")
    assert inner.lookups == 3
    for _ in range(2):
        with pytest.raises(exception.NotFound):
            cached.by_fixed_address("10.0.0.99")
    assert inner.lookups == 5


def test_in_memory_source_replace_and_remove() -> None:
    rec = s.record(s.flat_static())
    source = InMemoryInstanceSource([rec])
    moved = s.record(s.flat_static(ips=("10.0.0.8",)))
    source.add(moved)
    with pytest.raises(exception.FixedIpNotFoundForAddress):
        source.by_fixed_address("10.0.0.5")
    assert source.by_fixed_address("10.0.0.8") is moved
    source.remove(moved.uuid)
    with pytest.raises(exception.InstanceNotFound):
        source.by_uuid(moved.uuid)


def test_options_from_conf() -> None:
    # A private ConfigOpts: the global CONF belongs to everyone's tests.
    conf = cfg.ConfigOpts()
    for module in (default, network, metadata):
        module.register_opts(conf)
    conf([], project="novanet-test")
    conf.set_override("service_metadata_proxy", True, group="metadata")
    conf.set_override("metadata_proxy_shared_secret", "k", group="metadata")
    conf.set_override("trusted_proxies", ["192.168.0.0/24"], group="metadata")
    conf.set_override("metadata_port", 8999)
    options = MetadataOptions.from_conf(conf)
    assert options.proxy_mode and options.shared_secret == "k"
    assert options.trusted_proxies == ("192.168.0.0/24",)
    assert options.dhcp_domain == "novalocal" and options.cache_ttl == 15
    # The listen port follows metadata_port, where the forward rule points.
    assert server.listen_address(conf) == ("0.0.0.0", 8999)


def test_options_in_sample_config() -> None:
    from novanet.conf import opts

    names = {o.name for group, options in opts.list_opts() if group == "metadata" for o in options}
    assert {
        "metadata_listen",
        "metadata_listen_port",
        "metadata_workers",
        "service_metadata_proxy",
        "metadata_proxy_shared_secret",
        "trusted_proxies",
        "metadata_cache_expiration",
        "injected_network_template",
        "config_drive_format",
        "force_config_drive",
    } <= names
    secret = next(o for g, os_ in opts.list_opts() if g == "metadata" for o in os_ if o.name == "metadata_proxy_shared_secret")
    assert secret.secret


def test_cheroot_drop_underscore_reader_still_broken() -> None:
    # Evidence for NOTE(cheroot) in server.py; when this fails, cheroot has
    # fixed its reader and ours can go back to subclassing it.
    from cheroot import server as cheroot_server

    with pytest.raises(TypeError):
        cheroot_server.DropUnderscoreHeaderReader()(io.BytesIO(b"X-A: 1\r\n\r\n"))


def test_record_primitive_round_trip() -> None:
    import datetime
    import json

    from novanet.metadata.source import InstanceRecord

    rec = s.record(
        s.dual_stack(),
        user_data=b"\x00\xffdata",
        public_keys={"k": "ssh-rsa AAA"},
        metadata={"a": "b"},
        launched_at=datetime.datetime(2026, 1, 2, 3, 4, 5),
    )
    back = InstanceRecord.from_primitive(json.loads(json.dumps(rec.to_primitive())))
    assert back == rec
