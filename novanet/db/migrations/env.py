"""Alembic environment: migrate the engine novanet is configured with."""

from alembic import context

from novanet.db import migration, models, session

config = context.config
target_metadata = models.Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or session.connection_url()
    engine = session.get_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=engine.url.get_backend_name() == "sqlite",
                          compare_type=True,
                          include_object=migration.include_object_for(engine.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations()
