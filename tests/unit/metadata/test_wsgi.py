"""The WSGI application: URL tree, identification modes, every refusal."""

from __future__ import annotations

import json
import logging

import pytest

from novanet import exception
from novanet.metadata import identify, wsgi
from novanet.metadata.wsgi import webob  # imported there without the cgi warning
from novanet.metadata.options import MetadataOptions
from novanet.metadata.source import InMemoryInstanceSource, InstanceRecord
from tests.unit.metadata import shapes as s

SECRET = "very-secret-key"
A = s.record(s.flat_static(), uuid="aaaaaaaa-0000-0000-0000-000000000001", project_id="project-a", hostname="vma")
B = s.record(
    s.info(s.vif(s.network(s.v4(ips=("10.0.0.6",)), injected=True), mac=s.MAC1, vif_id=s.VIF1)),
    uuid="bbbbbbbb-0000-0000-0000-000000000002",
    project_id="project-b",
    hostname="vmb",
)


def _app(**kw: object) -> wsgi.MetadataApp:
    options = MetadataOptions(cache_ttl=0, **kw)  # type: ignore[arg-type]
    return wsgi.MetadataApp(InMemoryInstanceSource([A, B]), options)


def _get(app: wsgi.MetadataApp, path: str, peer: str | None = "10.0.0.5", method: str = "GET", **headers: str) -> webob.Response:
    request = webob.Request.blank(path, method=method, headers={k.replace("_", "-"): v for k, v in headers.items()})
    if peer is None:
        request.environ.pop("REMOTE_ADDR", None)
    else:
        request.remote_addr = peer
    return request.get_response(app)


def _signed(record: InstanceRecord, tenant: str | None = None) -> dict[str, str]:
    return {
        "X_Instance_ID": record.uuid,
        "X_Tenant_ID": tenant or record.project_id,
        "X_Instance_ID_Signature": identify.sign_instance_id(SECRET, record.uuid),
    }


def test_root_lists_ec2_versions_without_identification() -> None:
    # Scenario 15: even an unknown peer gets the list.
    response = _get(_app(), "/", peer="192.0.2.99")
    assert response.status_int == 200
    assert response.text.split("\n") == [
        "1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
        "2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04", "latest",
    ]  # fmt: skip


def test_openstack_listing() -> None:
    # Scenario 16.
    response = _get(_app(), "/openstack")
    assert response.status_int == 200
    assert response.text.split("\n")[-2:] == ["2018-08-27", "latest"]
    assert response.content_type == "text/plain"


@pytest.mark.parametrize(
    ("path", "same_as"),
    [
        ("/openstack/", "/openstack"),
        ("/openstack/latest/", "/openstack/latest"),
        ("//openstack///2015-10-15//network_data.json", "/openstack/2015-10-15/network_data.json"),
        ("/openstack/foo/../latest/./meta_data.json", "/openstack/latest/meta_data.json"),
        ("/../../openstack/latest/network_data.json", "/openstack/latest/network_data.json"),
    ],
)
def test_paths_normalised(path: str, same_as: str) -> None:
    # Scenario 18 (meta_data.json carries a random seed: compare the rest).
    app = _app()
    one, two = _get(app, path), _get(app, same_as)
    assert one.status_int == two.status_int == 200
    if one.content_type == "application/json":
        a, b = json.loads(one.body), json.loads(two.body)
        a.pop("random_seed", None), b.pop("random_seed", None)
        assert a == b
    else:
        assert one.body == two.body


def test_network_data_of_the_caller() -> None:
    # Scenario 19.
    app = _app()
    a = _get(app, "/openstack/latest/network_data.json", peer="10.0.0.5")
    b = _get(app, "/openstack/latest/network_data.json", peer="10.0.0.6")
    assert a.content_type == "application/json"
    assert a.json["networks"][0]["ip_address"] == "10.0.0.5"
    assert b.json["networks"][0]["ip_address"] == "10.0.0.6"
    meta = _get(app, "/openstack/latest/meta_data.json", peer="10.0.0.6").json
    assert meta["uuid"] == B.uuid and meta["project_id"] == "project-b"


def test_content_and_ec2_paths() -> None:
    app = _app()
    eni = _get(app, "/openstack/content/0000")
    assert eni.status_int == 200 and b"address 10.0.0.5" in eni.body
    assert _get(app, "/latest/meta-data/local-ipv4").text == "10.0.0.5"
    assert _get(app, "/2009-04-04/meta-data/instance-id", peer="10.0.0.6").text == "i-bbbbbbbb"


@pytest.mark.parametrize(
    "path",
    ["/openstack/2099-01-01/meta_data.json", "/openstack/latest/user_data", "/openstack/2013-10-17/network_data.json", "/nope"],
)
def test_absent_is_404(path: str) -> None:
    assert _get(_app(), path).status_int == 404


def test_unknown_peer_is_404(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    response = _get(_app(), "/openstack/latest/meta_data.json", peer="10.0.0.99")
    assert response.status_int == 404
    assert "10.0.0.99" in caplog.text


def test_lookup_failure_is_500(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def by_fixed_address(self, address: str) -> InstanceRecord:
            raise RuntimeError("database is down")

        def by_uuid(self, uuid: str) -> InstanceRecord:
            raise RuntimeError("database is down")

    app = wsgi.MetadataApp(Broken(), MetadataOptions(cache_ttl=0))
    response = _get(app, "/openstack")
    assert response.status_int == 500
    assert "database is down" not in response.text
    assert "database is down" in caplog.text


def test_no_peer_is_500() -> None:
    assert _get(_app(), "/openstack", peer=None).status_int == 500


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_methods(method: str) -> None:
    response = _get(_app(), "/openstack/latest/meta_data.json", method=method)
    assert response.status_int == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_head() -> None:
    response = _get(_app(), "/openstack/latest/network_data.json", method="HEAD")
    assert response.status_int == 200


def test_source_mode_spoofed_headers_ignored(caplog: pytest.LogCaptureFixture) -> None:
    # Scenario 20: instance A claims to be B with B's valid signature.
    caplog.set_level(logging.WARNING)
    app = _app(shared_secret=SECRET)
    meta = _get(app, "/openstack/latest/meta_data.json", peer="10.0.0.5", **_signed(B))
    assert meta.status_int == 200 and meta.json["uuid"] == A.uuid
    assert "ignored" in caplog.text


def test_untrusted_forwarded_for_refused(caplog: pytest.LogCaptureFixture) -> None:
    # Scenario 21: A claims to be forwarding for B.
    caplog.set_level(logging.WARNING)
    response = _get(_app(), "/openstack/latest/meta_data.json", peer="10.0.0.5", X_Forwarded_For="10.0.0.6")
    assert response.status_int == 400
    assert "not a trusted proxy" in response.text and "not a trusted proxy" in caplog.text


def test_trusted_forwarded_for() -> None:
    app = _app(trusted_proxies=("127.0.0.1",))
    response = _get(app, "/openstack/latest/meta_data.json", peer="127.0.0.1", X_Forwarded_For="10.0.0.6")
    assert response.json["uuid"] == B.uuid


def test_proxy_mode(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = _app(proxy_mode=True, shared_secret=SECRET)
    ok = _get(app, "/openstack/latest/meta_data.json", peer="192.168.0.2", **_signed(B))
    assert ok.status_int == 200 and ok.json["uuid"] == B.uuid
    # Wrong tenant: 404 (nova), not 403, so a proxy cannot probe.
    wrong_tenant = _get(app, "/openstack/latest/meta_data.json", peer="192.168.0.2", **_signed(B, tenant="project-a"))
    assert wrong_tenant.status_int == 404
    # Signature of A's id with B's id claimed.
    forged = {**_signed(B), "X_Instance_ID_Signature": identify.sign_instance_id(SECRET, A.uuid)}
    assert _get(app, "/openstack", peer="192.168.0.2", **forged).status_int == 403
    bad = {**_signed(B), "X_Instance_ID_Signature": "0" * 64}
    assert _get(app, "/openstack", peer="192.168.0.2", **bad).status_int == 403
    missing = {k: v for k, v in _signed(B).items() if k != "X_Instance_ID_Signature"}
    assert _get(app, "/openstack", peer="192.168.0.2", **missing).status_int == 400
    duplicated = {**_signed(B), "X_Instance_ID": f"{B.uuid}, {A.uuid}"}
    assert _get(app, "/openstack", peer="192.168.0.2", **duplicated).status_int == 400
    unknown = {**_signed(B), "X_Instance_ID": "cccccccc", "X_Instance_ID_Signature": identify.sign_instance_id(SECRET, "cccccccc")}
    assert _get(app, "/openstack", peer="192.168.0.2", **unknown).status_int == 404
    # Source address alone is not enough in proxy mode.
    assert _get(app, "/openstack", peer="10.0.0.5").status_int == 400
    # Secrets never reach the log.
    assert SECRET not in caplog.text
    assert identify.sign_instance_id(SECRET, B.uuid) not in caplog.text
    assert identify.sign_instance_id(SECRET, "cccccccc") not in caplog.text
    assert "refused" in caplog.text


def test_cache_used_for_bursts() -> None:
    source = InMemoryInstanceSource([A, B])
    app = wsgi.MetadataApp(source, MetadataOptions(cache_ttl=60))
    for path in ("/openstack", "/openstack/latest/meta_data.json", "/openstack/latest/network_data.json"):
        assert _get(app, path).status_int == 200
    assert source.lookups == 1


def test_make_app() -> None:
    app = wsgi.make_app(InMemoryInstanceSource([A]), MetadataOptions())
    assert _get(app, "/openstack").status_int == 200


def test_normalise_path() -> None:
    assert wsgi.normalise_path("") == "/"
    assert wsgi.normalise_path("//a//b/../c/") == "/a/c"
    assert wsgi.normalise_path("/..") == "/"


def test_in_memory_source_refuses_shared_address() -> None:
    other = s.record(s.flat_static(), uuid="dddddddd")
    with pytest.raises(exception.FixedIpAlreadyInUse):
        InMemoryInstanceSource([A, other])
