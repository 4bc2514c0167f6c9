"""The facts the metadata layer needs about one instance, and where it gets them.

The metadata service never reads the fact store: it asks an
:class:`InstanceSource` for an :class:`InstanceRecord`, either by the fixed
address a request came from (nova-network's source-address identification)
or by the instance UUID a signing proxy vouched for. The daemon supplies a
source backed by RPC or by the store; tests use :class:`InMemoryInstanceSource`.

:class:`CachingInstanceSource` keeps answers for a few seconds, as nova's
``metadata_cache_expiration`` did: cloud-init fetches a dozen files in a
burst at boot and each would otherwise cost a lookup. A cached *absence* is
never kept, so an instance that has just been given its address is found on
its first retry.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import netaddr

from novanet import exception
from novanet.metadata.tiered import Placement
from novanet.model import NetworkInfo


@dataclasses.dataclass(frozen=True)
class InstanceRecord:
    """What an instance may learn about itself.

    :param uuid: the instance UUID (cloud-init's instance-id; required).
    :param project_id: the owning project (tenant); proxy mode checks it.
    :param hostname: the short host name; meta_data.json appends the DHCP
        domain as nova did.
    :param display_name: the user-facing name (meta_data.json ``name``).
    :param network_info: the instance's VIFs, networks and addresses.
    :param user_data: raw user data, or None when the user gave none (then
        ``user_data`` is absent from every listing and answers 404).
    :param public_keys: key name to OpenSSH public key.
    :param metadata: the user's key/value metadata (meta_data.json ``meta``).
    :param placements: for a baremetal node, where each VIF (by uuid) sits on
        its ports and port groups (network_data.json's phy/bond/vlan links).
    """

    uuid: str
    project_id: str
    hostname: str
    display_name: str
    network_info: NetworkInfo
    availability_zone: str = "nova"
    launch_index: int = 0
    launched_at: datetime.datetime | None = None
    user_data: bytes | None = None
    public_keys: Mapping[str, str] = dataclasses.field(default_factory=dict)
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)
    placements: Mapping[str, Placement] = dataclasses.field(default_factory=dict)

    def to_primitive(self) -> dict[str, Any]:
        """A JSON-serialisable form (network_info in nova's wire shape)."""
        return {
            "uuid": self.uuid,
            "project_id": self.project_id,
            "hostname": self.hostname,
            "display_name": self.display_name,
            "network_info": self.network_info.to_primitive(),
            "availability_zone": self.availability_zone,
            "launch_index": self.launch_index,
            "launched_at": self.launched_at.isoformat() if self.launched_at else None,
            "user_data": base64.b64encode(self.user_data).decode() if self.user_data is not None else None,
            "public_keys": dict(self.public_keys),
            "metadata": dict(self.metadata),
            "placements": {vif: p.to_primitive() for vif, p in self.placements.items()},
        }

    @classmethod
    def from_primitive(cls, data: Mapping[str, Any]) -> InstanceRecord:
        """Read :meth:`to_primitive`'s form back (optional keys may be absent)."""
        launched = data.get("launched_at")
        user_data = data.get("user_data")
        return cls(
            uuid=str(data["uuid"]),
            project_id=str(data["project_id"]),
            hostname=str(data["hostname"]),
            display_name=str(data.get("display_name") or data["hostname"]),
            network_info=NetworkInfo.from_primitive(data.get("network_info") or []),
            availability_zone=str(data.get("availability_zone") or "nova"),
            launch_index=int(data.get("launch_index") or 0),
            launched_at=datetime.datetime.fromisoformat(launched) if launched else None,
            user_data=base64.b64decode(user_data) if user_data is not None else None,
            public_keys=dict(data.get("public_keys") or {}),
            metadata=dict(data.get("metadata") or {}),
            placements={str(vif): Placement.from_primitive(p) for vif, p in (data.get("placements") or {}).items()},
        )

    def fixed_addresses(self) -> list[str]:
        """Every fixed address of the instance, VIF order, canonical text."""
        return [str(netaddr.IPAddress(ip.address)) for ip in self.network_info.fixed_ips()]


class InstanceSource(Protocol):
    """Where the metadata service gets an instance's facts.

    Both lookups raise a :class:`novanet.exception.NotFound` (e.g.
    ``InstanceNotFound``, ``FixedIpNotFoundForAddress``) when there is no such
    instance; any other exception is a lookup *failure* (the service answers
    500, not 404).
    """

    def by_fixed_address(self, address: str) -> InstanceRecord:
        """The instance that holds fixed IP ``address`` (canonical text)."""
        ...

    def by_uuid(self, uuid: str) -> InstanceRecord:
        """The instance with this UUID."""
        ...


class InMemoryInstanceSource:
    """An :class:`InstanceSource` over a fixed set of records (tests, demos)."""

    def __init__(self, records: Iterable[InstanceRecord] = ()) -> None:
        self._lock = threading.Lock()
        self._by_uuid: dict[str, InstanceRecord] = {}
        self._by_address: dict[str, InstanceRecord] = {}
        self.lookups = 0
        for record in records:
            self.add(record)

    def add(self, record: InstanceRecord) -> None:
        """Add or replace ``record``; its fixed addresses must be its own."""
        with self._lock:
            for address in record.fixed_addresses():
                owner = self._by_address.get(address)
                if owner is not None and owner.uuid != record.uuid:
                    raise exception.FixedIpAlreadyInUse(address=address, instance_uuid=owner.uuid)
            old = self._by_uuid.get(record.uuid)
            if old is not None:
                for address in old.fixed_addresses():
                    self._by_address.pop(address, None)
            self._by_uuid[record.uuid] = record
            for address in record.fixed_addresses():
                self._by_address[address] = record

    def remove(self, uuid: str) -> None:
        with self._lock:
            record = self._by_uuid.pop(uuid, None)
            if record is not None:
                for address in record.fixed_addresses():
                    self._by_address.pop(address, None)

    def by_fixed_address(self, address: str) -> InstanceRecord:
        with self._lock:
            self.lookups += 1
            record = self._by_address.get(address)
        if record is None:
            raise exception.FixedIpNotFoundForAddress(address=address)
        return record

    def by_uuid(self, uuid: str) -> InstanceRecord:
        with self._lock:
            self.lookups += 1
            record = self._by_uuid.get(uuid)
        if record is None:
            raise exception.InstanceNotFound(instance_id=uuid)
        return record


class CachingInstanceSource:
    """Remember another source's answers for ``ttl`` seconds.

    Only successful lookups are cached; a miss or a failure always goes to
    the wrapped source again. ``ttl`` 0 disables caching.
    """

    def __init__(
        self,
        source: InstanceSource,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, InstanceRecord]] = {}

    def _get(self, kind: str, key: str, fetch: Callable[[str], InstanceRecord]) -> InstanceRecord:
        if self._ttl <= 0:
            return fetch(key)
        now = self._clock()
        with self._lock:
            hit = self._cache.get((kind, key))
            if hit is not None and hit[0] > now:
                return hit[1]
        record = fetch(key)
        with self._lock:
            if len(self._cache) > 4096:
                # Bounded: drop expired entries, and everything if still large.
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                if len(self._cache) > 4096:
                    self._cache.clear()
            self._cache[(kind, key)] = (now + self._ttl, record)
        return record

    def by_fixed_address(self, address: str) -> InstanceRecord:
        return self._get("address", address, self._source.by_fixed_address)

    def by_uuid(self, uuid: str) -> InstanceRecord:
        return self._get("uuid", uuid, self._source.by_uuid)
