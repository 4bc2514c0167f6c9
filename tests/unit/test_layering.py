"""The layering holds: read from the imports themselves (the AST), not from text.

* the manager never imports the RPC layer (it names what it needs of peers
  in ``manager/peers.py``; the RPC client implements it);
* the fact store imports no layer above it (managers, drivers, RPC, ...);
* the neutral records (``novanet/context.py``, ``novanet/types.py``) import no
  novanet layer at all;
* no test double is reachable from production code: only ``tests/`` and the
  fakes themselves (``novanet/drivers/fake.py``, ``novanet/drivers/*/fake*``)
  import a fake module.

Every import counts, also one inside a function or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]

#: (files the rule applies to, as a glob under the top, forbidden module prefixes, why)
RULES: list[tuple[str, tuple[str, ...], str]] = [
    ("novanet/manager/**/*.py", ("novanet.rpc",), "the manager must not import the RPC layer"),
    ("novanet/db/**/*.py",
     ("novanet.manager", "novanet.drivers", "novanet.rpc", "novanet.metadata", "novanet.cli", "novanet.cmd",
      "novanet.service", "novanet.providers"),
     "the fact store must not import a layer above it"),
    ("novanet/context.py", ("novanet",), "neutral records import no novanet layer"),
    ("novanet/types.py", ("novanet",), "neutral records import no novanet layer"),
]


def module_name(path: Path, top: Path) -> str:
    parts = list(path.relative_to(top).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, top: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every module ``path`` imports; ``from a import b`` yields ``a`` and ``a.b``."""
    package = module_name(path, top).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def is_fake(module: str) -> bool:
    return module.startswith("novanet.") and module.rsplit(".", 1)[-1].startswith("fake")


def may_import_fakes(path: Path, top: Path) -> bool:
    rel = path.relative_to(top).as_posix()
    return (rel.startswith("tests/") or rel == "novanet/drivers/fake.py"
            or (rel.startswith("novanet/drivers/") and path.name.startswith("fake")))


def violations(top: Path) -> list[str]:
    """Every import that breaks a rule, as ``path:line: module (why)``."""
    found = []
    for pattern, forbidden, why in RULES:
        for path in sorted(top.glob(pattern)):
            for line, module in imported_modules(path, top):
                if any(within(module, prefix) for prefix in forbidden):
                    found.append(f"{path.relative_to(top)}:{line}: {module} ({why})")
    for path in sorted(p for folder in ("novanet", "tools", "bin") for p in (top / folder).rglob("*.py")):
        if may_import_fakes(path, top):
            continue
        for line, module in imported_modules(path, top):
            if is_fake(module):
                found.append(f"{path.relative_to(top)}:{line}: {module} (a test double outside tests/)")
    return sorted(set(found))


def test_the_tree_keeps_the_layering() -> None:
    assert violations(TOP) == []


def _write(top: Path, rel: str, text: str) -> None:
    path = top / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def test_each_rule_catches_its_violation(tmp_path: Path) -> None:
    """The check can fail: a tree with one violation of each kind is reported, line by line."""
    _write(tmp_path, "novanet/manager/base.py", """\
        from novanet.db import api
        def later():
            from novanet.rpc.client import NetworkAPI
        """)
    _write(tmp_path, "novanet/manager/flat.py", "from ..rpc import serializer\n")
    _write(tmp_path, "novanet/db/api.py", "from novanet.manager import specs\nimport novanet.drivers.base\n")
    _write(tmp_path, "novanet/types.py", "from novanet.rpc.context import RequestContext\n")
    _write(tmp_path, "novanet/manager/state.py", "from novanet.drivers.fake import RecordingDriver\n")
    _write(tmp_path, "tools/bench.py", "from novanet.drivers.iptables import fake\n")
    _write(tmp_path, "novanet/drivers/iptables/fake.py", "from novanet.drivers import fake\n")
    _write(tmp_path, "tests/unit/test_x.py", "from novanet.drivers.fake import RecordingDriver\n")
    found = violations(tmp_path)
    assert [f.split(" (")[0] for f in found] == [
        "novanet/db/api.py:1: novanet.manager",
        "novanet/db/api.py:1: novanet.manager.specs",
        "novanet/db/api.py:2: novanet.drivers.base",
        "novanet/manager/base.py:3: novanet.rpc.client",
        "novanet/manager/base.py:3: novanet.rpc.client.NetworkAPI",
        "novanet/manager/flat.py:1: novanet.rpc",
        "novanet/manager/flat.py:1: novanet.rpc.serializer",
        "novanet/manager/state.py:1: novanet.drivers.fake",
        "novanet/types.py:1: novanet.rpc.context",
        "novanet/types.py:1: novanet.rpc.context.RequestContext",
        "tools/bench.py:1: novanet.drivers.iptables.fake",
    ]
