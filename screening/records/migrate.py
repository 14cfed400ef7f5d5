"""Bring a database to the newest schema with Alembic (`screening db upgrade`)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str, encryption_key: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if encryption_key:
        # Migrations that encrypt or decrypt stored rows (0013) read it; else ENCRYPTION_KEY.
        config.attributes["encryption_key"] = encryption_key
    return config


def upgrade(database_url: str, revision: str = "head", encryption_key: str | None = None) -> None:
    command.upgrade(alembic_config(database_url, encryption_key), revision)


def downgrade(database_url: str, revision: str, encryption_key: str | None = None) -> None:
    command.downgrade(alembic_config(database_url, encryption_key), revision)
