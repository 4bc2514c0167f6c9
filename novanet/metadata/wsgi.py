"""The metadata service as a WSGI application.

Theory of operation
-------------------
One request: normalise the path (``//``, ``.`` and ``..`` collapse, a
trailing slash is irrelevant); ``/`` answers the EC2 version list to anyone;
everything else first identifies the caller (:func:`identify.identify`),
then looks the instance up in the :class:`InstanceSource`, then serves the
path from that instance's :class:`InstanceMetadata` and nothing else. There
is no path that names an instance: the only way to another instance's data
is to be identified as it, which is the invariant identify.py keeps.

Status codes follow nova: 400/403 refused identification, 404 unknown
instance (also a tenant mismatch in proxy mode, so a proxy cannot probe
which instances exist elsewhere), unknown path or absent file, 500 when the
lookup itself fails, 405 for methods other than GET and HEAD. Every refusal
is logged with the peer and the reason, never with a secret or a
signature.
"""

from __future__ import annotations

import datetime
import logging
import os
import posixpath
import warnings
from collections.abc import Callable, Iterable
from typing import Any

# NOTE(webob): WebOb 1.8 imports the stdlib cgi module, which warns on
# Python 3.11 ("'cgi' is deprecated"); pytest runs with warnings as errors.
# Nothing of cgi is used on our path; silence only that warning, only here.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'cgi' is deprecated", category=DeprecationWarning)
    import webob

from novanet import exception
from novanet.metadata import identify, versions
from novanet.metadata.content import InstanceMetadata
from novanet.metadata.options import MetadataOptions
from novanet.metadata.source import CachingInstanceSource, InstanceRecord, InstanceSource

LOG = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def normalise_path(path: str) -> str:
    """``path`` without empty, ``.`` and ``..`` segments or a trailing slash.

    >>> normalise_path("/openstack//latest/../2015-10-15/")
    '/openstack/2015-10-15'
    """
    clean = posixpath.normpath("/" + path)
    # normpath keeps a leading "//" (POSIX allows it a meaning).
    return "/" + clean.lstrip("/")


def _text(status: int, body: str) -> webob.Response:
    return webob.Response(status=status, body=(body + "\n").encode(), content_type="text/plain", charset="utf-8")


class MetadataApp:
    """The WSGI application.

    :param source: where instance facts come from.
    :param options: identification and content settings.
    :param random_bytes: passed to :class:`InstanceMetadata` (tests fix it).
    :param today: the date deciding listed versions (default: each request's).
    """

    def __init__(
        self,
        source: InstanceSource,
        options: MetadataOptions,
        random_bytes: Callable[[int], bytes] = os.urandom,
        today: datetime.date | None = None,
    ) -> None:
        self.source: InstanceSource = (
            CachingInstanceSource(source, options.cache_ttl) if options.cache_ttl > 0 else source
        )
        self.options = options
        self._random_bytes = random_bytes
        self._today = today
        if options.proxy_mode:
            LOG.info("metadata: identifying instances by signed proxy headers")
        else:
            LOG.info("metadata: identifying instances by source address")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = webob.Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: webob.Request) -> webob.Response:
        """Answer one request (never raises)."""
        if request.method not in ("GET", "HEAD"):
            response = _text(405, f"method {request.method} is not allowed")
            response.allow = ("GET", "HEAD")
            return response
        path = normalise_path(request.path_info)
        if path == "/":
            body = "\n".join(versions.EC2_VERSIONS + (versions.LATEST,)).encode()
            return webob.Response(status=200, body=body, content_type="text/plain", charset="utf-8")
        peer = request.remote_addr
        try:
            lookup = identify.identify(peer, dict(request.headers.items()), self.options)
        except identify.Refused as refused:
            LOG.warning("metadata: refused %s %s from %s: %s", request.method, path, peer, refused.reason)
            return _text(refused.status, refused.reason)
        if lookup.ignored:
            LOG.warning(
                "metadata: %s from %s carries %s; ignored in source-address mode",
                path,
                peer,
                ", ".join(lookup.ignored),
            )
        record = self._find(lookup, peer, path)
        if isinstance(record, webob.Response):
            return record
        document = InstanceMetadata(record, self.options, self._random_bytes, self._today).lookup(path.lstrip("/"))
        if document is None:
            return _text(404, f"{path} not found")
        response = webob.Response(status=200, body=document.body, content_type=document.content_type)
        if document.content_type.startswith(("text/", "application/json")):
            response.charset = "utf-8"
        return response

    def _find(self, lookup: identify.Lookup, peer: str | None, path: str) -> InstanceRecord | webob.Response:
        """The instance ``lookup`` names, or the error response."""
        try:
            if lookup.by is identify.By.ADDRESS:
                record = self.source.by_fixed_address(lookup.key)
            else:
                record = self.source.by_uuid(lookup.key)
        except exception.NotFound:
            LOG.warning("metadata: no instance for %s %s (peer %s, %s)", lookup.by.value, lookup.key, peer, path)
            return _text(404, "no instance found for this request")
        except Exception:
            LOG.exception("metadata: looking up %s %s failed (peer %s)", lookup.by.value, lookup.key, peer)
            return _text(500, "the instance lookup failed; see the service log")
        if lookup.tenant is not None and record.project_id != lookup.tenant:
            LOG.warning(
                "metadata: instance %s is not in tenant %s (peer %s); refused", lookup.key, lookup.tenant, peer
            )
            return _text(404, "no instance found for this request")
        return record


def make_app(source: InstanceSource, options: MetadataOptions) -> MetadataApp:
    """The metadata WSGI application for ``source`` with ``options``."""
    return MetadataApp(source, options)
