"""Builders for the store's unit tests."""

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
    rules = VlanManager.create_rules() if vlan else FlatDHCPManager.create_rules()
    kwargs.setdefault("bridge_interface" if vlan else "bridge", "eth1" if vlan else f"br{uuid.uuid4().hex[:6]}")
    (network,) = NetworkAdmin(rules, "host-a").create_networks(get_admin_context(), label="net", cidr=cidr,
                                                               num_networks=1, **kwargs)
    return network


def make_instance(project: str = "p1", host: str = "host-a") -> str:
    instance_uuid = str(uuid.uuid4())
    db.instance_ensure(instance_uuid, project_id=project, host=host, hostname="vm")
    return instance_uuid


def mac(n: int) -> str:
    return f"fa:16:3e:00:00:{n:02x}"
