"""Reading RPC arguments: presence, types and shapes, before anything happens.

Theory of operation
-------------------
A message's arguments are whatever JSON the caller sent. The endpoint takes
them one at a time through :class:`Arguments`, giving each a *converter*: a
pure function that returns the typed value or raises :class:`BadValue`. Any
problem (a required argument missing, a wrong type, a malformed uuid, MAC or
address) becomes one :class:`~novanet.exception.InvalidRequest` naming the
method and the argument, raised before the manager is called, so a malformed
request can never leave a half-written allocation behind.

Converters are strict about types (``True`` is not an integer, ``"1"`` is not
a bool) and lenient only where nova's callers really differ: an instance
reference is a uuid or nova's integer id, a network reference an integer id or
a uuid, a MAC in any common notation (normalised to ``aa:bb:cc:dd:ee:ff``).
Arguments nobody asked for are ignored (a newer caller may send more); the
endpoint logs them at debug level.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import netaddr
from oslo_utils import uuidutils

from novanet import exception

T = TypeVar("T")

_MISSING: Any = object()


class BadValue(ValueError):
    """A converter's complaint; :class:`Arguments` adds the method and argument."""


class Arguments:
    """The keyword arguments of one request, read one by one.

    :param method: the wire method name (for messages).
    :param values: the keyword arguments as received.
    """

    def __init__(self, method: str, values: Mapping[str, Any]) -> None:
        self.method = method
        self._values = dict(values)
        self._used: set[str] = set()

    def __contains__(self, name: str) -> bool:
        return self._values.get(name) is not None

    def _convert(self, name: str, value: Any, convert: Callable[[Any], T]) -> T:
        try:
            return convert(value)
        except BadValue as error:
            raise exception.InvalidRequest(reason=f"{self.method}: argument {name!r} {error}") from None

    def required(self, name: str, convert: Callable[[Any], T]) -> T:
        """The converted value of ``name``; it must be present and not None."""
        self._used.add(name)
        value = self._values.get(name)
        if value is None:
            raise exception.InvalidRequest(reason=f"{self.method}: argument {name!r} is required")
        return self._convert(name, value, convert)

    def optional(self, name: str, convert: Callable[[Any], T], default: T | None = None) -> T | None:
        """The converted value of ``name``, or ``default`` when absent or None."""
        self._used.add(name)
        value = self._values.get(name)
        if value is None:
            return default
        return self._convert(name, value, convert)

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean argument that defaults when absent."""
        value = self.optional(name, boolean)
        return default if value is None else value

    def raw(self, name: str) -> Any:
        """The value as received (for arguments passed through unchanged)."""
        self._used.add(name)
        return self._values.get(name)

    def names(self) -> list[str]:
        """Every argument name received (sorted)."""
        return sorted(self._values)

    def unused(self) -> list[str]:
        """Names the endpoint did not read (sorted)."""
        return sorted(set(self._values) - self._used)


# -- scalar converters ------------------------------------------------------------


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def text(value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise BadValue(f"must be a non-empty string, not {_show(value)}")
    return value


def uuid_like(value: str) -> bool:
    """Whether ``value`` reads as a uuid (dashes optional, as nova accepts)."""
    return bool(uuidutils.is_uuid_like(value))


def uuid(value: Any) -> str:
    """A uuid string (dashes optional, as nova accepts)."""
    if not isinstance(value, str) or not uuid_like(value):
        raise BadValue(f"must be a uuid, not {_show(value)}")
    return value


def integer(value: Any) -> int:
    """An integer, or a string of digits (JSON dict keys and old callers)."""
    if isinstance(value, bool):
        raise BadValue(f"must be an integer, not {_show(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise BadValue(f"must be an integer, not {_show(value)}")


def number(value: Any) -> float:
    """A real number (``rxtx_factor``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadValue(f"must be a number, not {_show(value)}")
    return float(value)


def boolean(value: Any) -> bool:
    """A JSON boolean (0 and 1 are tolerated: some old callers sent ints)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise BadValue(f"must be true or false, not {_show(value)}")


def ip_address(value: Any) -> str:
    """An IPv4 or IPv6 address literal, normalised."""
    if not isinstance(value, str):
        raise BadValue(f"must be an IP address, not {_show(value)}")
    try:
        return str(netaddr.IPAddress(value, flags=netaddr.INET_PTON))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise BadValue(f"must be an IP address, not {_show(value)}")


def mac_address(value: Any) -> str:
    """A 48-bit MAC address, normalised to lower-case colon notation."""
    if not isinstance(value, str):
        raise BadValue(f"must be a MAC address, not {_show(value)}")
    try:
        eui = netaddr.EUI(value, dialect=netaddr.mac_unix_expanded)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise BadValue(f"must be a MAC address, not {_show(value)}")
    if eui.version != 48:
        raise BadValue(f"must be a 48-bit MAC address, not {_show(value)}")
    return str(eui)


def instance_ref(value: Any) -> int | str:
    """An instance: its uuid, or nova's integer id (legacy callers)."""
    if isinstance(value, str) and uuid_like(value):
        return value
    try:
        return integer(value)
    except BadValue:
        raise BadValue(f"must be an instance uuid (or integer id), not {_show(value)}")


def network_ref(value: Any) -> int | str:
    """A network: its integer id or its uuid."""
    if isinstance(value, str) and uuid_like(value):
        return value
    try:
        return integer(value)
    except BadValue:
        raise BadValue(f"must be a network id or uuid, not {_show(value)}")


def mapping(value: Any) -> dict[str, Any]:
    """A JSON object with string keys."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise BadValue(f"must be an object, not {_show(value)}")
    return dict(value)


def list_of(convert: Callable[[Any], T]) -> Callable[[Any], list[T]]:
    """A converter for a JSON list whose items all pass ``convert``."""

    def convert_list(value: Any) -> list[T]:
        if not isinstance(value, (list, tuple)):
            raise BadValue(f"must be a list, not {_show(value)}")
        items = []
        for index, item in enumerate(value):
            try:
                items.append(convert(item))
            except BadValue as error:
                raise BadValue(f"item {index} {error}")
        return items

    return convert_list


def scalar(value: Any) -> Any:
    """A JSON scalar (string, number, boolean or null), unchanged."""
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise BadValue(f"must be a string, number or boolean, not {_show(value)}")
    return value
