"""The baremetal lab fixture (see lab.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from novanet.db import session
from tests.fixtures.netns import Namespace
from tests.fixtures.services import require_root, require_tool
from tests.functional.baremetal.lab import BaremetalLab


@pytest.fixture
def bm_lab(netns_factory: Callable[[str], Namespace]) -> Iterator[BaremetalLab]:
    require_root()
    for tool in ("dnsmasq", "dhclient", "dhcp_release", "iptables-restore"):
        require_tool(tool)
    lab = BaremetalLab(netns_factory)
    try:
        yield lab
    finally:
        for node in lab.nodes.values():
            node.power_off()
        lab.close()
        session.dispose_engines()
