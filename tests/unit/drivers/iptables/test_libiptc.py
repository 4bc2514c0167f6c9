"""The python-iptables backend: its translation of restore text (pure; no libiptc
needed) and its place as an optional plugin."""

from __future__ import annotations

import ast
import configparser
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from novanet import exception
from novanet.conf import iptables as iptables_conf
from novanet.drivers.iptables import backend, libiptc


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


# -- an optional plugin ----------------------------------------------------------------

TOP = Path(__file__).resolve().parents[4]


def test_without_python_iptables_the_backend_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "iptc", None)  # "import iptc" now raises ImportError
    with pytest.raises(exception.InvalidConfig, match=re.escape("pip install 'novanet[iptc]'")):
        backend.create_backend("python-iptables")


def imported_modules(path: Path) -> Iterator[str]:
    """Every module ``path`` imports (``from a import b`` also counts as ``a.b``)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_python_iptables_is_loaded_only_through_its_entry_point() -> None:
    """No module of the package imports the plugin or its library but the plugin itself."""
    plugin = TOP / "novanet" / "drivers" / "iptables" / "libiptc.py"
    assert "iptc" in set(imported_modules(plugin))
    offenders = sorted(str(path.relative_to(TOP)) for path in (TOP / "novanet").rglob("*.py")
                       if path != plugin and any(name.split(".")[0] == "iptc" or name == libiptc.__name__
                                                 for name in imported_modules(path)))
    assert offenders == []


def test_python_iptables_is_neither_the_default_nor_a_hard_dependency() -> None:
    (backend_opt,) = [opt for opt in iptables_conf.OPTS if opt.name == "backend"]
    assert backend_opt.default == "iptables-restore"
    setup = configparser.ConfigParser()
    setup.read(TOP / "setup.cfg")
    assert "python-iptables" not in setup["options"]["install_requires"]
    assert "python-iptables" in setup["options.extras_require"]["iptc"]
    entry_points = setup["options.entry_points"]["novanet.firewall_backends"]
    assert "python-iptables = novanet.drivers.iptables.libiptc:IptcBackend" in entry_points
