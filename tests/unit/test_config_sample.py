"""etc/novanet/novanet.conf.sample is what oslo-config-generator makes today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]


def test_sample_config_is_current(tmp_path: Path) -> None:
    out = tmp_path / "novanet.conf.sample"
    subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "oslo_config.generator",
         "--config-file", str(TOP / "etc/novanet/novanet-config-generator.conf"), "--output-file", str(out)],
        check=True, cwd=TOP, capture_output=True, text=True,
    )
    checked_in = (TOP / "etc/novanet/novanet.conf.sample").read_text()
    assert out.read_text() == checked_in, (
        "etc/novanet/novanet.conf.sample is stale: regenerate it with "
        "oslo-config-generator --config-file etc/novanet/novanet-config-generator.conf")


def test_every_option_has_help() -> None:
    from novanet.conf import opts

    missing = [f"[{group}] {opt.name}" for group, options in opts.list_opts() for opt in options if not opt.help]
    assert missing == []
