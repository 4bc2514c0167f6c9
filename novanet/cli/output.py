"""Rendering command results: aligned tables for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def table(out: TextIO, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print ``rows`` under ``headers`` in aligned columns."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()
    out.write(line + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")


def records(out: TextIO, fmt: str, headers: Sequence[str], keys: Sequence[str],
            rows: Sequence[dict[str, Any]], empty: str) -> None:
    """Print dicts as a table (``fmt`` ``table``) or a JSON list (``json``)."""
    if fmt == "json":
        out.write(json.dumps(list(rows), indent=2, default=str) + "\n")
        return
    if not rows:
        out.write(empty + "\n")
        return
    table(out, headers, [[row[k] for k in keys] for row in rows])


def mapping(out: TextIO, fmt: str, data: dict[str, Any]) -> None:
    """Print one object as ``key: value`` lines or a JSON object."""
    if fmt == "json":
        out.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    width = max(len(k) for k in data)
    for key, value in data.items():
        out.write(f"{key.ljust(width)}  {_cell(value)}\n")
