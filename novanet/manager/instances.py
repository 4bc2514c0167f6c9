"""The metadata layer's view of instances, answered from the fact store.

:class:`StoreInstanceSource` implements
:class:`novanet.metadata.source.InstanceSource` for ``novanet-metadata`` and
for config drives: it finds an instance by a fixed address it holds (only an
allocated one: a deallocated address awaiting its DHCP release identifies
nobody) or by uuid, and builds its network_info with the configured manager's
rules through the read-only :class:`~novanet.manager.nw_info.NetworkInfoService`
(no manager, no driver).
"""

from __future__ import annotations

from typing import Any

from novanet import exception
from novanet.context import get_admin_context
from novanet.db import api as db
from novanet.manager.checks import check_address, check_uuid
from novanet.manager.nw_info import Flavor, NetworkInfoService
from novanet.metadata.source import InstanceRecord
from novanet.providers import inventory


class StoreInstanceSource:
    def __init__(self, nw_info: NetworkInfoService) -> None:
        self.nw_info = nw_info

    @classmethod
    def for_manager(cls, manager_class: Any) -> StoreInstanceSource:
        """The source for instances served by ``manager_class`` (e.g. the configured one)."""
        return cls(NetworkInfoService(Flavor.of(manager_class)))

    def by_fixed_address(self, address: str) -> InstanceRecord:
        """:raises NotFound: no instance holds ``address``."""
        address = check_address(address)
        row = db.fixed_ip_get_by_address(address)
        if row.instance_uuid is None or not row.allocated:
            raise exception.FixedIpNotFoundForAddress(address=address)
        return self.by_uuid(row.instance_uuid)

    def by_uuid(self, uuid: str) -> InstanceRecord:
        """:raises InstanceNotFound: unknown (or deleted) instance."""
        instance = db.instance_get_by_uuid(check_uuid(uuid, "instance uuid"))
        info = self.nw_info.get_instance_nw_info(get_admin_context(), instance.uuid)
        hostname = instance.hostname or f"instance-{instance.uuid[:8]}"
        return InstanceRecord(
            uuid=instance.uuid,
            project_id=instance.project_id or "",
            hostname=hostname,
            display_name=instance.display_name or hostname,
            network_info=info,
            availability_zone=instance.availability_zone or "nova",
            launched_at=instance.created_at,
            placements=inventory.placements(instance.uuid),
        )
