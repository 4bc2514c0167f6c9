"""Plugins by entry point: where novanet asks stevedore for a class.

Network managers, DNS drivers, host drivers, firewall backends and segment
drivers are chosen by name in the configuration and registered as entry
points in ``setup.cfg``.
:func:`load_plugin` returns what an entry point names (a class or a factory)
without calling it: the caller builds it with its own arguments, so the
plugin's own typed errors reach the caller unchanged.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any, NoReturn

from stevedore import driver as stevedore_driver
from stevedore.extension import ExtensionManager
from stevedore import exception as stevedore_exception

from novanet import exception

__all__ = ["load_plugin"]


def _raise(manager: ExtensionManager[Any], entry_point: EntryPoint, error: BaseException) -> NoReturn:
    # stevedore only logs a plugin that fails to import and then reports "no
    # match"; raising here lets the caller say what really went wrong.
    raise error


def load_plugin(group: str, name: str, option: str) -> Any:
    """What entry point ``name`` of ``group`` names (a class or a factory), uncalled.

    :param option: the option that chose ``name``, for the message
        (e.g. ``"[iptables] backend"``).
    :raises InvalidConfig: no such entry point is installed, or its module
        cannot be imported.
    """
    try:
        loaded: stevedore_driver.DriverManager[Any] = stevedore_driver.DriverManager(
            group, name, invoke_on_load=False, on_load_failure_callback=_raise)
    except stevedore_exception.NoMatches:
        raise exception.InvalidConfig(reason=f"{option} {name!r} is not an installed entry point in {group}") from None
    except Exception as error:
        raise exception.InvalidConfig(reason=f"{option} {name!r} cannot be loaded: {error}") from error
    return loaded.driver
