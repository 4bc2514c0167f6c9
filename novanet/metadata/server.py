"""Running the metadata application with cheroot.

Theory of operation
-------------------
cheroot is a mature, pure-Python, thread-pool HTTP/1.1 WSGI server (the one
CherryPy ships). :class:`MetadataServer` wraps one ``cheroot.wsgi.Server``:
:meth:`~MetadataServer.start` binds and listens *before* it returns (so a
caller, or a test on port 0, knows the real address and can connect at once)
and serves from a background thread; :meth:`~MetadataServer.serve_forever`
does the same in the calling thread until :meth:`~MetadataServer.stop` (the
executable calls it from its SIGTERM handler).

The one change to cheroot's request parsing: the identity headers
(``X-Instance-ID``, ``X-Tenant-ID``, ``X-Instance-ID-Signature``,
``X-Forwarded-For``) are folded with ", " when repeated, where cheroot would
keep only the last copy, so identify.py can refuse the repeat; and headers
with an underscore are dropped (WSGI maps ``X-Instance_ID`` and
``X-Instance-ID`` to the same environ key, which would let one hide behind
the other).

Where to listen: the 169.254.169.254 forward rule sends instances to
``metadata_host:metadata_port`` ([DEFAULT]); the service listens on
``[metadata] metadata_listen:metadata_listen_port`` (default
``0.0.0.0:$metadata_port``). :func:`listen_address` warns when the two
cannot meet.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from cheroot import server as cheroot_server
from cheroot import wsgi as cheroot_wsgi

from novanet.metadata import identify
from novanet.metadata.options import MetadataOptions
from novanet.metadata.source import InstanceSource
from novanet.metadata.wsgi import MetadataApp, WsgiApp

LOG = logging.getLogger(__name__)

_FOLDED = frozenset(h.title().encode() for h in identify.IDENTITY_HEADERS)


class _FoldingHeaders(dict[bytes, bytes]):
    """A header dict that joins repeats of the identity headers."""

    def __setitem__(self, key: bytes, value: bytes) -> None:
        if key in _FOLDED and key in self:
            value = b", ".join((super().__getitem__(key), value))
        super().__setitem__(key, value)


class IdentityHeaderReader(cheroot_server.HeaderReader):
    """cheroot's header reader, dropping ``_`` names and folding identity repeats."""

    def _allow_header(self, key_name: bytes) -> bool:
        # NOTE(cheroot): cheroot 11's own DropUnderscoreHeaderReader tests
        # the str '_' against the bytes name and raises TypeError on every
        # header (tests/unit/metadata/test_server_and_options.py shows it).
        return b"_" not in key_name

    def __call__(self, rfile: Any, hdict: dict[bytes, bytes] | None = None) -> dict[bytes, bytes]:
        folded = _FoldingHeaders()
        super().__call__(rfile, folded)
        if hdict is None:
            hdict = {}
        hdict.update(folded)
        return hdict


class _Request(cheroot_server.HTTPRequest):
    header_reader = IdentityHeaderReader()


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request


class MetadataServer:
    """The metadata WSGI app served by cheroot on ``host:port``.

    :param threads: request-serving threads (``metadata_workers``).
    """

    def __init__(self, app: WsgiApp, host: str, port: int, threads: int = 8) -> None:
        self._server = cheroot_wsgi.Server(
            (host, port),
            app,
            numthreads=threads,
            server_name="novanet-metadata",
            timeout=10,
            shutdown_timeout=5,
        )
        self._server.ConnectionClass = _Connection
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); the real port once started with port 0."""
        host, port = self._server.bind_addr[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def start(self) -> tuple[str, int]:
        """Bind, listen and serve from a daemon thread; returns the address."""
        self._server.prepare()
        self._thread = threading.Thread(target=self._server.serve, name="novanet-metadata", daemon=True)
        self._thread.start()
        LOG.info("metadata: serving on %s", self.url)
        return self.address

    def serve_forever(self) -> None:
        """Bind, listen and serve in this thread until :meth:`stop`."""
        self._server.prepare()
        LOG.info("metadata: serving on %s", self.url)
        self._server.serve()

    def stop(self) -> None:
        """Stop accepting, finish in-flight requests, join the threads."""
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> MetadataServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_server(
    source: InstanceSource,
    options: MetadataOptions,
    host: str,
    port: int,
    threads: int = 8,
) -> MetadataServer:
    """A (not yet started) server of the metadata app for ``source``."""
    return MetadataServer(MetadataApp(source, options), host, port, threads)


def listen_address(conf: Any) -> tuple[str, int]:
    """``(metadata_listen, metadata_listen_port)`` from ``conf``, with a sanity check.

    Logs a warning when the forward rule's target (``metadata_host``,
    ``metadata_port``) is not covered by where the service listens.
    """
    host = conf.metadata.metadata_listen
    port = int(conf.metadata.metadata_listen_port)
    target_host, target_port = conf.metadata_host, int(conf.metadata_port)
    if port != target_port:
        LOG.warning(
            "metadata: listening on port %d but the forward rule sends instances to port %d", port, target_port
        )
    if host not in ("0.0.0.0", "::", target_host):
        LOG.warning(
            "metadata: listening on %s but the forward rule sends instances to %s", host, target_host
        )
    return host, port
