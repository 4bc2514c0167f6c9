"""Create or upgrade the fact store's schema with alembic."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from novanet.db import models, session

_HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def _config(url: str | None = None) -> Config:
    config = Config(os.path.join(_HERE, "alembic.ini"))
    config.set_main_option("script_location", _HERE)
    # ConfigParser treats '%' specially; URLs may carry escaped characters.
    config.set_main_option("sqlalchemy.url", (url or session.connection_url()).replace("%", "%%"))
    return config


def include_object_for(dialect_name: str) -> Callable[..., bool]:
    """An alembic ``include_object`` that skips indexes made for other databases."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "index" and not reflected:
            return models.index_applies(obj, dialect_name)
        return True

    return include


def sync(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creating it from nothing if needed)."""
    command.upgrade(_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(url: str | None = None) -> str | None:
    """The schema's revision, or None for an empty database."""
    with session.get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
