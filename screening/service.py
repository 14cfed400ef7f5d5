"""Put the core together from settings: database, cipher, repository, engine."""
from __future__ import annotations

from .config import Settings, load_settings
from .crypto import TextCipher
from .dialogue.engine import ScreeningEngine
from .program import Program, load_program
from .records.db import make_engine
from .records.repository import Repository


def build_repository(settings: Settings | None = None) -> Repository:
    settings = settings or load_settings()
    return Repository(make_engine(settings.database_url), TextCipher(settings.encryption_key),
                      settings.secret_key, settings.audit_key)


def build_engine(settings: Settings | None = None, program: Program | None = None) -> ScreeningEngine:
    """The engine for this deployment: the program from PROGRAM_* settings unless given."""
    settings = settings or load_settings()
    return ScreeningEngine(build_repository(settings), program=program or load_program(),
                           verify_url=settings.verify_url)
