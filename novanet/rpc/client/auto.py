"""Get me a network: the dry-run and the project network calls (API 1.18, novanet's own).

nova-network had no such methods; a server older than 1.18 does not know
them, so a client capped below 1.18 refuses to send them
(:class:`~novanet.exception.RPCPinnedToOldVersion`) instead of letting an old
server silently treat ``auto`` or ``none`` as "no networks requested" (nova's
rolling-upgrade bug, reference A.3 item 12).
"""

from __future__ import annotations

from typing import Any

from novanet.rpc.client.core import ClientCore, elevated
from novanet.context import RequestContext


class AutoCalls(ClientCore):
    def get_auto_allocated_network(self, context: RequestContext, project_id: str,
                                   dry_run: bool = False) -> dict[str, Any]:
        """The project's network for ``auto`` (built if need be), or with ``dry_run`` the checks only.

        Returns ``{"id": network uuid, "project_id": ...}``; a dry-run that
        passes answers ``{"id": "dry-run=pass", "project_id": ...}``.

        :raises AutoAllocationFailure: with the reason (NO_DEFAULT_POOL, ...).
        :raises NetworkAmbiguous: the project can use several networks.
        """
        version = self.require_version("get_auto_allocated_network")
        result: dict[str, Any] = self.send(context, "get_auto_allocated_network", version, project_id=project_id,
                                           dry_run=bool(dry_run))
        return result

    def delete_auto_allocated_network(self, context: RequestContext, project_id: str,
                                      host: str | None = None) -> str | None:
        """Remove the project's auto-allocated network; its uuid, or None when it had none.

        :param host: send to this network host (a host forwarding to the
            network's own host); any host otherwise.
        :raises NetworkInUse: instances still hold addresses on it.
        """
        version = self.require_version("delete_auto_allocated_network")
        ctx = elevated(context) if host else context
        result: str | None = self.send(ctx, "delete_auto_allocated_network", version, server=host,
                                       project_id=project_id)
        return result
