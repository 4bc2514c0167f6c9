"""Other tools' rules survive novanet, and a restart does not interrupt instances.

* Rules another tool put into the same tables (built-in and own chains,
  filter and nat) are intact, line for line, after 100 applies caused by
  floating IP associations and a daemon restart.
* With 1,000 floating IPs plumbed on the host, restarting the daemon (which
  rebuilds everything from the store) loses no packet of an instance's
  ongoing traffic through its floating IP.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from typing import Any

import pytest

from novanet.db import api as db
from novanet.context import RequestContext
from tests.fixtures.netns import Namespace
from tests.fixtures.topology import Site
from tests.fixtures.traffic import ping
from tests.fixtures.wait import wait_until
from tests.functional.e2e.conftest import HostDaemons, iptables_save, manage

pytestmark = [pytest.mark.root, pytest.mark.services, pytest.mark.slow]

USER = RequestContext(user_id="u1", project_id="p1", roles=["member"])

FOREIGN = {
    "filter": ["-N other-tool", "-A other-tool -s 192.0.2.0/24 -j DROP", "-A INPUT -p tcp --dport 2222 -j ACCEPT",
               "-A FORWARD -j other-tool", "-A OUTPUT -d 198.51.100.7/32 -j REJECT"],
    "nat": ["-N other-nat", "-A other-nat -d 203.0.113.9/32 -j DNAT --to-destination 10.255.0.9",
            "-A PREROUTING -j other-nat", "-A POSTROUTING -s 10.254.0.0/16 -j MASQUERADE"],
}


def foreign_lines(ns: Namespace) -> dict[str, list[str]]:
    """Every rule and chain declaration of the tables that is not novanet's."""
    return {table: [line.split("] ", 1)[-1] if line.startswith("[") else line
                    for line in iptables_save(ns, table).splitlines()
                    if line.startswith(("-A", ":")) and "novanet" not in line]
            for table in FOREIGN}


def boot(api: Any, site: Site, bridge: str) -> tuple[Namespace, str]:
    info = api.allocate_for_instance(USER, str(uuid.uuid4()), project_id="p1", host="net-a")
    (vif,) = info
    ns = site.instance(bridge, vif.address)
    site.dhclient(ns)
    return ns, vif.fixed_ips()[0].address


def test_other_tools_rules_survive_applies_and_restart(host_daemons: HostDaemons, site_factory: Any) -> None:
    site = site_factory()
    for table, rules in FOREIGN.items():
        for rule in rules:
            site.host.run(["iptables", "-t", table, *rule.split()])
    manage("network", "create", "--label", "web", "--fixed_range_v4", "10.50.0.0/24", "--bridge", "br-co")
    manage("floating", "create", "--ip_range", "172.24.4.64/28", "--interface", "pub0")
    daemon = host_daemons.start("net-a", site)
    api = host_daemons.api
    before = foreign_lines(site.host)
    assert all(before[t] for t in FOREIGN)
    _, address = boot(api, site, "br-co")
    floating = api.allocate_floating_ip(USER, "p1")
    for _ in range(50):  # each association and disassociation is one apply
        api.associate_floating_ip(USER, floating, address)
        api.disassociate_floating_ip(USER, floating)
    assert foreign_lines(site.host) == before
    host_daemons.restart(daemon)
    assert foreign_lines(site.host) == before
    # ...and novanet's own rules are back exactly once.
    nat = iptables_save(site.host, "nat")
    assert nat.count("-A PREROUTING -j novanet-network-PREROUTING") == 1
    assert nat.count("-A POSTROUTING -j novanet-network-POSTROUTING") == 1


def test_restart_with_a_thousand_floating_ips_keeps_traffic_flowing(host_daemons: HostDaemons,
                                                                    site_factory: Any) -> None:
    site = site_factory()
    manage("network", "create", "--label", "big", "--fixed_range_v4", "10.60.0.0/20", "--network_size", "4096",
           "--bridge", "br-big")
    manage("floating", "create", "--ip_range", "172.24.8.0/22", "--interface", "pub0")
    daemon = host_daemons.start("net-a", site)
    api = host_daemons.api
    ns, address = boot(api, site, "br-big")
    floating = api.allocate_floating_ip(USER, "p1")
    api.associate_floating_ip(USER, floating, address)
    # 999 more associated floating IPs of other instances, written as facts
    # (what a busy host would hold), plumbed by the next start.
    network = db.network_get_by_cidr("10.60.0.0/20")
    for _ in range(999):
        fixed = _allocate(network.id)
        other = db.floating_ip_allocate_address("p1", "nova", auto_assigned=True)
        db.floating_ip_fixed_ip_associate(other.address, fixed, "net-a", None)
    seconds = host_daemons.restart(daemon)
    sys.stderr.write(f"restart that plumbed 999 more floating IPs: {seconds:.1f} s\n")
    assert len(db.floating_ip_forwards_for_host("net-a")) == 1000
    # Outside -> floating -> instance, continuously, across a restart.
    site.outside.run(["ip", "route", "replace", "172.24.8.0/22", "dev", "out0"])
    assert wait_until(lambda: ping(site.outside.name, floating), timeout=10)
    results: list[bool] = []
    stop = threading.Event()

    def pinger() -> None:
        while not stop.is_set():
            results.append(ping(site.outside.name, floating, timeout=0.5))
            time.sleep(0.02)

    thread = threading.Thread(target=pinger)
    thread.start()
    try:
        time.sleep(0.5)
        seconds = host_daemons.restart(daemon)
        sys.stderr.write(f"restart with 1,000 floating IPs in place: {seconds:.1f} s\n")
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    assert len(results) > 20 and all(results), f"{results.count(False)} of {len(results)} pings lost"


def _allocate(network_id: int) -> str:
    instance = str(uuid.uuid4())
    mac = "fa:16:3e:%02x:%02x:%02x" % tuple(uuid.uuid4().bytes[:3])
    return db.allocate_for_instance(network_id, instance, mac, str(uuid.uuid4()),
                                    instance={"project_id": "p1", "host": "net-a"}).address

