"""The store's unit tests: SQLite only, few retries (the other databases: tests/integration/db)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from novanet.conf import CONF


@pytest.fixture(autouse=True)
def _few_retries() -> Iterator[None]:
    CONF.set_override("max_retries", 3, group="database")
    yield
    CONF.clear_override("max_retries", group="database")
