"""The configuration the dnsmasq driver renders from, as one frozen record.

:func:`settings_from_conf` copies every option the driver reads out of
``cfg.CONF`` once. Rendering then works on this immutable snapshot, so nothing
can append to a cached option list (NOTE(nova): ``restart_dhcp`` extended
``CONF.dns_server`` in place with each network's dns1/dns2, so upstream
servers accumulated across restarts; reference nova-network.md §9), and tests
build a :class:`DnsmasqSettings` directly without touching the global config.
"""

from __future__ import annotations

import dataclasses

from oslo_config import cfg


@dataclasses.dataclass(frozen=True)
class DnsmasqSettings:
    """Everything the dnsmasq driver takes from the configuration."""

    #: Directory of the per-network files (``networks_path``).
    networks_path: str
    #: The ``--dhcp-script`` (``dhcpbridge``).
    dhcpbridge: str
    #: Config files the dhcp-script reads; passed as JSON in ``CONFIG_FILE``.
    dhcpbridge_flagfile: tuple[str, ...] = ()
    dhcp_lease_time: int = 86400
    dns_servers: tuple[str, ...] = ()
    use_network_dns_servers: bool = False
    #: Extra dnsmasq configuration file (``dnsmasq_config_file``); empty: none.
    config_file: str = ""
    dhcp_domain: str = "novalocal"
    use_single_default_gateway: bool = False
    share_dhcp_address: bool = False
    use_ipv6: bool = False
    #: Network namespace of the bridges and of dnsmasq; empty: our own.
    namespace: str = ""
    binary: str = "dnsmasq"
    release_binary: str = "dhcp_release"
    tidy_threshold: int = 64
    log_dir: str = ""
    log_dhcp: bool = False
    #: The daemon's socket for the dhcp-script (``[dnsmasq] bridge_socket``).
    bridge_socket: str = ""
    #: PXE boot file for hosts served with ``pxe`` (``[baremetal] pxe_bootfile``);
    #: empty: no PXE options.
    pxe_bootfile: str = ""
    #: Their TFTP server (``[baremetal] tftp_server``); empty: the network's DHCP server.
    tftp_server: str = ""


def settings_from_conf(conf: cfg.ConfigOpts) -> DnsmasqSettings:
    """Snapshot the options of ``conf`` (lists are copied into tuples)."""
    return DnsmasqSettings(
        networks_path=conf.networks_path,
        dhcpbridge=conf.dhcpbridge,
        dhcpbridge_flagfile=tuple(conf.dhcpbridge_flagfile),
        dhcp_lease_time=conf.dhcp_lease_time,
        dns_servers=tuple(conf.dns_server),
        use_network_dns_servers=conf.use_network_dns_servers,
        config_file=conf.dnsmasq_config_file or "",
        dhcp_domain=conf.dhcp_domain or "",
        use_single_default_gateway=conf.use_single_default_gateway,
        share_dhcp_address=conf.share_dhcp_address,
        use_ipv6=conf.use_ipv6,
        namespace=conf.linux_net.namespace or "",
        binary=conf.dnsmasq.binary,
        release_binary=conf.dnsmasq.release_binary,
        tidy_threshold=conf.dnsmasq.tidy_threshold,
        log_dir=conf.dnsmasq.log_dir or "",
        log_dhcp=conf.dnsmasq.log_dhcp,
        bridge_socket=conf.dnsmasq.bridge_socket or "",
        pxe_bootfile=conf.baremetal.pxe_bootfile or "",
        tftp_server=str(conf.baremetal.tftp_server or ""),
    )
