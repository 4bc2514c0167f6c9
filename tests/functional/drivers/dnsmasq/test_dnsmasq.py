"""dnsmasq serving real DHCP clients in namespaces, driven by DnsmasqSupervisor."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time

import pytest

from novanet import exception
from novanet.drivers.base import DhcpLease
from novanet.drivers.dnsmasq import DnsmasqSupervisor, ProcessState, render_leases
from novanet.drivers.dnsmasq.privileged import read_process
from novanet.drivers.dnsmasq.paths import host_file_name
from tests.fixtures.wait import wait_until
from tests.functional.drivers.dnsmasq import dhcpprobe
from tests.functional.drivers.dnsmasq.conftest import (
    SERVER,
    DhcpLab,
    add_bridge,
    host,
    make_network,
)

pytestmark = [pytest.mark.root]


def offered(lab: DhcpLab, ifname: str, mac: str) -> str | None:
    reply = dhcpprobe.discover(lab.inst.name, ifname, mac, timeout=0.5)
    return reply.yiaddr if reply is not None and reply.message_type == dhcpprobe.OFFER else None


def wait_offer(lab: DhcpLab, ifname: str, mac: str, address: str) -> None:
    wait_until(lambda: offered(lab, ifname, mac) == address, timeout=10,
               message=f"{address} never offered to {mac}")


def current_pid(supervisor: DnsmasqSupervisor, network: object) -> int:
    status = supervisor.status(network)  # type: ignore[arg-type]
    assert status.state is ProcessState.CURRENT, status
    assert status.pid is not None
    return status.pid


def test_dhclient_gets_its_entry_renews_and_script_sees_add(dhcp_lab: DhcpLab) -> None:
    net = make_network()
    h1 = host(1)
    ifname = dhcp_lab.plug(h1.mac)
    dhcp_lab.supervisor(net).ensure_network(net, [h1])

    client = dhcp_lab.dhclient(ifname)

    assert f"BOUND {h1.address} {SERVER}" in client.lines()
    assert f"inet {h1.address}/24" in dhcp_lab.inst.run(["ip", "-4", "addr", "show", "dev", ifname]).stdout
    wait_until(lambda: dhcp_lab.has_event("add", h1.mac, h1.address), timeout=5)
    add = next(line for line in dhcp_lab.script_events() if line.startswith("add "))
    assert add.endswith('NETWORK_ID=7 CONFIG_FILE=["/etc/novanet/test.conf"]')
    # A renewal is a unicast DHCPREQUEST to the server: answered (--interface).
    wait_until(lambda: any(line.startswith(f"RENEW {h1.address}") for line in client.lines()), timeout=10)


def test_host_added_while_running_is_served_by_the_same_process(dhcp_lab: DhcpLab) -> None:
    net = make_network()
    supervisor = dhcp_lab.supervisor(net)
    supervisor.ensure_network(net, [host(1)])
    pid = current_pid(supervisor, net)
    h2 = host(2)
    ifname = dhcp_lab.plug(h2.mac)
    assert offered(dhcp_lab, ifname, h2.mac) is None  # static range: unknown MACs get nothing

    supervisor.add_host(net, h2)

    wait_offer(dhcp_lab, ifname, h2.mac, h2.address)
    assert current_pid(supervisor, net) == pid
    for path in (os.path.join(supervisor.paths(net).hostsdir, host_file_name(h2.mac)), supervisor.paths(net).hostsfile):
        assert os.stat(path).st_mode & 0o777 == 0o644


def test_removed_host_is_released_refused_and_not_offered(dhcp_lab: DhcpLab) -> None:
    net = make_network()
    supervisor = dhcp_lab.supervisor(net)
    h1 = host(1)
    ifname = dhcp_lab.plug(h1.mac)
    supervisor.ensure_network(net, [h1])
    client = dhcp_lab.dhclient(ifname)
    wait_until(lambda: dhcp_lab.has_event("add", h1.mac, h1.address), timeout=5)
    os.kill(client.pid, signal.SIGTERM)
    wait_until(lambda: read_process(client.pid) is None, timeout=5)
    before = dhcpprobe.renew(dhcp_lab.inst.name, ifname, h1.mac, h1.address, SERVER)
    assert before is not None and before.message_type == dhcpprobe.ACK

    supervisor.remove_host(net, h1)

    wait_until(lambda: dhcp_lab.has_event("del", h1.mac, h1.address), timeout=5)
    after = dhcpprobe.renew(dhcp_lab.inst.name, ifname, h1.mac, h1.address, SERVER)
    assert after is None or after.message_type != dhcpprobe.ACK
    assert offered(dhcp_lab, ifname, h1.mac) is None


def test_address_of_a_removed_host_serves_its_next_owner(dhcp_lab: DhcpLab) -> None:
    net = make_network()
    supervisor = dhcp_lab.supervisor(net)
    h1 = host(1)
    h2 = host(2, address=h1.address)
    if1, if2 = dhcp_lab.plug(h1.mac), dhcp_lab.plug(h2.mac)
    supervisor.ensure_network(net, [h1])
    pid = current_pid(supervisor, net)
    wait_offer(dhcp_lab, if1, h1.mac, h1.address)

    supervisor.remove_host(net, h1)
    supervisor.add_host(net, h2)

    wait_offer(dhcp_lab, if2, h2.mac, h1.address)
    assert offered(dhcp_lab, if1, h1.mac) is None
    assert current_pid(supervisor, net) == pid  # a SIGHUP, not a restart
    assert supervisor.hosts_dir(net).is_clean()


def test_dead_dnsmasq_is_restarted(dhcp_lab: DhcpLab) -> None:
    net = make_network()
    supervisor = dhcp_lab.supervisor(net)
    h1 = host(1)
    ifname = dhcp_lab.plug(h1.mac)
    supervisor.ensure_network(net, [h1])
    pid = current_pid(supervisor, net)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not supervisor.is_running(net), timeout=5)

    supervisor.ensure_network(net, [h1])

    assert current_pid(supervisor, net) != pid
    wait_offer(dhcp_lab, ifname, h1.mac, h1.address)


def test_a_stale_pid_is_never_signalled(dhcp_lab: DhcpLab) -> None:
    net = make_network()
    supervisor = dhcp_lab.supervisor(net)
    paths = supervisor.paths(net)
    os.makedirs(paths.hostsdir)
    bystander = dhcp_lab.host.popen(["sleep", "60"])
    with open(paths.pid, "w", encoding="utf-8") as handle:
        handle.write(f"{bystander.pid}\n")
    assert not supervisor.is_running(net)

    supervisor.ensure_network(net, [host(1)])
    pid = current_pid(supervisor, net)
    assert pid != bystander.pid
    with open(paths.pid, "w", encoding="utf-8") as handle:
        handle.write(f"{bystander.pid}\n")
    supervisor.remove_network(net)

    assert bystander.poll() is None, "an unrelated process was signalled"
    assert os.path.exists(f"/proc/{pid}")  # our dnsmasq was not found either, so it still runs
    os.kill(pid, signal.SIGTERM)


def test_changed_flags_restart_dnsmasq(dhcp_lab: DhcpLab) -> None:
    net = make_network()
    h1 = host(1)
    ifname = dhcp_lab.plug(h1.mac)
    first = dhcp_lab.supervisor(net)
    first.ensure_network(net, [h1])
    old_pid = current_pid(first, net)
    second = dhcp_lab.supervisor(net, dhcp_lease_time=600)
    assert second.status(net).state is ProcessState.OUTDATED

    second.ensure_network(net, [h1])

    assert current_pid(second, net) != old_pid
    wait_until(lambda: read_process(old_pid) is None, timeout=5)
    reply = dhcpprobe.discover(dhcp_lab.inst.name, ifname, h1.mac)
    assert reply is not None and int.from_bytes(reply.options[51], "big") == 600


def test_single_default_gateway_gives_a_route_to_first_vifs_only(dhcp_lab: DhcpLab) -> None:
    net = make_network(gateway="10.77.0.254")
    first, other = host(1), host(2, default_route=False)
    if1, if2 = dhcp_lab.plug(first.mac), dhcp_lab.plug(other.mac)
    dhcp_lab.supervisor(net, use_single_default_gateway=True).ensure_network(net, [first, other])

    one = dhcpprobe.discover(dhcp_lab.inst.name, if1, first.mac)
    two = dhcpprobe.discover(dhcp_lab.inst.name, if2, other.mac)

    assert one is not None and one.routers == ["10.77.0.254"]
    assert two is not None and two.yiaddr == other.address and not two.routers


def test_ipv6_network_gets_router_advertisements(dhcp_lab: DhcpLab) -> None:
    dhcp_lab.host.run(["ip", "-6", "addr", "add", "fd00:77::1/64", "dev", "brdhcp", "nodad"])
    net = make_network(cidr_v6="fd00:77::/64", gateway_v6="fd00:77::1")
    h1 = host(1)
    ifname = dhcp_lab.plug(h1.mac)
    dhcp_lab.supervisor(net, use_ipv6=True).ensure_network(net, [h1])

    def slaac() -> bool:
        out = dhcp_lab.inst.run(["ip", "-6", "addr", "show", "dev", ifname, "scope", "global"]).stdout
        return "fd00:77::ff:fe00:1/64" in out

    wait_until(slaac, timeout=15, message="no SLAAC address from dnsmasq's router advertisement")
    routes = dhcp_lab.inst.run(["ip", "-6", "route", "show", "default"]).stdout
    assert f"dev {ifname}" in routes


def test_multi_host_dns_names_follow_update_dns_without_reload(dhcp_lab: DhcpLab) -> None:
    net = make_network(multi_host=True)
    supervisor = dhcp_lab.supervisor(net)
    h1, h2 = host(1), host(2)
    supervisor.ensure_network(net, [h1])
    pid = current_pid(supervisor, net)
    ifname = dhcp_lab.plug("02:00:00:00:00:99")
    dhcp_lab.inst.run(["ip", "addr", "add", "10.77.0.200/24", "dev", ifname])

    supervisor.update_dns(net, [h1, h2])
    wait_until(lambda: dhcpprobe.query_a(dhcp_lab.inst.name, SERVER, "vm2.novalocal") == [h2.address],
               timeout=5)
    supervisor.update_dns(net, [dataclasses.replace(h1, address="10.77.0.50")])

    wait_until(lambda: dhcpprobe.query_a(dhcp_lab.inst.name, SERVER, "vm1.novalocal") == ["10.77.0.50"],
               timeout=5)
    assert not dhcpprobe.query_a(dhcp_lab.inst.name, SERVER, "vm2.novalocal")
    assert current_pid(supervisor, net) == pid


def test_init_host_converges_and_a_second_run_changes_nothing(dhcp_lab: DhcpLab) -> None:
    add_bridge(dhcp_lab.host, "brdhcp2", "10.78.0.1/24")
    net1 = make_network()
    net2 = make_network(id=8, bridge="brdhcp2", cidr="10.78.0.0/24", gateway="10.78.0.1",
                        dhcp_server="10.78.0.1", dhcp_start="10.78.0.2")
    h1, h2, h3 = host(1), host(2), host(3, address="10.78.0.13")
    supervisor = dhcp_lab.supervisor(net1)
    dhcp_lab.supervisors.append((supervisor, net2))
    # Leftovers: a host no fact backs, and the files of a network that is gone.
    supervisor.ensure_network(net1, [h1, host(4)])
    root = dhcp_lab.settings.networks_path
    os.makedirs(os.path.join(root, "novanet-brgone.hostsdir"))
    with open(os.path.join(root, "novanet-brgone.pid"), "w", encoding="utf-8") as handle:
        handle.write("999999\n")
    with open(os.path.join(root, "unrelated.txt"), "w", encoding="utf-8") as handle:
        handle.write("not ours\n")
    if1, if3 = dhcp_lab.plug(h1.mac), dhcp_lab.plug(h3.mac, bridge="brdhcp2")
    if4 = dhcp_lab.plug(host(4).mac)
    state = [(net1, [h1, h2]), (net2, [h3])]

    supervisor.init_host(state)

    served = DnsmasqSupervisor(dhcp_lab.settings).hosts_dir(net1).live()
    assert sorted(served) == sorted(host_file_name(h.mac) for h in (h1, h2))
    assert os.listdir(supervisor.paths(net1).hostsdir) == []  # consolidated into the base file
    assert sorted(os.listdir(root)) == sorted(["unrelated.txt"] + [
        f"novanet-{br}.{s}" for br in ("brdhcp", "brdhcp2") for s in ("dhcphosts", "hostsdir", "opts", "pid")])
    wait_offer(dhcp_lab, if1, h1.mac, h1.address)
    wait_offer(dhcp_lab, if3, h3.mac, h3.address)
    assert offered(dhcp_lab, if4, host(4).mac) is None
    before = snapshot(root), current_pid(supervisor, net1), current_pid(supervisor, net2)

    supervisor.init_host(state)

    assert (snapshot(root), current_pid(supervisor, net1), current_pid(supervisor, net2)) == before


def snapshot(root: str) -> dict[str, tuple[int, int]]:
    found = {}
    for directory, _dirs, names in os.walk(root):
        for name in names:
            st = os.stat(os.path.join(directory, name))
            found[os.path.join(directory, name)] = (st.st_ino, st.st_mtime_ns)
    return found


def test_dnsmasq_that_cannot_start_raises_a_typed_error(dhcp_lab: DhcpLab) -> None:
    net = make_network(dhcp_server="10.77.0.99")  # not an address of the bridge
    supervisor = dhcp_lab.supervisor(net)

    with pytest.raises(exception.ProcessExecutionError, match="10.77.0.99"):
        supervisor.ensure_network(net, [host(1)])
    assert not supervisor.is_running(net)


def test_release_needs_the_device_and_reports_failure(dhcp_lab: DhcpLab) -> None:
    missing = make_network(bridge="brmissing")
    dhcp_lab.supervisor(missing).release(missing, "10.77.0.11", "02:00:00:00:00:01")  # nothing to release

    net = make_network()
    failing = dhcp_lab.supervisor(net, release_binary="/bin/false")
    with pytest.raises(exception.NetworkDhcpReleaseFailed):
        failing.release(net, "10.77.0.11", "02:00:00:00:00:01")


def test_dhcp_release_runs_inside_the_namespace(dhcp_lab: DhcpLab) -> None:
    # The bridge exists only in the lab's namespace; seen from ours it does not.
    assert subprocess.run(["ip", "link", "show", "brdhcp"], capture_output=True, check=False).returncode != 0
    net = make_network()
    supervisor = dhcp_lab.supervisor(net)
    h1 = host(1)
    ifname = dhcp_lab.plug(h1.mac)
    supervisor.ensure_network(net, [h1])
    dhcp_lab.dhclient(ifname)
    wait_until(lambda: dhcp_lab.has_event("add", h1.mac, h1.address), timeout=5)

    supervisor.release(net, h1.address, h1.mac)

    wait_until(lambda: dhcp_lab.has_event("del", h1.mac, h1.address), timeout=5)


def test_leases_rendered_for_init_are_loaded_by_dnsmasq(dhcp_lab: DhcpLab) -> None:
    net = make_network()
    h1 = host(1)
    with open(dhcp_lab.leases, "w", encoding="utf-8") as handle:
        handle.write(render_leases([DhcpLease(int(time.time()) + 3600, h1.mac, h1.address, h1.hostname)]))
    supervisor = dhcp_lab.supervisor(net)
    supervisor.ensure_network(net, [h1])

    # dnsmasq only reports the end of a lease it holds: this one came from init.
    supervisor.release(net, h1.address, h1.mac)

    wait_until(lambda: dhcp_lab.has_event("del", h1.mac, h1.address), timeout=5)
    assert not dhcp_lab.has_event("add", h1.mac, h1.address)


def test_tidy_folds_files_without_a_reload_and_removed_hosts_stay_refused(dhcp_lab: DhcpLab) -> None:
    net = make_network()
    supervisor = dhcp_lab.supervisor(net)
    h1, h2, h3 = host(1), host(2), host(3)
    if1, if2, if3 = dhcp_lab.plug(h1.mac), dhcp_lab.plug(h2.mac), dhcp_lab.plug(h3.mac)
    supervisor.ensure_network(net, [h1, h2])
    pid = current_pid(supervisor, net)
    supervisor.remove_host(net, h1, release=False)
    supervisor.add_host(net, h3)
    wait_offer(dhcp_lab, if3, h3.mac, h3.address)
    assert offered(dhcp_lab, if1, h1.mac) is None

    assert supervisor.tidy(net) is False  # below tidy_threshold: files folded, no SIGHUP

    assert os.listdir(supervisor.paths(net).hostsdir) == []
    assert offered(dhcp_lab, if1, h1.mac) is None
    assert offered(dhcp_lab, if2, h2.mac) == h2.address
    assert offered(dhcp_lab, if3, h3.mac) == h3.address
    assert current_pid(supervisor, net) == pid
