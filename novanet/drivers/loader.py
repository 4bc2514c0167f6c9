"""Load the host driver named by ``network_driver`` (``fake`` when ``fake_network``)."""

from __future__ import annotations

from typing import Any

from stevedore import driver as stevedore_driver

from novanet import exception
from novanet.drivers.base import NetworkDriver

NAMESPACE = "novanet.network_drivers"


def load_driver(conf: Any) -> NetworkDriver:
    """Build the configured driver. Entry points are factories ``f(conf)``.

    :raises InvalidConfig: unknown driver, or its options are wrong.
    """
    name = "fake" if conf.fake_network else conf.network_driver
    try:
        mgr: Any = stevedore_driver.DriverManager(NAMESPACE, name, invoke_on_load=False)
    except Exception as error:
        raise exception.InvalidConfig(reason=f"network_driver {name!r} cannot be loaded: {error}")
    driver: NetworkDriver = mgr.driver(conf)
    return driver
