"""The least-privilege role deploy/README.md documents, on a real PostgreSQL: it can do the
app's work (read, write, append to the audit log) and is refused every way around the audit
log's append-only triggers (drop, disable, truncate, update, delete)."""
from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.engine import make_url

from screening import audit
from screening.records import migrate

from ..conftest import SECRET_KEY, scratch_postgres_database

ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "postgres-roles.sql"

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_role_url():
    role = f"screening_app_{uuid.uuid4().hex[:8]}"
    with scratch_postgres_database("screening_roles") as owner_url:
        migrate.upgrade(owner_url)
        owner = create_engine(owner_url, future=True)
        database = make_url(owner_url).database
        with owner.begin() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
            conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
            conn.exec_driver_sql(ROLES_SQL.read_text().replace("screening_app", role))
        try:
            yield str(make_url(owner_url).set(username=role, password=None))
        finally:
            with owner.begin() as conn:
                conn.execute(text(f"DROP OWNED BY {role}"))
                conn.execute(text(f"DROP ROLE {role}"))
            owner.dispose()


def refused(engine, statement: str) -> bool:
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(statement)
    except DBAPIError as exc:
        return "permission denied" in str(exc.orig) or "must be owner" in str(exc.orig) \
            or "append-only" in str(exc.orig) or "refuse" in str(exc.orig).lower()
    return False


def test_the_app_role_works_but_cannot_get_around_the_audit_log(app_role_url):
    app = create_engine(app_role_url, future=True)
    try:
        with app.begin() as conn:                        # the app's own work still goes
            audit.append(conn, SECRET_KEY, actor="cli", action="test", now=datetime(2026, 12, 2, 12, 0))
            assert conn.exec_driver_sql("SELECT count(*) FROM screenings").scalar() == 0
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS events (id serial PRIMARY KEY)")   # Rasa's table
        for statement in ("DROP TRIGGER audit_events_append_only ON audit_events",
                          "ALTER TABLE audit_events DISABLE TRIGGER ALL",
                          "TRUNCATE audit_events",
                          "UPDATE audit_events SET actor = 'someone else'",
                          "DELETE FROM audit_events",
                          "DELETE FROM audit_head",
                          "DROP TABLE audit_events",
                          "ALTER TABLE screenings ADD COLUMN x integer"):
            assert refused(app, statement), statement
        with app.begin() as conn:
            assert audit.verify(conn, SECRET_KEY).intact
    finally:
        app.dispose()
