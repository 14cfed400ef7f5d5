"""What every part of the app shares: settings, the core's records, the dialogue, a clock."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Awaitable, Callable

from starlette.routing import BaseRoute

from ..config import Settings
from ..program import Program, load_program
from ..records.repository import Repository
from .dialogue_client import DialogueClient


@dataclass
class AppContext:
    settings: Settings
    repository: Repository
    dialogue: DialogueClient
    clock: Callable[[], datetime]
    # Who runs the screening and how (PROGRAM_* settings): the gateway's own texts and the
    # console's confirmation text speak for it.
    program: Program = field(default_factory=load_program)


@dataclass
class Feature:
    """One part of the app: its routes and, optionally, work that runs while the app runs."""
    routes: list[BaseRoute] = field(default_factory=list)
    on_start: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
