"""Every oslo.config option of novanet, one module per area.

Import ``CONF`` from here; importing this package registers every option on
the global ``cfg.CONF`` (oslo.messaging 18 needs the global object, see the
README's design notes).
"""

from __future__ import annotations

from oslo_config import cfg

from novanet.conf import (auto_allocate, baremetal, database, default, dnsmasq, iptables, linux_net, metadata,
                          network, rpc)

CONF = cfg.CONF

MODULES = (default, network, database, rpc, linux_net, iptables, dnsmasq, metadata, auto_allocate, baremetal)

for _module in MODULES:
    _module.register_opts(CONF)
