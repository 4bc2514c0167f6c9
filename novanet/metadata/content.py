"""Every file an instance can read about itself, for the service and the drive.

Theory of operation
-------------------
:class:`InstanceMetadata` is built from one :class:`InstanceRecord` and the
:class:`MetadataOptions`; it does no I/O. The HTTP service asks it for one
path at a time (:meth:`~InstanceMetadata.lookup`), the config drive for the
whole tree (:meth:`~InstanceMetadata.drive_files`); both read the same
methods, so the drive and the service can never disagree.

Paths (relative, no leading slash, already normalised):

* ``openstack`` → version listing; ``openstack/<v>`` → file listing;
  ``openstack/<v>/<file>`` → a file of :func:`versions.openstack_files`;
  ``openstack/content/<NNNN>`` → content items (item ``0000`` is the
  injected interfaces file, referenced from meta_data.json as
  ``network_config``).
* ``<ec2 version>`` → ``meta-data/`` (+ ``user-data``);
  ``<ec2 version>/meta-data/<key>…`` → the EC2 tree; ``…/user-data``.

:meth:`lookup` returns None for anything absent (the service answers 404).

The EC2 tree is the small part of nova's that novanet knows: host names,
addresses, availability zone, launch index, public keys. ``instance-id`` is
``i-`` and the first eight hex digits of the UUID (nova used its internal
integer id, which novanet does not have); cloud-init uses the OpenStack
``uuid``, never this.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import functools
import json
import os
from collections.abc import Callable, Mapping
from typing import Any, Union

import netaddr

from novanet.metadata import interfaces, network_data, tiered, versions
from novanet.metadata.options import MetadataOptions
from novanet.metadata.source import InstanceRecord

JSON = "application/json"
TEXT = "text/plain"
OCTETS = "application/octet-stream"

#: Content path of the injected interfaces file (nova's first content item).
NETWORK_CONFIG_ITEM = "0000"

# A node of the EC2 tree: a leaf string or a sub-tree.
Ec2Node = Union[str, "dict[str, Ec2Node]"]


@dataclasses.dataclass(frozen=True)
class Document:
    """One answer: the body and its content type."""

    body: bytes
    content_type: str


def _json(data: Any) -> Document:
    return Document(json.dumps(data, indent=None, sort_keys=False).encode(), JSON)


def _listing(names: list[str]) -> Document:
    return Document("\n".join(names).encode(), TEXT)


class InstanceMetadata:
    """All metadata of one instance, by path.

    :param random_bytes: source of ``random_seed`` (``os.urandom``; tests pass
        a fixed function).
    :param today: the date that decides which versions the listing shows.
    """

    def __init__(
        self,
        record: InstanceRecord,
        options: MetadataOptions,
        random_bytes: Callable[[int], bytes] = os.urandom,
        today: datetime.date | None = None,
    ) -> None:
        self.record = record
        self.options = options
        self._random_bytes = random_bytes
        self._today = today

    # -- the documents -----------------------------------------------------

    @functools.cached_property
    def network_data(self) -> dict[str, Any]:
        return tiered.tier_links(network_data.network_data(self.record.network_info), self.record.placements)

    @functools.cached_property
    def network_config(self) -> str | None:
        """The injected interfaces file, or None when no network is injected."""
        template = None
        if self.options.injected_network_template:
            template = interfaces.load_template(self.options.injected_network_template)
        return interfaces.render_interfaces(self.record.network_info, template, self.options.virt_type)

    @property
    def content_items(self) -> dict[str, bytes]:
        """``openstack/content`` items by their 4-digit name."""
        if self.network_config is None:
            return {}
        return {NETWORK_CONFIG_ITEM: self.network_config.encode()}

    @property
    def fqdn(self) -> str:
        hostname = self.record.hostname
        domain = self.options.dhcp_domain.strip(".")
        return f"{hostname}.{domain}" if domain else hostname

    def meta_data(self, version: str) -> dict[str, Any]:
        """meta_data.json of the concrete OpenStack ``version``."""
        record = self.record
        data: dict[str, Any] = {
            "uuid": record.uuid,
            "meta": dict(record.metadata),
            "hostname": self.fqdn,
            "name": record.display_name,
            "launch_index": record.launch_index,
            "availability_zone": record.availability_zone,
        }
        if record.public_keys:
            data["public_keys"] = dict(record.public_keys)
        if self.network_config is not None:
            data["network_config"] = {"name": "network_config", "content_path": f"/content/{NETWORK_CONFIG_ITEM}"}
        if version >= versions.GRIZZLY:
            data["random_seed"] = base64.b64encode(self._random_bytes(512)).decode()
        if version >= versions.LIBERTY:
            data["project_id"] = record.project_id
            if record.public_keys:
                data["keys"] = [{"name": n, "type": "ssh", "data": k} for n, k in record.public_keys.items()]
        if version >= versions.NEWTON_ONE:
            data["devices"] = []
        return data

    def openstack_file(self, version: str, name: str) -> Document | None:
        """File ``name`` of the concrete ``version``, or None when it has none."""
        if name not in versions.openstack_files(version, self.record.user_data is not None):
            return None
        if name == versions.META_DATA:
            return _json(self.meta_data(version))
        if name == versions.USER_DATA:
            assert self.record.user_data is not None
            return Document(self.record.user_data, OCTETS)
        if name in (versions.VENDOR_DATA, versions.VENDOR_DATA2):
            return _json({})
        return _json(self.network_data)

    # -- the EC2 tree ----------------------------------------------------------

    def ec2_meta_data(self) -> dict[str, Ec2Node]:
        record = self.record
        v4 = [ip.address for ip in record.network_info.fixed_ips() if netaddr.IPAddress(ip.address).version == 4]
        floating = record.network_info.floating_ips()
        tree: dict[str, Ec2Node] = {
            "ami-launch-index": str(record.launch_index),
            "hostname": self.fqdn,
            "instance-id": "i-" + record.uuid.replace("-", "")[:8],
            "local-hostname": self.fqdn,
            "local-ipv4": v4[0] if v4 else "",
            "placement": {"availability-zone": record.availability_zone},
            "public-hostname": self.fqdn,
            "public-ipv4": floating[0] if floating else "",
        }
        if record.public_keys:
            tree["public-keys"] = {
                f"{i}={name}": {"openssh-key": key} for i, (name, key) in enumerate(record.public_keys.items())
            }
        return tree

    def _ec2_lookup(self, parts: list[str]) -> Document | None:
        if not parts:
            names = ["meta-data/"] + (["user-data"] if self.record.user_data is not None else [])
            return _listing(names)
        if parts == ["user-data"]:
            return Document(self.record.user_data, OCTETS) if self.record.user_data is not None else None
        if parts[0] != "meta-data":
            return None
        node: Ec2Node = self.ec2_meta_data()
        for part in parts[1:]:
            if not isinstance(node, dict):
                return None
            # public-keys entries are listed as "<n>=<name>" and read as "<n>".
            key = next((k for k in node if k == part or k.split("=", 1)[0] == part), None)
            if key is None:
                return None
            node = node[key]
        if isinstance(node, dict):
            if parts[1:2] == ["public-keys"] and len(parts) == 2:
                return _listing(sorted(node))
            return _listing([k + "/" if isinstance(v, dict) and "=" not in k else k for k, v in sorted(node.items())])
        return Document(node.encode(), TEXT)

    # -- lookups ---------------------------------------------------------------

    def lookup(self, path: str) -> Document | None:
        """The document at ``path`` (no leading slash), or None."""
        parts = [p for p in path.split("/") if p]
        if not parts:
            return None
        if parts[0] == "openstack":
            return self._openstack_lookup(parts[1:])
        if parts[0] == "ec2":
            parts = parts[1:]
            if not parts:
                return _listing(list(versions.EC2_VERSIONS) + [versions.LATEST])
        if versions.resolve_ec2(parts[0]) is None:
            return None
        return self._ec2_lookup(parts[1:])

    def _openstack_lookup(self, parts: list[str]) -> Document | None:
        if not parts:
            return _listing(versions.listed_openstack_versions(self._today))
        if parts[0] == "content":
            if len(parts) == 2 and parts[1] in self.content_items:
                return Document(self.content_items[parts[1]], OCTETS)
            if len(parts) == 1 and self.content_items:
                return _listing(sorted(self.content_items))
            return None
        version = versions.resolve_openstack(parts[0])
        if version is None or len(parts) > 2:
            return None
        if len(parts) == 1:
            return _listing(versions.openstack_files(version, self.record.user_data is not None))
        return self.openstack_file(version, parts[1])

    def drive_files(self) -> dict[str, bytes]:
        """The config drive tree: path (no leading slash) to content.

        Every OpenStack version plus ``latest`` (the listing's date rule does
        not apply to drives), ``openstack/content/*``, and the EC2
        ``meta-data.json`` (+ ``user-data``) for ``2009-04-04`` and ``latest``.
        No ``password`` file.
        """
        files: dict[str, bytes] = {}
        has_user_data = self.record.user_data is not None
        for folder in versions.OPENSTACK_VERSIONS + (versions.LATEST,):
            version = versions.resolve_openstack(folder)
            assert version is not None
            for name in versions.openstack_files(version, has_user_data):
                document = self.openstack_file(version, name)
                assert document is not None
                files[f"openstack/{folder}/{name}"] = document.body
        for name, body in self.content_items.items():
            files[f"openstack/content/{name}"] = body
        ec2 = json.dumps(_ec2_as_json(self.ec2_meta_data())).encode()
        for folder in versions.EC2_DRIVE_VERSIONS:
            files[f"ec2/{folder}/meta-data.json"] = ec2
            if self.record.user_data is not None:
                files[f"ec2/{folder}/user-data"] = self.record.user_data
        return files


def _ec2_as_json(node: Mapping[str, Ec2Node]) -> dict[str, Any]:
    """The EC2 tree as nova wrote it to drives (public keys keyed by name)."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "public-keys" and isinstance(value, dict):
            out[key] = {
                k.split("=", 1)[0]: v["openssh-key"] for k, v in value.items() if isinstance(v, dict)
            }
        elif isinstance(value, dict):
            out[key] = _ec2_as_json(value)
        else:
            out[key] = value
    return out
