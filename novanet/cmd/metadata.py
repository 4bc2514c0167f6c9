"""Entry point of novanet-metadata: the metadata service (network_data.json & co)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from oslo_log import log as oslo_logging

from novanet import exception
from novanet.conf import CONF

LOG = logging.getLogger("novanet.metadata")


def main(argv: list[str] | None = None) -> None:
    from novanet.manager.instances import StoreInstanceSource
    from novanet.manager.loader import manager_class
    from novanet.metadata.options import MetadataOptions
    from novanet.metadata.server import build_server, listen_address
    from novanet.metadata.source import CachingInstanceSource

    oslo_logging.register_options(CONF)
    oslo_logging.set_defaults(default_log_levels=oslo_logging.get_default_log_levels() + ["asyncio=WARN"])
    CONF(sys.argv[1:] if argv is None else argv, project="novanet", prog="novanet-metadata")
    oslo_logging.setup(CONF, "novanet")
    try:
        options = MetadataOptions.from_conf(CONF)
        host, port = listen_address(CONF)
        store = StoreInstanceSource.for_manager(manager_class(CONF.network_manager))
        source = CachingInstanceSource(store, ttl=options.cache_ttl)
        server = build_server(source, options, host, port, CONF.metadata.metadata_workers)
    except exception.NovanetError as error:
        LOG.error("novanet-metadata cannot run: %s", error)
        sys.exit(2)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        server.start()
    except OSError as error:
        LOG.error("novanet-metadata cannot listen on %s:%s: %s", host, port, error)
        sys.exit(2)
    stopping.wait()
    LOG.info("novanet-metadata stopping")
    server.stop()
    sys.exit(0)
