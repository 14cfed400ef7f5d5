"""What the insert says in each language: the reviewed data in `content/insert/<lang>.yaml`,
filled in with the program's name, its start word for that language, the number to text and the
web chat's address in that language (`/chat?lang=xx`)."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

import yaml

from ..program import Program

INSERT_DIR = Path(__file__).resolve().parent.parent / "content" / "insert"
LANGUAGES = ("en", "es", "pt", "ht", "zh", "vi", "kea")
PARTS = ("about", "promise", "run_by")
NOT_REVIEWED = "translation not yet reviewed"


class InsertError(ValueError):
    """The insert cannot be made as asked; the message says what to change."""


@dataclass(frozen=True)
class InsertBlock:
    """One language's part of the insert, ready to print."""
    language: str
    language_name: str
    title: str
    lines: tuple[str, ...]      # what it is, the promise (fine waived, or no fine), who runs it
    text_line: str              # "Text SCREEN to (617) 555-0100"
    keyword: str
    scan: str
    rates: str
    chat_url: str               # what the code opens: the web chat in this language
    review: str                 # "source", or "translation not yet reviewed"


@lru_cache(maxsize=None)
def insert_texts(language: str) -> dict[str, Any]:
    return yaml.safe_load((INSERT_DIR / f"{language}.yaml").read_text(encoding="utf-8"))


def parse_languages(text: str | Iterable[str]) -> tuple[str, ...]:
    """"en,es, pt" -> ("en", "es", "pt"), in the order given, each once; unknown codes refused."""
    codes = [c.strip().lower() for c in (text.split(",") if isinstance(text, str) else text) if c.strip()]
    unknown = [c for c in codes if c not in LANGUAGES]
    if unknown or not codes:
        raise InsertError(f"unknown language {', '.join(unknown) or '(none)'}: use codes from {','.join(LANGUAGES)}")
    return tuple(dict.fromkeys(codes))


def printable_number(raw: str) -> str:
    """A US number as people read it: "+16175550100" -> "(617) 555-0100"; a short code as is."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:      # a no-break space: the number never splits over two lines
        return f"({digits[:3]})\u00a0{digits[3:6]}-{digits[6:]}"
    if 5 <= len(digits) <= 6 and digits == (raw or "").strip():
        return digits
    raise InsertError(f"the number to text ({raw!r}) is not a US phone number or a short code: "
                      "set TWILIO_FROM_NUMBER, like +16175550100")


def public_chat_base(public_base_url: str) -> str:
    """PUBLIC_BASE_URL, refused when a person's phone could not open it (this machine, a private address)."""
    base = (public_base_url or "").rstrip("/")
    parts = urlsplit(base)
    host = parts.hostname or ""
    private = host in ("localhost", "") or host.endswith(".local")
    try:
        address = ipaddress.ip_address(host)
        private = private or address.is_loopback or address.is_private or address.is_link_local
    except ValueError:
        pass
    if parts.scheme not in ("http", "https") or private:
        raise InsertError(f"PUBLIC_BASE_URL is {base!r}: the code on the insert must open the web chat from "
                          "anyone's phone. Set it to the public address, like https://screening.example.org")
    return base


def chat_url(base: str, language: str) -> str:
    return f"{base}/chat?lang={language}"


def insert_blocks(languages: Iterable[str], program: Program, *, number: str,
                  public_base_url: str) -> list[InsertBlock]:
    wanted = parse_languages(list(languages))
    shown_number = printable_number(number)
    base = public_chat_base(public_base_url)
    mode = "voluntary" if program.mode == "voluntary" else "fine_waiver"
    blocks = []
    for language in wanted:
        texts = insert_texts(language)
        keyword = program.start_keyword(language)
        values = {"program_name": program.name, "keyword": keyword, "number": shown_number}
        blocks.append(InsertBlock(
            language=language, language_name=texts["language_name"], title=texts["title"],
            lines=tuple(str(texts[mode][part]).format(**values) for part in PARTS),
            text_line=texts["text"].format(**values), keyword=keyword, scan=texts["scan"], rates=texts["rates"],
            chat_url=chat_url(base, language), review=str(texts.get("review", NOT_REVIEWED))))
    return blocks
