"""Load a network manager class by its entry point name (``network_manager``)."""

from __future__ import annotations

from typing import Any

from novanet import exception
from novanet.plugins import load_plugin

NAMESPACE = "novanet.network_managers"


def manager_class(name: str) -> Any:
    """The class registered as ``name`` in ``novanet.network_managers``.

    :raises InvalidConfig: no such manager.
    """
    try:
        return load_plugin(NAMESPACE, name, "network_manager")
    except exception.InvalidConfig as error:
        raise exception.InvalidConfig(reason=f"{error.kwargs['reason']}; choose flat, flatdhcp or vlan") from error
