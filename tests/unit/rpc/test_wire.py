"""Argument converters and the Arguments reader."""

from __future__ import annotations

from typing import Any

import pytest

from novanet import exception
from novanet.rpc import wire
from tests.unit.rpc.stub import UUID


@pytest.mark.parametrize(("convert", "value", "expected"), [
    (wire.text, "eth0", "eth0"),
    (wire.uuid, UUID, UUID),
    (wire.uuid, UUID.replace("-", ""), UUID.replace("-", "")),
    (wire.integer, 7, 7),
    (wire.integer, "12", 12),
    (wire.number, 2, 2.0),
    (wire.number, 1.5, 1.5),
    (wire.boolean, True, True),
    (wire.boolean, 0, False),
    (wire.ip_address, "10.0.0.3", "10.0.0.3"),
    (wire.ip_address, "2001:DB8::1", "2001:db8::1"),
    (wire.mac_address, "FA-16-3E-00-00-0A", "fa:16:3e:00:00:0a"),
    (wire.mac_address, "fa163e00000a", "fa:16:3e:00:00:0a"),
    (wire.instance_ref, UUID, UUID),
    (wire.instance_ref, 42, 42),
    (wire.network_ref, "3", 3),
    (wire.network_ref, UUID, UUID),
    (wire.mapping, {"host": None}, {"host": None}),
    (wire.list_of(wire.integer), [1, "2"], [1, 2]),
    (wire.scalar, 3.5, 3.5),
])
def test_converters_accept_and_normalise(convert: Any, value: Any, expected: Any) -> None:
    assert convert(value) == expected


@pytest.mark.parametrize(("convert", "value"), [
    (wire.text, ""),
    (wire.text, "   "),
    (wire.text, 5),
    (wire.uuid, "not-a-uuid"),
    (wire.uuid, 5),
    (wire.integer, True),
    (wire.integer, 1.5),
    (wire.integer, "1x"),
    (wire.number, "1.5"),
    (wire.number, False),
    (wire.boolean, "true"),
    (wire.boolean, 2),
    (wire.ip_address, "10.0.0.300"),
    (wire.ip_address, "1"),
    (wire.ip_address, 167772163),
    (wire.ip_address, " 10.0.0.3"),
    (wire.mac_address, "zz:zz"),
    (wire.mac_address, "fa:16:3e:00:00:01:02:03"),
    (wire.mac_address, 12),
    (wire.instance_ref, "instance-1"),
    (wire.network_ref, "net"),
    (wire.mapping, [1]),
    (wire.mapping, {1: "x"}),
    (wire.list_of(wire.integer), "1,2"),
    (wire.list_of(wire.integer), [1, "x"]),
    (wire.scalar, [1]),
])
def test_converters_refuse(convert: Any, value: Any) -> None:
    with pytest.raises(wire.BadValue):
        convert(value)


def test_required_argument_missing_or_null_is_invalid_request() -> None:
    for values in ({}, {"address": None}):
        args = wire.Arguments("release_fixed_ip", values)
        with pytest.raises(exception.InvalidRequest) as info:
            args.required("address", wire.ip_address)
        assert "release_fixed_ip: argument 'address' is required" in str(info.value)


def test_bad_value_names_method_and_argument() -> None:
    args = wire.Arguments("allocate_for_instance", {"rxtx_factor": "fast"})
    with pytest.raises(exception.InvalidRequest) as info:
        args.optional("rxtx_factor", wire.number)
    assert str(info.value) == ("Invalid request: allocate_for_instance: argument 'rxtx_factor' "
                               "must be a number, not 'fast'")


def test_optional_flag_and_unused() -> None:
    args = wire.Arguments("m", {"vpn": None, "teardown": True, "extra": 1, "address": "10.0.0.1"})
    assert args.optional("host", wire.text) is None
    assert args.optional("host", wire.text, "dflt") == "dflt"
    assert args.flag("vpn") is False
    assert args.flag("teardown") is True
    assert args.raw("address") == "10.0.0.1"
    assert args.unused() == ["extra"]
    assert args.names() == ["address", "extra", "teardown", "vpn"]
    assert "teardown" in args and "vpn" not in args


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(wire.BadValue) as info:
        wire.uuid("x" * 500)
    assert len(str(info.value)) < 100
