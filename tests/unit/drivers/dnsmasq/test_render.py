"""Every line and flag the dnsmasq driver renders."""

from __future__ import annotations

import dataclasses

import pytest
from oslo_config import cfg

from novanet import conf as novanet_conf
from novanet import exception
from novanet.drivers.base import DhcpHost, DhcpLease, NetworkSpec
from novanet.drivers.dnsmasq import paths, render
from novanet.drivers.dnsmasq.settings import DnsmasqSettings, settings_from_conf
from tests.unit.drivers.dnsmasq.facts import HOST, NET, ROOT, SETTINGS


def settings(**changes: object) -> DnsmasqSettings:
    return dataclasses.replace(SETTINGS, **changes)  # type: ignore[arg-type]


def net(**changes: object) -> NetworkSpec:
    return dataclasses.replace(NET, **changes)  # type: ignore[arg-type]


BASE_ARGV = (
    "dnsmasq",
    "--strict-order",
    "--bind-interfaces",
    "--interface=br100",
    "--except-interface=lo",
    "--listen-address=10.0.0.1",
    "--conf-file=",
    f"--pid-file={ROOT}/novanet-br100.pid",
    f"--dhcp-optsfile={ROOT}/novanet-br100.opts",
    f"--dhcp-hostsfile={ROOT}/novanet-br100.dhcphosts",
    f"--dhcp-hostsdir={ROOT}/novanet-br100.hostsdir",
    "--dhcp-range=set:net3,10.0.0.3,static,255.255.255.0,86400s",
    "--dhcp-lease-max=256",
    "--dhcp-script=/usr/local/bin/novanet-dhcpbridge",
    "--leasefile-ro",
    "--no-hosts",
    "--domain=novalocal",
)


# -- argv -----------------------------------------------------------------------------


def test_argv_of_a_plain_network() -> None:
    assert render.render_argv(NET, SETTINGS) == BASE_ARGV


def test_argv_without_domain_has_no_domain_flag() -> None:
    argv = render.render_argv(NET, settings(dhcp_domain=""))
    assert argv == tuple(a for a in BASE_ARGV if not a.startswith("--domain"))


def test_argv_with_dns_servers_stops_reading_resolv_conf() -> None:
    argv = render.render_argv(NET, settings(dns_servers=("192.0.2.53", "2001:db8::53")))
    assert argv[len(BASE_ARGV):] == ("--no-resolv", "--server=192.0.2.53", "--server=2001:db8::53")


def test_argv_adds_network_dns_servers_without_touching_the_option() -> None:
    chosen = settings(dns_servers=("192.0.2.53", "1.1.1.1"), use_network_dns_servers=True)
    first = render.render_argv(NET, chosen)
    second = render.render_argv(NET, chosen)
    assert first == second  # nova bug: servers accumulated across restarts
    assert first[len(BASE_ARGV):] == ("--no-resolv", "--server=192.0.2.53", "--server=1.1.1.1",
                                      "--server=8.8.4.4")
    assert chosen.dns_servers == ("192.0.2.53", "1.1.1.1")


def test_network_dns_servers_are_ignored_unless_enabled() -> None:
    assert render.dns_servers(NET, SETTINGS) == ()


def test_conf_dns_server_list_is_never_mutated() -> None:
    conf = cfg.ConfigOpts()
    for module in novanet_conf.MODULES:
        module.register_opts(conf)
    conf([], default_config_files=[])
    conf.set_override("dns_server", ["192.0.2.53"])
    conf.set_override("use_network_dns_servers", True)
    for _ in range(3):
        render.render_argv(NET, settings_from_conf(conf))
    assert conf.dns_server == ["192.0.2.53"]


def test_bad_dns_server_is_a_config_error() -> None:
    with pytest.raises(exception.InvalidConfig, match="8.8.8.8#53"):
        render.render_argv(NET, settings(dns_servers=("8.8.8.8#53",)))


def test_multi_host_serves_dns_names_from_a_hosts_dir() -> None:
    argv = render.render_argv(net(multi_host=True), SETTINGS)
    assert argv[len(BASE_ARGV):] == (f"--hostsdir={ROOT}/novanet-br100.dnsdir",)


def test_lease_max_is_the_network_size() -> None:
    argv = render.render_argv(net(cidr="10.0.0.0/16", netmask="255.255.0.0"), SETTINGS)
    assert "--dhcp-lease-max=65536" in argv
    assert "--dhcp-range=set:net3,10.0.0.3,static,255.255.0.0,86400s" in argv


def test_range_start_and_mask_default_from_the_cidr() -> None:
    argv = render.render_argv(net(dhcp_start=None, netmask=None, cidr="10.0.0.0/25"), SETTINGS)
    assert "--dhcp-range=set:net3,10.0.0.0,static,255.255.255.128,86400s" in argv


def test_ipv6_network_gets_router_advertisements() -> None:
    argv = render.render_argv(net(cidr_v6="fd00:1::/64", gateway_v6="fd00:1::1", mtu=1450),
                              settings(use_ipv6=True))
    index = BASE_ARGV.index("--dhcp-lease-max=256")
    assert argv[index:index + 3] == ("--dhcp-range=set:net3-v6,fd00:1::,ra-only,64,86400s", "--enable-ra",
                                     "--ra-param=br100,mtu:1450,10")


def test_ipv6_range_needs_use_ipv6() -> None:
    assert render.render_argv(net(cidr_v6="fd00:1::/64"), SETTINGS) == BASE_ARGV


def test_config_file_binary_and_logging() -> None:
    argv = render.render_argv(NET, settings(config_file="/etc/novanet/dnsmasq.conf", binary="/opt/dnsmasq",
                                            log_dir="/var/log/novanet", log_dhcp=True))
    assert argv[0] == "/opt/dnsmasq"
    assert "--conf-file=/etc/novanet/dnsmasq.conf" in argv
    assert argv[-2:] == ("--log-facility=/var/log/novanet/novanet-br100.log", "--log-dhcp")


def test_env_carries_the_dhcpbridge_contract() -> None:
    env = render.render_env(NET, settings(dhcpbridge_flagfile=("/etc/a.conf", "/etc/b.conf")))
    assert env == {"CONFIG_FILE": '["/etc/a.conf", "/etc/b.conf"]', "NETWORK_ID": "3"}


@pytest.mark.parametrize(("changes", "error", "match"), [
    ({"cidr": None}, exception.InvalidInput, "no IPv4 cidr"),
    ({"cidr": "fd00::/64"}, exception.InvalidCidr, "fd00::/64"),
    ({"cidr": "10.0.0.0/33"}, exception.InvalidCidr, "10.0.0.0/33"),
    ({"dhcp_server": None}, exception.InvalidInput, "dhcp_server"),
    ({"dhcp_server": "10.0.1.1"}, exception.AddressOutOfRange, "10.0.1.1 is not within 10.0.0.0/24"),
    ({"dhcp_start": "10.9.0.3"}, exception.AddressOutOfRange, "10.9.0.3"),
    ({"bridge": "a-bridge-name-too-long"}, exception.InvalidInput, "1-15"),
    ({"bridge": "br/0"}, exception.InvalidInput, "bridge name"),
])
def test_bad_network_facts_are_rejected(changes: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        render.render_argv(net(**changes), SETTINGS)


@pytest.mark.parametrize(("changes", "match"), [
    ({"networks_path": "relative/path"}, "absolute"),
    ({"dhcpbridge": ""}, "dhcp-script"),
    ({"dhcp_lease_time": 60}, "minimum of 120s"),
    ({"dhcp_domain": "bad domain"}, "not a valid DNS domain"),
])
def test_bad_settings_are_config_errors(changes: dict[str, object], match: str) -> None:
    with pytest.raises(exception.InvalidConfig, match=match):
        render.render_argv(NET, settings(**changes))


# -- opts ---------------------------------------------------------------------------


def test_opts_route_through_the_gateway() -> None:
    assert render.render_opts(NET, SETTINGS) == "option:router,10.0.0.1\n"


def test_opts_use_the_external_gateway() -> None:
    assert render.render_opts(net(gateway="10.0.0.254"), SETTINGS) == "option:router,10.0.0.254\n"


def test_multi_host_routes_through_this_hosts_address() -> None:
    multi = net(multi_host=True, dhcp_server="10.0.0.7")
    assert render.render_opts(multi, SETTINGS) == "option:router,10.0.0.7\n"
    assert render.render_opts(dataclasses.replace(multi, share_address=True), SETTINGS) == "option:router,10.0.0.1\n"
    assert render.render_opts(multi, settings(share_dhcp_address=True)) == "option:router,10.0.0.1\n"


def test_single_default_gateway_opts() -> None:
    assert render.render_opts(NET, settings(use_single_default_gateway=True)) == (
        "tag:!novanet-nogw,option:router,10.0.0.1\n"
        "tag:novanet-nogw,option:router\n")


def test_no_gateway_sends_an_empty_router_option() -> None:
    assert render.render_opts(net(gateway=None), SETTINGS) == "option:router\n"


def test_mtu_option() -> None:
    assert render.render_opts(net(mtu=1450), SETTINGS) == "option:router,10.0.0.1\noption:mtu,1450\n"
    with pytest.raises(exception.InvalidInput, match="MTU 20"):
        render.render_opts(net(mtu=20), SETTINGS)


# -- host entries ----------------------------------------------------------------------


def test_host_entry_line_and_file_name() -> None:
    entry = render.render_host_entry(NET, HOST, SETTINGS)
    assert entry.text == "fa:16:3e:00:00:01,server-1.novalocal,10.0.0.5\n"
    assert entry.name == "fa163e000001"
    assert entry.address == "10.0.0.5" and not entry.is_tombstone
    assert paths.network_files(SETTINGS, "br100").host_file(HOST.mac) == f"{ROOT}/novanet-br100.hostsdir/fa163e000001"


def test_host_entry_without_domain_or_hostname() -> None:
    assert render.render_host_entry(NET, HOST, settings(dhcp_domain="")).text == "fa:16:3e:00:00:01,server-1,10.0.0.5\n"
    nameless = dataclasses.replace(HOST, hostname="")
    assert render.render_host_entry(NET, nameless, SETTINGS).text == "fa:16:3e:00:00:01,10.0.0.5\n"


def test_non_first_vif_gets_the_no_gateway_tag_only_when_enabled() -> None:
    second = dataclasses.replace(HOST, default_route=False)
    assert render.render_host_entry(NET, second, SETTINGS).text == "fa:16:3e:00:00:01,server-1.novalocal,10.0.0.5\n"
    assert render.render_host_entry(NET, second, settings(use_single_default_gateway=True)).text == (
        "fa:16:3e:00:00:01,server-1.novalocal,10.0.0.5,set:novanet-nogw\n")
    assert render.render_host_entry(NET, HOST, settings(use_single_default_gateway=True)).text == (
        "fa:16:3e:00:00:01,server-1.novalocal,10.0.0.5\n")


def test_long_hostnames_keep_two_first_and_sixty_last_characters() -> None:
    name = "ab" + "x" * 70 + "-" + "y" * 59
    entry = render.render_host_entry(NET, dataclasses.replace(HOST, hostname=name), SETTINGS)
    label = entry.text.split(",")[1].split(".")[0]
    assert label == "ab-" + ("x" + "-" + "y" * 59)[-60:]
    assert len(label) == 63
    assert render.shorten_hostname("h" * 63) == "h" * 63


@pytest.mark.parametrize("hostname", ["has space", "comma,name", "new\nline", "-lead", "trail-", "under_score",
                                      "dot.ted", "#hash"])
def test_hostnames_that_would_break_the_file_are_rejected(hostname: str) -> None:
    with pytest.raises(exception.InvalidInput, match="DNS label"):
        render.render_host_entry(NET, dataclasses.replace(HOST, hostname=hostname), SETTINGS)


@pytest.mark.parametrize("mac", ["fa:16:3e:00:00", "fa:16:3e:00:00:01:02", "fa-16-3e-00-00-01", "zz:16:3e:00:00:01",
                                 "fa:16:3e:00:00:01,ignore", ""])
def test_bad_macs_are_rejected(mac: str) -> None:
    with pytest.raises(exception.InvalidInput, match="MAC address"):
        render.render_host_entry(NET, dataclasses.replace(HOST, mac=mac), SETTINGS)


def test_addresses_must_be_ipv4_inside_the_network() -> None:
    with pytest.raises(exception.AddressOutOfRange):
        render.render_host_entry(NET, dataclasses.replace(HOST, address="10.0.1.5"), SETTINGS)
    with pytest.raises(exception.InvalidInput, match="not an IPv4 address"):
        render.render_host_entry(NET, dataclasses.replace(HOST, address="10.0.0.5,ignore"), SETTINGS)


def test_host_entries_keep_the_first_address_of_a_mac_and_refuse_shared_addresses() -> None:
    second_ip = dataclasses.replace(HOST, address="10.0.0.6")
    entries = render.render_host_entries(NET, [HOST, second_ip], SETTINGS)
    assert [e.address for e in entries.values()] == ["10.0.0.5"]
    other_mac = dataclasses.replace(HOST, mac="fa:16:3e:00:00:02")
    with pytest.raises(exception.InvalidInput, match="10.0.0.5 is given to both"):
        render.render_host_entries(NET, [HOST, other_mac], SETTINGS)


def test_tombstone_and_parse_round_trip() -> None:
    entry = render.render_host_entry(NET, HOST, settings(use_single_default_gateway=True))
    assert render.parse_host_entry(entry.name, entry.text) == entry
    tomb = render.render_tombstone(HOST.mac)
    assert tomb.text == "fa:16:3e:00:00:01,ignore\n" and tomb.is_tombstone
    assert render.parse_host_entry(tomb.name, tomb.text) == tomb
    assert render.parse_host_entry("other", entry.text) is None
    assert render.parse_host_entry(entry.name, "junk\n") is None
    assert render.parse_host_entry(entry.name, entry.text + entry.text) is None


# -- DNS, leases, names ---------------------------------------------------------------


def test_dns_hosts_lines() -> None:
    hosts = [HOST, DhcpHost(mac="fa:16:3e:00:00:02", address="10.0.0.6", hostname="server-2", vif_uuid="v2"),
             DhcpHost(mac="fa:16:3e:00:00:03", address="10.0.0.7", hostname="", vif_uuid="v3")]
    assert render.render_dns_hosts(NET, hosts, SETTINGS) == (
        "10.0.0.5\tserver-1.novalocal\n10.0.0.6\tserver-2.novalocal\n")


def test_lease_lines_in_init_format() -> None:
    leases = [DhcpLease(expiry=1700000000, mac="FA:16:3E:00:00:01", address="10.0.0.5", hostname="server-1"),
              DhcpLease(expiry=1700000001, mac="fa:16:3e:00:00:02", address="10.0.0.6", hostname=None),
              DhcpLease(expiry=1700000002, mac="fa:16:3e:00:00:03", address="10.0.0.7", hostname="bad name"),
              DhcpLease(expiry=1700000003, mac="not-a-mac", address="10.0.0.8", hostname="x")]
    assert render.render_leases(leases) == (
        "1700000000 fa:16:3e:00:00:01 10.0.0.5 server-1 *\n"
        "1700000001 fa:16:3e:00:00:02 10.0.0.6 * *\n"
        "1700000002 fa:16:3e:00:00:03 10.0.0.7 * *\n")
    assert render.render_leases([]) == ""
