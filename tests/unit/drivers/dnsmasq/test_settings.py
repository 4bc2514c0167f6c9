"""DnsmasqSettings: the dnsmasq driver's options, read once from oslo.config."""

from __future__ import annotations

from oslo_config import cfg

from novanet import conf as novanet_conf
from novanet.drivers.dnsmasq.settings import settings_from_conf


def test_settings_from_conf_reads_every_option() -> None:
    conf = cfg.ConfigOpts()
    for module in novanet_conf.MODULES:
        module.register_opts(conf)
    conf([], default_config_files=[])
    conf.set_override("state_path", "/srv/nn")
    conf.set_override("namespace", "nn-test", group="linux_net")
    conf.set_override("binary", "/opt/dnsmasq", group="dnsmasq")
    conf.set_override("dhcp_domain", "example.org")
    snap = settings_from_conf(conf)
    assert snap.networks_path == "/srv/nn/networks"
    assert snap.namespace == "nn-test"
    assert snap.binary == "/opt/dnsmasq"
    assert snap.dhcp_domain == "example.org"
    assert snap.dhcpbridge == "/usr/local/bin/novanet-dhcpbridge"
    assert snap.dhcpbridge_flagfile == ("/etc/novanet/novanet.conf",)
    assert snap.tidy_threshold == 64 and snap.release_binary == "dhcp_release"
