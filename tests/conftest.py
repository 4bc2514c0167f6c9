"""Shared pytest wiring: configuration and the fixtures of tests/fixtures."""

from __future__ import annotations

import atexit
import shutil
import tempfile

from novanet.conf import CONF

pytest_plugins = ["tests.fixtures.netns", "tests.fixtures.db", "tests.fixtures.rabbit", "tests.fixtures.daemons"]

# Parse no file and no argument: tests set what they need with set_override.
CONF([], project="novanet", default_config_files=[])
_STATE = tempfile.mkdtemp(prefix="novanet-test-state-")
atexit.register(shutil.rmtree, _STATE, True)
CONF.set_default("state_path", _STATE)
