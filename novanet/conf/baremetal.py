"""Baremetal nodes and their network providers ([baremetal])."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "baremetal"

PROVIDER_NAMES = ("none", "flat", "isolated")

OPTS = [
    cfg.StrOpt(
        "default_network_provider",
        default="none",
        help="Network provider of a node whose own network_provider is unset. It is resolved each time "
        "a node is switched; a node that is on a network (phase other than none or idle) keeps "
        "the provider that put it there: switching it under another one fails with ProviderChanged. "
        "'none' changes nothing on the host (the node stays wherever it is cabled), 'flat' uses the "
        "node's tenant network for provisioning too, 'isolated' keeps provisioning, cleaning and "
        "rescue on separate admin-only networks.",
    ),
    cfg.ListOpt(
        "enabled_network_providers",
        default=list(PROVIDER_NAMES),
        help="Network providers nodes may use, by entry point name in novanet.baremetal.network_providers.",
    ),
    cfg.StrOpt(
        "provisioning_network",
        default="",
        help="The network nodes deploy on (uuid or unique label). A node's driver_info may override it.",
    ),
    cfg.StrOpt(
        "cleaning_network",
        default="",
        help="The network nodes are cleaned on (uuid or unique label). A node's driver_info may override it.",
    ),
    cfg.StrOpt(
        "rescuing_network",
        default="",
        help="The network a rescue ramdisk runs on (uuid or unique label; isolated provider). A node's "
        "driver_info may override it.",
    ),
    cfg.StrOpt(
        "switch_driver",
        default="linux_bridge",
        help="How a node's switch port is moved between networks, by entry point name in "
        "novanet.baremetal.switch_drivers. 'linux_bridge': a switch port is a host interface (in "
        "[linux_net] namespace when set) enslaved to the bridge of the network it is on, and set "
        "down without a master when it is on none.",
    ),
    cfg.IPOpt(
        "tftp_server",
        version=4,
        help="TFTP server PXE-booting nodes are sent to (DHCP options 66 and next-server). Empty: the "
        "network host's own address on the node's network.",
    ),
    cfg.StrOpt(
        "pxe_bootfile",
        default="pxelinux.0",
        help="Boot file PXE-booting nodes are given (DHCP option 67). Empty: no PXE options at all.",
    ),
    cfg.BoolOpt(
        "require_power_off_for_switch",
        default=True,
        help="Refuse to move a node reported powered on between networks (a running ramdisk or instance "
        "would keep its old address). The conductor may pass allow_powered_on for one call.",
    ),
    cfg.ListOpt(
        "conductor_ports",
        item_type=cfg.types.Port(),
        default=[6385, 9999, 8080],
        help="TCP ports of this host that nodes on the provisioning, cleaning and rescuing networks may "
        "reach, besides DHCP, TFTP and DNS (the conductor API, the ramdisk agent callbacks, the image "
        "server). Nothing else is accepted from those networks, and nothing is forwarded.",
    ),
    cfg.IntOpt(
        "node_lock_retry_attempts",
        default=3,
        min=1,
        help="Attempts to take a node's lock before NodeLocked.",
    ),
    cfg.FloatOpt(
        "node_lock_retry_interval",
        default=1.0,
        min=0,
        help="Seconds between attempts to take a node's lock.",
    ),
    cfg.IntOpt(
        "node_lock_timeout",
        default=600,
        min=10,
        help="A node lock older than this many seconds was left by a process that died, and is taken over.",
    ),
    cfg.StrOpt(
        "network_host",
        default="",
        help="The network host that owns the nodes' switch ports; the baremetal RPC client "
        "(novanet-manage baremetal, conductors) sends to it. Empty: any host on the network topic.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, OPTS)]
