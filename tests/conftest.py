"""Shared pytest wiring: fixtures from tests/fixtures are available everywhere."""

pytest_plugins = ["tests.fixtures.netns", "tests.fixtures.db"]
