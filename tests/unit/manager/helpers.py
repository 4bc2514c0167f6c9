"""What the manager tests share: contexts and a new instance."""

from __future__ import annotations

import uuid
from typing import Any

from novanet.context import RequestContext, get_admin_context
from novanet.types import InstanceInfo

ADMIN = get_admin_context()
USER = RequestContext(project_id="p1", user_id="u1")


def instance(host: str = "host-a", project: str = "p1", **kwargs: Any) -> InstanceInfo:
    return InstanceInfo(uuid=str(uuid.uuid4()), project_id=project, host=host, hostname=kwargs.pop("hostname", "vm"),
                        **kwargs)
