"""Entry point of novanet-network: parse the configuration, build the service, run it."""

from __future__ import annotations

import logging
import sys

from oslo_config import cfg
from oslo_log import log as oslo_logging

from novanet import exception
from novanet.conf import CONF
from novanet.rpc import transport as rpc_transport
from novanet.version import __version__

LOG = logging.getLogger("novanet.network")

#: Libraries whose debug output drowns novanet's own even with debug = True.
QUIET_LIBRARIES = ["pyroute2=WARN", "asyncio=WARN", "stevedore=WARN"]


def main(argv: list[str] | None = None) -> None:
    from novanet import service
    from novanet.drivers.loader import load_driver
    from novanet.manager.loader import manager_class
    from novanet.rpc.client import NetworkAPI

    oslo_logging.register_options(CONF)
    oslo_logging.set_defaults(default_log_levels=oslo_logging.get_default_log_levels() + QUIET_LIBRARIES)
    try:
        CONF(sys.argv[1:] if argv is None else argv, project="novanet", prog="novanet-network",
             version=__version__)
    except cfg.Error as error:
        sys.stderr.write(f"novanet-network: configuration: {error}\n")
        sys.exit(2)
    oslo_logging.setup(CONF, "novanet")
    problem: str | None = None
    try:
        transport = rpc_transport.get_transport(CONF)
        peers = NetworkAPI(transport_=transport)
        manager = manager_class(CONF.network_manager)(host=CONF.host, driver=load_driver(CONF), peers=peers)
        daemon = service.Service(
            manager, transport, CONF.host, topic=rpc_transport.topic(CONF),
            report_interval=CONF.report_interval, periodic_enable=CONF.periodic_enable,
            periodic_interval=CONF.periodic_interval, periodic_fuzzy_delay=CONF.periodic_fuzzy_delay,
            graceful_shutdown_timeout=CONF.graceful_shutdown_timeout,
            bridge_socket=CONF.dnsmasq.bridge_socket or "")
    except (exception.NovanetError, cfg.Error) as error:
        problem = str(error)
    if problem is not None:
        LOG.error("novanet-network cannot start: %s", problem)
        service.exit_now(2)
    try:
        status = daemon.run_until_signalled()
    except Exception:
        LOG.exception("novanet-network failed")
        status = 1
    service.exit_now(status)
