"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from novanet.db import migration, models, session


def test_migrations_match_models(store: str) -> None:
    assert migration.current_revision(store) == migration.head_revision()
    with session.get_engine(store).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": migration.include_object_for(conn.dialect.name)})
        diff = compare_metadata(ctx, models.Base.metadata)
    assert diff == []


def test_sync_is_idempotent(store: str) -> None:
    migration.sync(store)
    migration.sync(store)
    assert migration.current_revision(store) == migration.head_revision()
