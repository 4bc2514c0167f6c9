"""The parts of the privileged module that need no root: refusals and argv."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.linux_net import privileged


def test_only_the_listed_tools_may_run() -> None:
    with pytest.raises(exception.DriverError, match="refusing to run"):
        privileged.run_tool("nn-x", ["sh", "-c", "true"])
    with pytest.raises(exception.DriverError, match="refusing to run"):
        privileged.run_tool(None, [])


@pytest.mark.parametrize("path", ["/etc/passwd", "kernel/hostname", "net/../../etc/x"])
def test_only_net_sysctls(path: str) -> None:
    with pytest.raises(exception.InvalidInput):
        privileged.read_sysctl(None, path)


def test_arping_argv_for_both_flavours() -> None:
    assert privileged.arping_argv("br100", "10.0.0.1", 3, iputils=True) == (
        "arping", "-U", "10.0.0.1", "-A", "-I", "br100", "-c", "3"
    )
    assert privileged.arping_argv("br100", "10.0.0.1", 3, iputils=False) == (
        "arping", "-q", "-U", "-S", "10.0.0.1", "-i", "br100", "-c", "3", "10.0.0.1"
    )


def test_missing_namespace_is_a_driver_error() -> None:
    with pytest.raises(exception.DriverError, match="does not exist"):
        privileged.snapshot("nn-does-not-exist-0", privileged.r.Query(links=("lo",)))
