"""Networks and a fake host shared by the link layer's unit tests."""

from __future__ import annotations

import dataclasses

from novanet.drivers.base import NetworkSpec
from novanet.drivers.linux_net.config import LinkConfig
from novanet.drivers.linux_net.fake import FakeBackend
from novanet.drivers.linux_net.links import Links

FLAT = NetworkSpec(id=1, uuid="flat", label="flat", bridge="br100", bridge_interface="eth1",
                   cidr="10.0.0.0/24", gateway="10.0.0.1", dhcp_server="10.0.0.1")
VLAN = dataclasses.replace(FLAT, uuid="seg", bridge="br102", vlan=102, cidr="10.0.2.0/24", gateway="10.0.2.1",
                           dhcp_server="10.0.2.1", mtu=1400)


def links_on(fake: FakeBackend | None = None, **config: object) -> tuple[Links, FakeBackend]:
    """Links over a fake kernel that has the uplinks eth1 and eth2."""
    fake = fake or FakeBackend()
    for name in ("eth1", "eth2"):
        if name not in fake.links:
            fake.add_link(name, up=True)
    return Links(LinkConfig(**config), fake), fake  # type: ignore[arg-type]
