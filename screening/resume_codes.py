"""Resume codes for the web chat: short, human-friendly, hard to guess.

A person writes the code down and types it later (on another day, another
computer) to continue where they left off, with no account. The code:
- uses 30 characters that are hard to confuse (no 0/O, 1/I/L, U/V pairs);
- is 10 characters long (30**10, about 49 bits; guessing is also rate limited);
- is shown grouped as "KJ4P-9XWM-2Q" and read back whatever the case, spaces or dashes;
- is stored only as a keyed hash (`code_hash`), never in clear.
"""
from __future__ import annotations

import re
import secrets

from .crypto import pseudonym

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
LENGTH = 10
GROUPS = (4, 4, 2)
_SEPARATORS = re.compile(r"[\s\-_.]+")


class InvalidResumeCode(ValueError):
    """The text cannot be a resume code; the message says why in plain words."""


def new_resume_code() -> str:
    """A fresh code, grouped for reading: 'KJ4P-9XWM-2Q'."""
    return grouped("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def grouped(code: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start:start + size])
        start += size
    return "-".join(parts)


def normalize(text: str) -> str:
    """The code as stored for lookup (upper case, no separators); raises InvalidResumeCode."""
    if not isinstance(text, str):
        raise InvalidResumeCode("Please type the code.")
    code = _SEPARATORS.sub("", text).upper()
    if not code:
        raise InvalidResumeCode("Please type the code.")
    if len(code) != LENGTH:
        raise InvalidResumeCode(f"A code has {LENGTH} letters and numbers.")
    if any(ch not in ALPHABET for ch in code):
        raise InvalidResumeCode("A code has only the letters and numbers shown to you.")
    return code


def code_hash(secret_key: str, text: str) -> str:
    """The keyed hash the database holds for a code (the same for every way of typing it)."""
    return pseudonym(secret_key, "web-resume", normalize(text))
