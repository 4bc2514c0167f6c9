"""Load the host driver named by ``network_driver`` (``fake`` when ``fake_network``)."""

from __future__ import annotations

from typing import Any

from novanet.drivers.base import NetworkDriver
from novanet.plugins import load_plugin

NAMESPACE = "novanet.network_drivers"


def load_driver(conf: Any) -> NetworkDriver:
    """Build the configured driver. Entry points are factories ``f(conf)``.

    :raises InvalidConfig: unknown driver, or its options are wrong.
    """
    name = "fake" if conf.fake_network else conf.network_driver
    driver: NetworkDriver = load_plugin(NAMESPACE, name, "network_driver")(conf)
    return driver
