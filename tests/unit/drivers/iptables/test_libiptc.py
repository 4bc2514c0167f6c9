"""The python-iptables backend's translation of restore text (pure; no libiptc needed)."""

from __future__ import annotations

import pytest

from novanet import exception
from novanet.drivers.iptables import libiptc


def test_libiptc_translation() -> None:
    text = ("*nat\n:novanet-network-x - [0:0]\n:PREROUTING ACCEPT [0:0]\n"
            "-A novanet-network-x -s 10.0.0.3 -j SNAT --to 1.2.3.4\n"
            "-I PREROUTING 2 -j novanet-network-x\n-D PREROUTING -j old\n-X old\nCOMMIT\n")
    (block,) = libiptc.translate(text, 4)
    assert block.table == "nat"
    assert [(op.verb, op.chain, op.position, op.policy) for op in block.ops] == [
        ("declare", "novanet-network-x", 1, "-"), ("declare", "PREROUTING", 1, "ACCEPT"),
        ("-A", "novanet-network-x", 1, "-"), ("-I", "PREROUTING", 2, "-"), ("-D", "PREROUTING", 1, "-"),
        ("-X", "old", 1, "-")]
    snat = block.ops[2].rule
    assert snat is not None and snat.render() == "-s 10.0.0.3/32 -j SNAT --to-source 1.2.3.4"


@pytest.mark.parametrize(("text", "message"), [
    ("*nat\n-A x -j LOG --log-prefix y\nCOMMIT\n", "line 2"),
    ("*nat\n-D x 3\nCOMMIT\n", "rule number"),
    ("*nat\n-R x 1 -j ACCEPT\nCOMMIT\n", "does not support"),
    ("-A x -j ACCEPT\n", "outside a table"),
    ("*nat\n-A x -j ACCEPT\n", "COMMIT expected"),
])
def test_libiptc_translation_refuses_unknown_vocabulary(text: str, message: str) -> None:
    with pytest.raises(exception.ProcessExecutionError, match=message):
        libiptc.translate(text, 4)
