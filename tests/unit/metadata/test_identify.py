"""Identification: source address, trusted X-Forwarded-For, signed proxy headers."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from novanet import exception
from novanet.metadata import identify
from novanet.metadata.identify import By, Lookup, Refused
from novanet.metadata.options import MetadataOptions

SECRET = "s3cr3t-shared"
UUID = "11111111-2222-3333-4444-555555555555"
SOURCE = MetadataOptions()
PROXY = MetadataOptions(proxy_mode=True, shared_secret=SECRET)


def _signed(instance: str = UUID, tenant: str = "project-a", secret: str = SECRET) -> dict[str, str]:
    return {
        "X-Instance-Id": instance,
        "X-Tenant-Id": tenant,
        "X-Instance-Id-Signature": hmac.new(secret.encode(), instance.encode(), hashlib.sha256).hexdigest(),
    }


def _refused(peer: str | None, headers: dict[str, str], options: MetadataOptions) -> Refused:
    with pytest.raises(Refused) as info:
        identify.identify(peer, headers, options)
    return info.value


def test_sign_is_hex_hmac_sha256() -> None:
    assert identify.sign_instance_id("k", "i") == hmac.new(b"k", b"i", hashlib.sha256).hexdigest()


def test_source_address() -> None:
    assert identify.identify("10.0.0.5", {}, SOURCE) == Lookup(By.ADDRESS, "10.0.0.5")


@pytest.mark.parametrize(("peer", "key"), [("::ffff:10.0.0.5", "10.0.0.5"), ("FD00::0005", "fd00::5"), ("fe80::1%eth0", "fe80::1")])
def test_peer_canonical(peer: str, key: str) -> None:
    assert identify.identify(peer, {}, SOURCE).key == key


@pytest.mark.parametrize("peer", [None, "", "not-an-ip"])
def test_no_peer_is_500(peer: str | None) -> None:
    assert _refused(peer, {}, SOURCE).status == 500


def test_source_mode_ignores_spoofed_proxy_headers() -> None:
    # Scenario 20: claiming another instance changes nothing.
    lookup = identify.identify("10.0.0.5", _signed(instance="someone-else"), SOURCE)
    assert lookup.by is By.ADDRESS and lookup.key == "10.0.0.5"
    assert lookup.ignored == ("X-Instance-ID", "X-Tenant-ID", "X-Instance-ID-Signature")


def test_forwarded_for_from_untrusted_peer_refused() -> None:
    # Scenario 21.
    refused = _refused("10.0.0.5", {"X-Forwarded-For": "10.0.0.9"}, SOURCE)
    assert refused.status == 400 and "not a trusted proxy" in refused.reason
    trusting_other = MetadataOptions(trusted_proxies=("192.168.0.0/24",))
    assert _refused("10.0.0.5", {"x-forwarded-for": "10.0.0.9"}, trusting_other).status == 400


def test_forwarded_for_from_trusted_proxy_uses_last_hop() -> None:
    options = MetadataOptions(trusted_proxies=("127.0.0.1", "192.168.0.0/24"))
    lookup = identify.identify("192.168.0.7", {"X-Forwarded-For": "6.6.6.6, 10.0.0.9"}, options)
    assert lookup == Lookup(By.ADDRESS, "10.0.0.9", forwarded=True)
    assert _refused("127.0.0.1", {"X-Forwarded-For": "10.0.0.9, junk"}, options).status == 400


def test_proxy_mode_valid_signature() -> None:
    assert identify.identify("192.168.0.2", _signed(), PROXY) == Lookup(By.UUID, UUID, tenant="project-a")


@pytest.mark.parametrize("missing", ["X-Instance-Id", "X-Tenant-Id", "X-Instance-Id-Signature"])
def test_proxy_mode_missing_header_400(missing: str) -> None:
    headers = _signed()
    del headers[missing]
    refused = _refused("192.168.0.2", headers, PROXY)
    assert refused.status == 400 and "missing" in refused.reason


@pytest.mark.parametrize("header", ["X-Instance-Id", "X-Tenant-Id", "X-Instance-Id-Signature"])
def test_proxy_mode_duplicate_header_400(header: str) -> None:
    headers = _signed()
    headers[header] = headers[header] + ", " + headers[header]
    refused = _refused("192.168.0.2", headers, PROXY)
    assert refused.status == 400 and "more than once" in refused.reason


@pytest.mark.parametrize(
    "signature",
    ["", "0" * 64, "deadbeef", "é" * 64, hmac.new(b"wrong", UUID.encode(), hashlib.sha256).hexdigest()],
)
def test_proxy_mode_bad_signature_403(signature: str) -> None:
    headers = _signed()
    headers["X-Instance-Id-Signature"] = signature
    refused = _refused("192.168.0.2", headers, PROXY)
    assert refused.status == (400 if not signature else 403)
    expected = _signed()["X-Instance-Id-Signature"]
    assert expected not in refused.reason and SECRET not in refused.reason


def test_signature_for_other_instance_403() -> None:
    headers = _signed()
    headers["X-Instance-Id"] = "other-uuid"
    assert _refused("192.168.0.2", headers, PROXY).status == 403


def test_compare_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(identify.hmac, "compare_digest", spy)
    identify.identify("192.168.0.2", _signed(), PROXY)
    headers = _signed()
    headers["X-Instance-Id-Signature"] = "0" * 64
    _refused("192.168.0.2", headers, PROXY)
    assert len(calls) == 2
    assert calls[1] == (_signed()["X-Instance-Id-Signature"].encode(), b"0" * 64)


def test_proxy_mode_untrusted_peer() -> None:
    options = MetadataOptions(proxy_mode=True, shared_secret=SECRET, trusted_proxies=("192.168.0.0/24",))
    assert identify.identify("192.168.0.2", _signed(), options).by is By.UUID
    assert _refused("10.0.0.5", _signed(), options).status == 403
    forwarded = {**_signed(), "X-Forwarded-For": "10.0.0.5"}
    assert _refused("10.0.0.5", forwarded, PROXY).status == 400
    assert identify.identify("192.168.0.2", forwarded, options).key == UUID


def test_proxy_mode_needs_secret() -> None:
    with pytest.raises(exception.InvalidConfig, match="metadata_proxy_shared_secret"):
        MetadataOptions(proxy_mode=True)


def test_bad_trusted_proxy_refused() -> None:
    with pytest.raises(exception.InvalidConfig, match="trusted_proxies"):
        MetadataOptions(trusted_proxies=("not-a-cidr",))


def test_secret_not_in_repr() -> None:
    assert SECRET not in repr(PROXY)
