"""Network manager, allocation, floating IP, DNS and quota options ([DEFAULT]).

Names and defaults are nova-network's (Newton) where an option existed there;
``network_manager`` takes a stevedore entry point name instead of a class path.
"""

from __future__ import annotations

from oslo_config import cfg

MANAGER_OPTS = [
    cfg.StrOpt(
        "network_manager",
        default="flatdhcp",
        choices=[
            ("flat", "FlatManager: no DHCP, operator-made bridge, optional injection"),
            ("flatdhcp", "FlatDHCPManager: one bridge, dnsmasq, NAT and floating IPs"),
            ("vlan", "VlanManager: a network (VLAN or VXLAN segment) per project"),
        ],
        help="Network manager, by entry point name in novanet.network_managers.",
    ),
    cfg.BoolOpt(
        "multi_host",
        default=False,
        help="Default for new networks: every compute host runs novanet-network "
        "and is the gateway, DHCP server and NAT point of its own instances. "
        "In NetworkAPI it also routes allocate/deallocate to the instance's host.",
    ),
    cfg.StrOpt("flat_network_bridge", help="Default bridge for new flat networks."),
    cfg.StrOpt(
        "flat_network_dns",
        default="8.8.4.4",
        help="Default dns1 of new networks.",
    ),
    cfg.BoolOpt(
        "flat_injected",
        default=False,
        help="FlatManager: mark networks 'injected' so their configuration is "
        "written into the guest (interfaces file, config drive).",
    ),
    cfg.StrOpt(
        "flat_interface",
        help="Uplink of flat bridges; overrides a network's bridge_interface.",
    ),
    cfg.IntOpt(
        "vlan_start",
        default=100,
        min=1,
        max=4094,
        help="First VLAN number for VLAN networks.",
    ),
    cfg.StrOpt(
        "vlan_interface",
        help="VLAN trunk uplink; overrides a network's bridge_interface.",
    ),
    cfg.IntOpt("num_networks", default=1, min=1, help="Default number of networks to create."),
    cfg.IntOpt(
        "network_size",
        default=256,
        min=4,
        help="Default (and, when none is given, largest) number of addresses per network.",
    ),
    cfg.StrOpt("vpn_ip", default="$my_ip", help="Public address of the per-project VPN (cloudpipe)."),
    cfg.IntOpt("vpn_start", default=1000, min=1, max=65535, help="First public VPN UDP port."),
    cfg.IntOpt(
        "cnt_vpn_clients",
        default=0,
        min=0,
        help="Addresses reserved at the top of each VLAN network for VPN clients.",
    ),
    cfg.StrOpt("fixed_range_v6", default="fd00::/48", help="Legacy default IPv6 range."),
    cfg.StrOpt("gateway", help="Legacy default IPv4 gateway for new networks."),
    cfg.StrOpt("gateway_v6", help="Legacy default IPv6 gateway for new networks."),
    cfg.BoolOpt("use_ipv6", default=False, help="Give instances IPv6 addresses and advertise routes."),
    cfg.StrOpt(
        "ipv6_backend",
        default="rfc2462",
        choices=["rfc2462", "account_identifier"],
        help="How an instance's IPv6 address derives from its MAC.",
    ),
    cfg.IntOpt(
        "fixed_ip_disassociate_timeout",
        default=600,
        min=0,
        help="Seconds after deallocation before a fixed IP whose lease cannot "
        "come back any more is disassociated and may be reused.",
    ),
    cfg.IntOpt(
        "create_unique_mac_address_attempts",
        default=5,
        min=1,
        help="Attempts to generate a MAC address not used by another interface.",
    ),
    cfg.BoolOpt(
        "teardown_unused_network_gateway",
        default=False,
        help="VlanManager with multi_host: remove a network's bridge, segment "
        "and dnsmasq from a host when its last instance there goes.",
    ),
    cfg.BoolOpt(
        "force_dhcp_release",
        default=True,
        help="End the lease with dhcp_release when an address is deallocated.",
    ),
    cfg.BoolOpt(
        "share_dhcp_address",
        default=False,
        help="multi_host: every host uses the same DHCP/gateway address.",
    ),
    cfg.BoolOpt(
        "fake_network",
        default=False,
        help="Do not touch the host (record host operations only); for tests.",
    ),
    cfg.StrOpt(
        "network_driver",
        default="linux_net",
        help="Host driver, by entry point name in novanet.network_drivers.",
    ),
]

FLOATING_OPTS = [
    cfg.StrOpt("default_floating_pool", default="nova", help="Default floating IP pool."),
    cfg.BoolOpt(
        "auto_assign_floating_ip",
        default=False,
        help="Allocate and associate a floating IP for every new instance.",
    ),
    cfg.StrOpt(
        "floating_ip_dns_manager",
        default="noop",
        help="DNS driver for floating IP entries, by entry point name in novanet.dns_drivers.",
    ),
    cfg.StrOpt(
        "instance_dns_manager",
        default="noop",
        help="DNS driver for automatic instance entries, by entry point name in novanet.dns_drivers.",
    ),
    cfg.StrOpt("instance_dns_domain", default="", help="Domain of automatic instance DNS entries."),
    cfg.BoolOpt(
        "update_dns_entries",
        default=False,
        help="multi_host: refresh every host's DNS hosts file on allocation.",
    ),
    cfg.IntOpt(
        "dns_update_periodic_interval",
        default=-1,
        help="Seconds between periodic DNS hosts file refreshes; negative disables.",
    ),
    cfg.StrOpt("dhcp_domain", default="novalocal", help="Domain of instance host names in DHCP and DNS."),
]

QUOTA_OPTS = [
    cfg.IntOpt("quota_fixed_ips", default=-1, min=-1, help="Fixed IPs per project (-1: unlimited)."),
    cfg.IntOpt("quota_floating_ips", default=10, min=-1, help="Floating IPs per project (-1: unlimited)."),
    cfg.IntOpt("quota_networks", default=3, min=-1, help="Networks per project created through the API."),
    cfg.BoolOpt("enable_network_quota", default=False, help="Enforce quota_networks."),
]

ALL_OPTS = MANAGER_OPTS + FLOATING_OPTS + QUOTA_OPTS


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(ALL_OPTS)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", ALL_OPTS)]
