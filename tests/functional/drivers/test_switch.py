"""The linux_bridge switch driver against a real kernel, in a namespace of the test's own."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.switch import load_switch
from novanet.drivers.switch.linux_bridge import LinuxBridgeSwitch
from tests.fixtures.netns import Namespace

pytestmark = pytest.mark.root


def link(ns: Namespace, name: str) -> str:
    return ns.run(["ip", "-o", "link", "show", "dev", name]).stdout


def test_ports_move_between_bridges_and_to_none(netns: Namespace) -> None:
    for bridge in ("bra", "brb"):
        netns.run(["ip", "link", "add", bridge, "type", "bridge"])
        netns.run(["ip", "link", "set", bridge, "up"])
    for port in ("sw1", "sw2"):
        netns.run(["ip", "link", "add", port, "type", "veth", "peer", "name", f"{port}p"])
    switch = LinuxBridgeSwitch(namespace=netns.name)
    try:
        exercise(netns, switch)
    finally:
        switch.close()


def exercise(netns: Namespace, switch: LinuxBridgeSwitch) -> None:
    assert switch.exists("sw1") and not switch.exists("sw9")
    assert switch.segment_of("sw1") is None

    switch.move(["sw1", "sw2"], "bra")  # a group: both in one call
    assert switch.segment_of("sw1") == switch.segment_of("sw2") == "bra"
    assert "master bra" in link(netns, "sw1") and "state DOWN" not in link(netns, "sw1").split(">")[0]
    switch.move(["sw1"], "brb")  # straight across: the kernel leaves bra first
    assert switch.segment_of("sw1") == "brb"
    switch.move(["sw1"], "brb")  # already there: nothing to do
    switch.move(["sw1", "sw2"], None)
    for port in ("sw1", "sw2"):
        assert switch.segment_of(port) is None and "master" not in link(netns, port)
        assert ",UP" not in link(netns, port).split(">")[0]

    with pytest.raises(exception.SwitchPortNotFound, match=f"sw9 does not exist in network namespace {netns.name}"):
        switch.move(["sw1", "sw9"], "bra")
    assert switch.segment_of("sw1") is None, "nothing moved"
    with pytest.raises(exception.SwitchError, match="bridge brx does not exist"):
        switch.move(["sw1"], "brx")
    with pytest.raises(exception.SwitchError, match="bridge sw2 does not exist"):
        switch.move(["sw1"], "sw2")  # not a bridge


def test_the_driver_loads_by_name() -> None:
    from novanet.conf import CONF

    assert isinstance(load_switch("linux_bridge", CONF), LinuxBridgeSwitch)
    with pytest.raises(exception.InvalidConfig, match=r"\[baremetal\] switch_driver 'ovs'"):
        load_switch("ovs", CONF)
