"""LinkConfig: the link layer's options read once, and their cross-checks."""

from __future__ import annotations

import pytest
from oslo_config import cfg

from novanet import exception
from novanet.drivers.linux_net import LinkConfig


def test_config_from_conf() -> None:
    conf = cfg.ConfigOpts()
    from novanet.conf import linux_net, network

    linux_net.register_opts(conf)
    network.register_opts(conf)
    conf([], default_config_files=[])
    conf.set_override("vxlan_peers", ["10.9.0.1", "10.9.0.2"], group="linux_net")
    conf.set_override("segment_driver", "vxlan", group="linux_net")
    conf.set_override("vlan_interface", "eth2")
    config = LinkConfig.from_conf(conf)
    assert config.vxlan_peers == ("10.9.0.1", "10.9.0.2")
    assert (config.segment_driver, config.vlan_interface, config.namespace) == ("vxlan", "eth2", None)
    assert config.arp_count == 0
    conf.set_override("vxlan_group", "239.1.1.1", group="linux_net")
    with pytest.raises(exception.InvalidConfig, match="mutually exclusive"):
        LinkConfig.from_conf(conf)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"vxlan_group": "10.1.1.1", "vxlan_interface": "eth1"}, "not multicast"),
        ({"vxlan_group": "239.1.1.1"}, "needs vxlan_interface"),
    ],
)
def test_config_validation(fields: dict[str, str], message: str) -> None:
    with pytest.raises(exception.InvalidConfig, match=message):
        LinkConfig(**fields).validate()  # type: ignore[arg-type]
