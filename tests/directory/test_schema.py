"""The migrations and the SQLAlchemy metadata describe the same schema, directory tables included."""
from __future__ import annotations


import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import screening.directory  # noqa: F401  (registers the directory tables on the metadata)
from screening.directory.tables import DIRECTORY_TABLES, directory_imports
from screening.records import migrate
from screening.records.db import make_engine
from screening.records.models import metadata
from tests.conftest import scratch_postgres_database

DIRECTORY_TABLE_NAMES = {table.name for table in (directory_imports, *DIRECTORY_TABLES)}


def schema_differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def version(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database_url(request, tmp_path):
    """A database with no tables at all, created for this test and dropped after it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    with scratch_postgres_database("screening_schema") as url:
        yield url


def test_the_migrated_database_matches_the_metadata(database_url):
    assert DIRECTORY_TABLE_NAMES <= set(metadata.tables)
    assert schema_differences(database_url) == []


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


def test_upgrade_brings_a_new_database_to_the_newest_schema_and_back(new_database_url):
    migrate.upgrade(new_database_url)
    assert version(new_database_url) == head_revision()
    assert DIRECTORY_TABLE_NAMES <= table_names(new_database_url)
    assert schema_differences(new_database_url) == []

    migrate.downgrade(new_database_url, "0001")
    assert version(new_database_url) == "0001"
    assert not DIRECTORY_TABLE_NAMES & table_names(new_database_url)

    migrate.upgrade(new_database_url)
    assert version(new_database_url) == head_revision()
