"""Load a network manager class by its entry point name."""

from __future__ import annotations

from typing import Any

from stevedore import driver

from novanet import exception

NAMESPACE = "novanet.network_managers"


def manager_class(name: str) -> Any:
    """The class registered as ``name`` in ``novanet.network_managers``.

    :raises InvalidConfig: no such manager.
    """
    try:
        mgr: Any = driver.DriverManager(NAMESPACE, name, invoke_on_load=False)
    except Exception as error:  # stevedore raises NoMatches, or the import error
        raise exception.InvalidConfig(
            reason=f"network_manager {name!r} cannot be loaded ({error}); choose flat, flatdhcp or vlan")
    return mgr.driver
