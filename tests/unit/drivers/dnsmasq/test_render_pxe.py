"""PXE boot options: tagged options per network, the tag on the hosts that get them."""

from __future__ import annotations

import dataclasses

import pytest

from novanet import exception
from novanet.drivers.dnsmasq import render
from tests.unit.drivers.dnsmasq.facts import HOST, NET, SETTINGS

PXE = dataclasses.replace(SETTINGS, pxe_bootfile="pxelinux.0")


def test_a_pxe_host_carries_the_tag_and_others_do_not() -> None:
    pxe_host = dataclasses.replace(HOST, pxe=True)
    assert render.render_host_entry(NET, pxe_host, PXE).text == \
        "fa:16:3e:00:00:01,server-1.novalocal,10.0.0.5,set:novanet-pxe\n"
    assert render.render_host_entry(NET, HOST, PXE).text == "fa:16:3e:00:00:01,server-1.novalocal,10.0.0.5\n"
    # Without a boot file there are no PXE options, and no tag either.
    assert render.render_host_entry(NET, pxe_host, SETTINGS).text == \
        "fa:16:3e:00:00:01,server-1.novalocal,10.0.0.5\n"


def test_the_options_are_for_tagged_hosts_only() -> None:
    assert render.render_opts(NET, PXE) == (
        "option:router,10.0.0.1\n"
        "tag:novanet-pxe,option:bootfile-name,pxelinux.0\n"
        "tag:novanet-pxe,option:tftp-server,10.0.0.1\n"
        "tag:novanet-pxe,option:server-ip-address,10.0.0.1\n")
    assert render.render_opts(NET, dataclasses.replace(PXE, tftp_server="192.0.2.9")).endswith(
        "tag:novanet-pxe,option:server-ip-address,192.0.2.9\n")
    assert "pxe" not in render.render_opts(NET, SETTINGS)


def test_a_boot_file_that_would_break_the_line_is_refused() -> None:
    with pytest.raises(exception.InvalidConfig, match="pxe_bootfile"):
        render.render_opts(NET, dataclasses.replace(PXE, pxe_bootfile="a,b"))
