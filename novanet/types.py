"""Value records every layer shares: an instance and the networks it asks for.

Neutral ground, like :mod:`novanet.context`: the RPC layer reads the wire
into these records (:mod:`novanet.rpc.objects`), the managers decide with
them, and the store records :data:`INSTANCE_FIELDS` of an instance. This
module imports no novanet layer.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

#: The facts about an instance that the store records (``instances`` columns
#: besides the uuid) and that nova's Instance object carries as text.
INSTANCE_FIELDS: tuple[str, ...] = ("project_id", "user_id", "host", "launched_on", "hostname", "display_name",
                                    "availability_zone")


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    """An instance as far as networking needs it."""

    uuid: str
    project_id: str | None = None
    user_id: str | None = None
    host: str | None = None
    launched_on: str | None = None
    hostname: str | None = None
    display_name: str | None = None
    availability_zone: str | None = None
    #: nova's integer id, when a legacy caller sent only that.
    id: int | None = None

    def recorded_fields(self) -> dict[str, Any]:
        """:data:`INSTANCE_FIELDS` as the store records them (``launched_on`` defaults to ``host``)."""
        values = {field: getattr(self, field) for field in INSTANCE_FIELDS}
        values["launched_on"] = self.launched_on or self.host
        return values


@dataclasses.dataclass(frozen=True)
class RequestedNetwork:
    """One entry of ``requested_networks``: a network uuid and an optional address."""

    network_id: str | None
    address: str | None = None
    tag: str | None = None


class NetworkChoice(str, enum.Enum):
    """``requested_networks`` as a word instead of a list (nova >= 2.37's ``networks``).

    ``auto``: the one network the project can use, made on first use;
    ``none``: no network at all (empty network_info, nothing touched).
    """

    AUTO = "auto"
    NONE = "none"


#: What ``requested_networks`` may be once read from the wire: the networks
#: named, a word, or None (the manager's choice, nova-network's default).
RequestedNetworks = list[RequestedNetwork] | NetworkChoice | None
