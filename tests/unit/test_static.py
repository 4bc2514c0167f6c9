"""The package stays typed (mypy) and free of unused or undefined names (ruff F)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]


def test_mypy_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", "/dev/null",
                             "novanet"], cwd=TOP, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_no_unused_or_undefined_names() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--quiet",
                             "novanet", "tests", "tools"], cwd=TOP, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
