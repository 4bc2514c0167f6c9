"""VLAN mode end to end: project isolation and multi_host across two network hosts.

This kernel has no 802.1Q, so the segments are VXLAN (VNI = the network's
VLAN number) between two host namespaces joined by an underlay veth; the
VLAN segment driver is exercised by tests/functional/drivers/linux_net where
the kernel allows it. Two daemons (net-a, net-b) each serve the instances
on their own host (multi_host networks).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from novanet.db import api as db
from novanet.context import RequestContext
from tests.fixtures.netns import Namespace, veth_between
from tests.fixtures.topology import Site
from tests.fixtures.traffic import ping, ping_any
from tests.fixtures.wait import wait_until
from tests.functional.e2e.conftest import HostDaemons, manage

pytestmark = [pytest.mark.root, pytest.mark.services, pytest.mark.slow]

UNDERLAY = {"net-a": "10.99.0.1", "net-b": "10.99.0.2"}


def start_host(host_daemons: HostDaemons, host: str, site: Site) -> None:
    host_daemons.start(host, site, manager="vlan", DEFAULT={"vlan_interface": "und0", "multi_host": True},
                       linux_net={"segment_driver": "vxlan", "vxlan_local_ip": UNDERLAY[host],
                                  "vxlan_peers": ",".join(UNDERLAY.values()), "vxlan_interface": "und0"})


def boot(api: Any, site: Site, host: str, project: str, name: str) -> tuple[Namespace, str]:
    instance_uuid = str(uuid.uuid4())
    info = api.allocate_for_instance(RequestContext(project_id=project), instance_uuid, project_id=project, host=host)
    (vif,) = info
    assert vif.network is not None
    ns = site.instance(vif.network.bridge, vif.address)
    site.dhclient(ns)
    address = vif.fixed_ips()[0].address
    assert Site.address_of(ns) == address
    return ns, address


def test_projects_are_isolated_and_a_project_spans_hosts(host_daemons: HostDaemons, site_factory: Any,
                                                         vlan_mode: None) -> None:
    a = site_factory()
    b = site_factory(public_ip="172.24.5.1", outside_ip="172.24.5.100")
    veth_between(a.host, "und0", b.host, "und0")
    a.host.run(["ip", "addr", "add", f"{UNDERLAY['net-a']}/24", "dev", "und0"])
    b.host.run(["ip", "addr", "add", f"{UNDERLAY['net-b']}/24", "dev", "und0"])
    manage("network", "create", "--label", "proj", "--fixed_range_v4", "10.40.0.0/16", "--num_networks", "2",
           "--network_size", "256", "--multi_host", "T")
    start_host(host_daemons, "net-a", a)
    start_host(host_daemons, "net-b", b)
    api = host_daemons.api

    p1_a, p1_a_ip = boot(api, a, "net-a", "p1", "p1-a")
    p1_b, p1_b_ip = boot(api, b, "net-b", "p1", "p1-b")
    p2_a, p2_a_ip = boot(api, a, "net-a", "p2", "p2-a")
    # One network per project, whatever host asked first; each host serves
    # its own instances from its own address on the network.
    (net_p1,) = db.network_get_all(project_id="p1")
    (net_p2,) = db.network_get_all(project_id="p2")
    assert net_p1.vlan != net_p2.vlan
    assert db.fixed_ip_get_by_network_host(net_p1.id, "net-a") is not None
    assert db.fixed_ip_get_by_network_host(net_p1.id, "net-b") is not None

    # The same project across the two hosts: one L2 segment over VXLAN.
    assert wait_until(lambda: ping(p1_a.name, p1_b_ip), timeout=10)
    assert ping(p1_b.name, p1_a_ip)
    # Different projects cannot reach each other, on one host (routed by
    # net-a between two project bridges) or across hosts.
    assert ping_any([(p1_a.name, p2_a_ip), (p2_a.name, p1_a_ip), (p1_b.name, p2_a_ip), (p2_a.name, p1_b_ip)],
                    timeout=1.5) == [False, False, False, False]
    # Each instance still reaches its own gateway (its host's address).
    gateway_a = db.fixed_ip_get_by_network_host(net_p2.id, "net-a")
    assert gateway_a is not None and ping(p2_a.name, gateway_a.address)
