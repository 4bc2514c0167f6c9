"""FlatDHCP end to end: a real daemon, real dnsmasq, a real DHCP client, real NAT.

The daemon runs as its own process against RabbitMQ and drives a host
namespace; instances are namespaces plugged into the network's bridge. What
is asserted is what an instance and the outside world see.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from novanet.db import api as db
from novanet.types import InstanceInfo
from novanet.context import RequestContext, get_admin_context
from tests.fixtures.netns import Namespace
from tests.fixtures.topology import Site, TcpServer, tcp_connect
from tests.fixtures.wait import wait_until
from tests.functional.e2e.conftest import HostDaemons, manage

pytestmark = [pytest.mark.root, pytest.mark.services, pytest.mark.slow]

ADMIN = get_admin_context()
USER = RequestContext(user_id="u1", project_id="p1", roles=["member"])


def boot(api: Any, site: Site, host: str, bridge: str, name: str, project: str = "p1") -> tuple[Namespace, Any, str]:
    """allocate_for_instance over RPC, then a namespace that takes its lease by DHCP."""
    inst = InstanceInfo(uuid=str(uuid.uuid4()), project_id=project, host=host, hostname=name)
    info = api.allocate_for_instance(RequestContext(project_id=project), inst.uuid, project_id=project, host=host)
    (vif,) = info
    address = vif.fixed_ips()[0].address
    ns = site.instance(bridge, vif.address)
    site.dhclient(ns)
    assert Site.address_of(ns) == address, "the DHCP client did not get the address the daemon allocated"
    return ns, inst, address


def test_instance_lease_follows_the_allocation(host_daemons: HostDaemons, site_factory: Any) -> None:
    site = site_factory()
    manage("network", "create", "--label", "web", "--fixed_range_v4", "10.10.0.0/24", "--bridge", "br-web")
    host_daemons.start("net-a", site)
    api = host_daemons.api
    ns, inst, address = boot(api, site, "net-a", "br-web", "web-1")
    # dnsmasq told novanet-dhcpbridge, which told the daemon: the store says leased.
    wait_until(lambda: db.fixed_ip_get_by_address(address).leased, timeout=20,
               message="the lease never reached the store")
    # The instance reaches its gateway through the bridge.
    network = db.network_get_by_cidr("10.10.0.0/24")
    server = TcpServer(site.host, network.gateway)
    try:
        assert tcp_connect(ns, network.gateway, server.port) == f"hello {address}"
    finally:
        server.close()

    api.deallocate_for_instance(ADMIN, inst)
    # dhcp_release ended the lease; dnsmasq's 'del' freed the address in the store.
    wait_until(lambda: db.fixed_ip_get_by_address(address).instance_uuid is None, timeout=20,
               message="the address was not freed after deallocation")
    row = db.fixed_ip_get_by_address(address)
    assert not row.leased and not row.allocated
    # The freed address can be handed out again: request it explicitly.
    again = InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host="net-a", hostname="web-2")
    info = api.allocate_for_instance(USER, again.uuid, project_id="p1", host="net-a",
                                     requested_networks=[(network.uuid, address)])
    assert info.fixed_ips()[0].address == address


def test_floating_ip_in_and_out(host_daemons: HostDaemons, site_factory: Any) -> None:
    site = site_factory()
    manage("network", "create", "--label", "web", "--fixed_range_v4", "10.20.0.0/24", "--bridge", "br-fl")
    manage("floating", "create", "--ip_range", "172.24.4.64/28", "--pool", "public", "--interface", "pub0")
    host_daemons.start("net-a", site)
    api = host_daemons.api
    ns, inst, address = boot(api, site, "net-a", "br-fl", "web-1")
    floating = api.allocate_floating_ip(USER, "p1", pool="public")
    api.associate_floating_ip(USER, floating, address)

    inbound = TcpServer(ns)
    outbound = TcpServer(site.outside)
    try:
        # From outside, the floating address reaches the instance (which sees the real client).
        assert wait_until(lambda: tcp_connect(site.outside, floating, inbound.port), timeout=10) == \
            f"hello {site.outside_ip}"
        # The instance's own outbound traffic leaves with the floating address.
        assert tcp_connect(ns, site.outside_ip, outbound.port) == f"hello {floating}"

        api.disassociate_floating_ip(USER, floating)
        assert tcp_connect(site.outside, floating, inbound.port, timeout=1.5) is None
        greeting = tcp_connect(ns, site.outside_ip, outbound.port)
        assert greeting is not None and greeting != f"hello {floating}"
        assert greeting == f"hello {site.public_ip}"  # the network's default SNAT
    finally:
        inbound.close()
        outbound.close()
    api.deallocate_floating_ip(USER, floating)


def test_metadata_reaches_the_service_and_each_instance_reads_its_own(host_daemons: HostDaemons,
                                                                         site_factory: Any,
                                                                         world_dir: Path) -> None:
    site = site_factory()
    manage("network", "create", "--label", "web", "--fixed_range_v4", "10.30.0.0/24", "--bridge", "br-md")
    daemon = host_daemons.start("net-a", site)
    api = host_daemons.api
    # novanet-metadata listens where the forward rule points (the host's metadata_host).
    log = open(world_dir / "metadata.log", "wb")
    metadata = subprocess.Popen(
        ["ip", "netns", "exec", site.host.name, str(Path(sys.executable).parent / "novanet-metadata"),
         "--config-file", str(daemon.config), "--config-file", str(_metadata_conf(world_dir, site))],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        first, inst1, address1 = boot(api, site, "net-a", "br-md", "web-1")
        second, inst2, address2 = boot(api, site, "net-a", "br-md", "web-2")
        for ns, inst, address in ((first, inst1, address1), (second, inst2, address2)):
            doc = wait_until(lambda ns=ns: _fetch(ns, "/openstack/latest/network_data.json"), timeout=20)
            meta = json.loads(_fetch(ns, "/openstack/latest/meta_data.json") or "{}")
            data = json.loads(doc)
            assert meta["uuid"] == inst.uuid
            assert [n.get("ip_address") for n in data["networks"]] == [address]
            mac = db.virtual_interface_get_by_instance(inst.uuid)[0].address
            assert data["links"][0]["ethernet_mac_address"] == mac
    finally:
        metadata.terminate()
        metadata.wait(timeout=20)
        log.close()


def _metadata_conf(world_dir: Path, site: Site) -> Path:
    path = world_dir / "metadata.conf"
    path.write_text(f"[metadata]\nmetadata_listen = {site.public_ip}\nmetadata_cache_expiration = 0\n")
    return path


def _fetch(ns: Namespace, path: str) -> str | None:
    """GET http://169.254.169.254<path> from inside ``ns``."""
    result = ns.run(["curl", "-s", "-f", "-m", "3", f"http://169.254.169.254{path}"], check=False)
    return result.stdout if result.returncode == 0 else None

