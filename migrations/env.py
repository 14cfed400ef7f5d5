"""Alembic environment: the URL comes from the caller (screening.records.migrate)."""
from alembic import context
from sqlalchemy import pool

from screening.records.db import make_engine
import screening.directory.tables  # noqa: F401  (the directory tables share the metadata)
from screening.records.models import metadata

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
