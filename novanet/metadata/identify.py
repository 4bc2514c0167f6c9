"""Who is asking: turning a request into the one instance it may read.

Theory of operation
-------------------
:func:`identify` is pure: from the peer address, the request headers and the
options it returns a :class:`Lookup` (what to ask the instance source for),
or raises :class:`Refused` with an HTTP status and a reason that is safe to
log and to send (it never contains the secret or a signature). The
invariant: **an instance can only ever be identified by something it cannot
forge.**

Source-address mode (nova-network's, the default): the instance is whoever
holds the fixed IP the TCP connection comes from. The host's anti-spoofing
filter (the driver's job) is what makes that address unforgeable. Proxy
headers are ignored (and logged). ``X-Forwarded-For`` replaces the peer
address only when the peer is a configured trusted proxy; from anyone else
the header is an attempt to speak for another address and is refused (400).
From a trusted proxy the *last* address is used: it is the one that proxy
appended itself, the earlier ones came from the client.

Proxy mode (``service_metadata_proxy``, neutron's): a proxy vouches for the
instance with ``X-Instance-ID``, ``X-Tenant-ID`` and
``X-Instance-ID-Signature`` = lower-case hex HMAC-SHA256 of the instance id
under the shared secret. Each header must be there exactly once (400),
the signature must match, compared in constant time (403), and the
instance's project must equal the tenant header (checked by the caller after
the lookup: 404, as nova did). When trusted proxies are configured, the
peer must also be one of them (403).

NOTE(duplicate-headers): WSGI folds a repeated header into one environ key,
and cheroot keeps only the last copy of headers it does not know to be
lists; :mod:`novanet.metadata.server` makes cheroot join the identity
headers with ", " instead, so a repeat is visible here as a comma (no UUID,
project id or hex signature contains one) and refused.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
from collections.abc import Mapping

import netaddr

from novanet.metadata.options import MetadataOptions

INSTANCE_ID = "X-Instance-ID"
TENANT_ID = "X-Tenant-ID"
SIGNATURE = "X-Instance-ID-Signature"
FORWARDED_FOR = "X-Forwarded-For"
#: Headers whose repeats the server folds with a comma (see the NOTE above).
IDENTITY_HEADERS = (INSTANCE_ID, TENANT_ID, SIGNATURE, FORWARDED_FOR)


class By(enum.Enum):
    ADDRESS = "address"
    UUID = "uuid"


@dataclasses.dataclass(frozen=True)
class Lookup:
    """What to ask the instance source, and what the answer must satisfy.

    :param tenant: in proxy mode, the project the instance must belong to.
    :param forwarded: True when the address came from a trusted proxy's
        ``X-Forwarded-For``.
    :param ignored: proxy headers that were present and ignored (for the log).
    """

    by: By
    key: str
    tenant: str | None = None
    forwarded: bool = False
    ignored: tuple[str, ...] = ()


class Refused(Exception):
    """The request cannot be tied to an instance; ``reason`` is safe to log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign_instance_id(secret: str, instance_id: str) -> str:
    """The ``X-Instance-ID-Signature`` a proxy sends for ``instance_id``."""
    return hmac.new(secret.encode(), instance_id.encode(), hashlib.sha256).hexdigest()


def canonical_peer(address: str | None) -> str:
    """The peer address as the source knows fixed IPs (IPv4-mapped unwrapped).

    :raises Refused: 500 when the server gave no usable peer address.
    """
    if not address:
        raise Refused(500, "the server did not report the peer address")
    try:
        ip = netaddr.IPAddress(address.split("%", 1)[0])
    except (netaddr.AddrFormatError, ValueError) as exc:
        raise Refused(500, f"the server reported an unusable peer address {address!r}") from exc
    if ip.version == 6 and ip.is_ipv4_mapped():
        ip = ip.ipv4()
    return str(ip)


def _get(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _single(headers: Mapping[str, str], name: str) -> str:
    value = _get(headers, name)
    if value is None or not value.strip():
        raise Refused(400, f"{name} header is missing")
    if "," in value:
        raise Refused(400, f"{name} header is given more than once")
    return value.strip()


def _trusted(peer: str, options: MetadataOptions) -> bool:
    ip = netaddr.IPAddress(peer)
    return any(ip in net for net in options.trusted_networks())


def _forwarded_address(peer: str, value: str, options: MetadataOptions) -> str:
    if not _trusted(peer, options):
        raise Refused(400, f"{FORWARDED_FOR} from {peer}, which is not a trusted proxy")
    last = value.split(",")[-1].strip()
    try:
        return canonical_peer(last)
    except Refused as exc:
        raise Refused(400, f"{FORWARDED_FOR} from {peer} does not end with an IP address") from exc


def identify(peer_address: str | None, headers: Mapping[str, str], options: MetadataOptions) -> Lookup:
    """Decide which instance a request speaks for.

    :param peer_address: the TCP peer (WSGI ``REMOTE_ADDR``).
    :param headers: request headers, names in any case.
    :raises Refused: 400 bad or forged headers, 403 bad signature or
        untrusted proxy, 500 no peer address.
    """
    peer = canonical_peer(peer_address)
    forwarded = _get(headers, FORWARDED_FOR)
    if not options.proxy_mode:
        ignored = tuple(h for h in (INSTANCE_ID, TENANT_ID, SIGNATURE) if _get(headers, h) is not None)
        if forwarded is not None:
            return Lookup(By.ADDRESS, _forwarded_address(peer, forwarded, options), forwarded=True, ignored=ignored)
        return Lookup(By.ADDRESS, peer, ignored=ignored)

    if options.trusted_proxies and not _trusted(peer, options):
        raise Refused(403, f"proxy headers from {peer}, which is not a trusted proxy")
    if forwarded is not None and not _trusted(peer, options):
        raise Refused(400, f"{FORWARDED_FOR} from {peer}, which is not a trusted proxy")
    instance_id = _single(headers, INSTANCE_ID)
    tenant_id = _single(headers, TENANT_ID)
    signature = _single(headers, SIGNATURE)
    expected = sign_instance_id(options.shared_secret, instance_id)
    # NOTE(timing): compare_digest takes time independent of where the
    # strings differ (nova bug 1325128); encode so non-ASCII input is
    # compared, not rejected with a TypeError.
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Refused(403, f"invalid {SIGNATURE} for instance {instance_id}")
    return Lookup(By.UUID, instance_id, tenant=tenant_id)
