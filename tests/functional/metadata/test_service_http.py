"""The metadata service over real HTTP on loopback.

The server runs in a thread on a free port of 127.0.0.1; clients bind to
different 127.0.0.x source addresses, each the fixed IP of one instance, to
prove source-address identification and that one instance cannot read
another's data. No root and no namespace needed: the whole of 127.0.0.0/8
is local.
"""

from __future__ import annotations

import http.client
import json
import pathlib
from collections.abc import Iterator

import pytest

from novanet.metadata import identify
from novanet.metadata.options import MetadataOptions
from novanet.metadata.server import MetadataServer, build_server
from novanet.metadata.source import InMemoryInstanceSource, InstanceRecord
from tests.unit.metadata import shapes as s

SECRET = "functional-secret"


def _record(uuid: str, ip: str, project: str, mac: str) -> InstanceRecord:
    subnet = s.v4(cidr="127.0.0.0/24", ips=(ip,), gateway="127.0.0.1", dns=("127.0.0.53",))
    return s.record(s.info(s.vif(s.network(subnet, injected=True), mac=mac)), uuid=uuid, project_id=project, hostname=f"vm-{ip[-1]}")


A = _record("aaaaaaaa-1111-1111-1111-000000000002", "127.0.0.2", "project-a", s.MAC0)
B = _record("bbbbbbbb-1111-1111-1111-000000000003", "127.0.0.3", "project-b", s.MAC1)


def _serve(options: MetadataOptions) -> Iterator[MetadataServer]:
    server = build_server(InMemoryInstanceSource([A, B]), options, "127.0.0.1", 0, threads=4)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def source_mode() -> Iterator[MetadataServer]:
    yield from _serve(MetadataOptions(cache_ttl=0, trusted_proxies=("127.0.0.9",)))


@pytest.fixture
def proxy_mode() -> Iterator[MetadataServer]:
    yield from _serve(MetadataOptions(cache_ttl=0, proxy_mode=True, shared_secret=SECRET, trusted_proxies=("127.0.0.9",)))


def _get(server: MetadataServer, path: str, source: str, headers: list[tuple[str, str]] = ()) -> tuple[int, bytes]:  # type: ignore[assignment]
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=10, source_address=(source, 0))
    try:
        conn.putrequest("GET", path)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _uuid(server: MetadataServer, source: str, headers: list[tuple[str, str]] = ()) -> str:  # type: ignore[assignment]
    status, body = _get(server, "/openstack/latest/meta_data.json", source, headers)
    assert status == 200, body
    return str(json.loads(body)["uuid"])


def _signed(record: InstanceRecord) -> list[tuple[str, str]]:
    return [
        ("X-Instance-ID", record.uuid),
        ("X-Tenant-ID", record.project_id),
        ("X-Instance-ID-Signature", identify.sign_instance_id(SECRET, record.uuid)),
    ]


def test_each_source_address_reads_its_own_instance(source_mode: MetadataServer) -> None:
    assert _uuid(source_mode, "127.0.0.2") == A.uuid
    assert _uuid(source_mode, "127.0.0.3") == B.uuid
    status, body = _get(source_mode, "/openstack/latest/network_data.json", "127.0.0.3")
    assert status == 200
    assert json.loads(body)["networks"][0]["ip_address"] == "127.0.0.3"
    status, body = _get(source_mode, "/openstack/content/0000", "127.0.0.2")
    assert status == 200 and b"address 127.0.0.2" in body and b"127.0.0.3" not in body


def test_unknown_source_gets_versions_but_nothing_else(source_mode: MetadataServer) -> None:
    status, body = _get(source_mode, "/", "127.0.0.4")
    assert status == 200 and body.endswith(b"2009-04-04\nlatest")
    assert _get(source_mode, "/openstack", "127.0.0.4")[0] == 404
    assert _get(source_mode, "/openstack/latest/meta_data.json", "127.0.0.4")[0] == 404


def test_spoofed_headers_cannot_read_another_instance(source_mode: MetadataServer) -> None:
    # A presents B's perfectly signed proxy headers: ignored, A gets A.
    assert _uuid(source_mode, "127.0.0.2", _signed(B)) == A.uuid


def test_forwarded_for_only_from_trusted_proxy(source_mode: MetadataServer) -> None:
    status, body = _get(source_mode, "/openstack/latest/meta_data.json", "127.0.0.2", [("X-Forwarded-For", "127.0.0.3")])
    assert status == 400 and b"not a trusted proxy" in body
    assert _uuid(source_mode, "127.0.0.9", [("X-Forwarded-For", "127.0.0.3")]) == B.uuid
    # Repeated X-Forwarded-For: the last hop (the proxy's own) counts.
    two = [("X-Forwarded-For", "127.0.0.3"), ("X-Forwarded-For", "127.0.0.2")]
    assert _uuid(source_mode, "127.0.0.9", two) == A.uuid


def test_proxy_mode_signed_headers(proxy_mode: MetadataServer) -> None:
    assert _uuid(proxy_mode, "127.0.0.9", _signed(B)) == B.uuid
    assert _uuid(proxy_mode, "127.0.0.9", _signed(A)) == A.uuid


def test_proxy_mode_refusals(proxy_mode: MetadataServer) -> None:
    path = "/openstack/latest/meta_data.json"
    # Not a trusted proxy, even with valid headers.
    assert _get(proxy_mode, path, "127.0.0.2", _signed(B))[0] == 403
    # Bad signature.
    forged = _signed(B)[:2] + [("X-Instance-ID-Signature", identify.sign_instance_id("guess", B.uuid))]
    assert _get(proxy_mode, path, "127.0.0.9", forged)[0] == 403
    # Missing signature.
    assert _get(proxy_mode, path, "127.0.0.9", _signed(B)[:2])[0] == 400
    # Duplicate X-Instance-ID: cheroot alone would keep the last copy.
    doubled = _signed(A) + [("X-Instance-ID", B.uuid)]
    status, body = _get(proxy_mode, path, "127.0.0.9", doubled)
    assert status == 400 and b"more than once" in body
    # Underscore spelling is dropped, never mapped onto X-Instance-ID.
    underscore = [("X-Instance_ID", B.uuid)] + _signed(B)[1:]
    assert _get(proxy_mode, path, "127.0.0.9", underscore)[0] == 400
    # Right signature, wrong tenant.
    wrong_tenant = [_signed(B)[0], ("X-Tenant-ID", "project-a"), _signed(B)[2]]
    assert _get(proxy_mode, path, "127.0.0.9", wrong_tenant)[0] == 404
    # Source address alone is not enough in proxy mode.
    assert _get(proxy_mode, path, "127.0.0.9")[0] == 400


def test_many_requests_in_parallel(source_mode: MetadataServer) -> None:
    import concurrent.futures

    sources = ["127.0.0.2", "127.0.0.3"] * 20
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        uuids = list(pool.map(lambda src: _uuid(source_mode, src), sources))
    assert uuids == [A.uuid if src == "127.0.0.2" else B.uuid for src in sources]


def test_test_server_tool_in_a_subprocess(tmp_path: pathlib.Path) -> None:
    """tools/metadata_test_server.py: what an end-to-end test starts in a namespace."""
    import signal
    import subprocess
    import sys
    import urllib.request

    records = tmp_path / "records.json"
    records.write_text(json.dumps([A.to_primitive(), B.to_primitive()]))
    tool = pathlib.Path(__file__).resolve().parents[3] / "tools" / "metadata_test_server.py"
    proc = subprocess.Popen(
        [sys.executable, str(tool), "--records", str(records), "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:"), proc.stderr.read() if proc.stderr else line
        url = line.split()[1]
        with urllib.request.urlopen(url + "/", timeout=10) as response:
            assert response.read().endswith(b"latest")
        host, port = url.rsplit(":", 1)[0][len("http://") :], int(url.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection(host, port, timeout=10, source_address=("127.0.0.3", 0))
        conn.request("GET", "/openstack/latest/meta_data.json")
        assert json.loads(conn.getresponse().read())["uuid"] == B.uuid
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
