"""Small builders shared by the store tests."""

from __future__ import annotations

import uuid
from typing import Any

from novanet.context import get_admin_context
from novanet.db import api as db
from novanet.db.models import Network
from novanet.manager.flat import FlatDHCPManager
from novanet.manager.networks import NetworkAdmin
from novanet.manager.vlan import VlanManager


def make_network(cidr: str = "10.0.0.0/28", vlan: bool = False, **kwargs: Any) -> Network:
    """Create one network through the manager's creation rules."""
    if vlan:
        kwargs.setdefault("bridge_interface", "eth1")
        admin = NetworkAdmin(VlanManager.create_rules(), "test-host")
    else:
        kwargs.setdefault("bridge", f"br{uuid.uuid4().hex[:6]}")
        admin = NetworkAdmin(FlatDHCPManager.create_rules(), "test-host")
    (network,) = admin.create_networks(get_admin_context(), label=kwargs.pop("label", "net"), cidr=cidr,
                                       num_networks=1, **kwargs)
    return network


def make_instance(project: str = "p1", host: str = "host-a", **kwargs: Any) -> str:
    instance_uuid = str(uuid.uuid4())
    db.instance_ensure(instance_uuid, project_id=project, host=host, hostname=kwargs.pop("hostname", "vm"), **kwargs)
    return instance_uuid


def make_vif(instance_uuid: str, network: Network, mac: str | None = None) -> Any:
    mac = mac or "fa:16:3e:%02x:%02x:%02x" % tuple(uuid.uuid4().bytes[:3])
    return db.virtual_interface_create(instance_uuid, network.id, mac, str(uuid.uuid4()))
