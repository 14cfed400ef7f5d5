"""Text made for SMS: encoding, segments, splitting, and carrier keywords.

Pure functions, no web or database imports.

- A message is GSM-7 when every character is in the GSM 03.38 alphabet (the
  extension characters ^ { } [ ] ~ | \\ and the euro sign cost two septets);
  otherwise it goes as UCS-2 (UTF-16 code units). Typographic punctuation
  (curly quotes, dashes, ellipsis, middle dot) is swapped for its plain form
  first, so English stays GSM-7. Spanish letters like á, í, ó, ú need UCS-2.
  In the languages `screening/languages.py` marks (Spanish, Portuguese, Haitian and
  Cape Verdean Creole), SMS sends the assistant's own words accent-folded to GSM-7
  (`gsm7_folded`); validated item wording always keeps its accents.
- Segments: GSM-7 160 septets in one message, 153 per part when concatenated;
  UCS-2 70 and 67.
- Long text is split into messages of at most 320 characters, at line and
  sentence boundaries first, then between words. One turn's replies are packed
  into texts at those boundaries to cost the fewest segments, then the fewest
  texts: short replies share a text, and a reply is cut where two texts bill
  fewer segments than one concatenated text (see `pack_messages`).
- Carrier keywords (STOP, START, HELP and their kin) are read whatever the case,
  spacing or punctuation.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

MAX_MESSAGE_CHARS = 320
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
PLAIN_PUNCTUATION = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00b7": "-", "\u2022": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\u200b": "", "\t": " ",
}
JOINER = "\n\n"

# Placeholder the dialogue writes where the web chat link goes when it does not
# know the link itself; the SMS gateway fills it in before sending.
WEB_CHAT_LINK = "[web-chat-link]"

OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit",
                           "parar", "detener", "cancelar"})
OPT_IN_WORDS = frozenset({"start", "unstop", "yes", "si", "comenzar"})
HELP_WORDS = {"help": "en", "info": "en", "ayuda": "es"}


@dataclass(frozen=True)
class SmsPart:
    """One text message as it goes out."""
    body: str
    encoding: str      # "GSM-7" or "UCS-2"
    segments: int


def plain_punctuation(text: str) -> str:
    return "".join(PLAIN_PUNCTUATION.get(ch, ch) for ch in text)


def gsm7_folded(text: str) -> str:
    """The text with each letter GSM-7 lacks written without its accent where that gives a
    GSM-7 letter (á -> a, ã -> a, ç -> c, ê -> e, Í -> I); letters GSM-7 has (é, ñ, ü, à,
    è, ò...) and everything without a plain form (Chinese) stay. Which languages may be
    sent folded is screening/languages.py's choice (never Vietnamese: its marks are tones)."""
    folded = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            folded.append(ch)
            continue
        plain = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        folded.append(plain if plain and is_gsm7(plain) else ch)
    return "".join(folded)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding(text: str) -> str:
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def segments(text: str) -> int:
    """How many SMS segments the carrier bills for this text."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le", "surrogatepass")) // 2   # a lone surrogate is one unit
        single, part = 70, 67
    if units == 0:
        return 0
    return 1 if units <= single else math.ceil(units / part)


# ------------------------------------------------------------------- splitting
_BREAK = re.compile(r"(\n+|(?<=[.!?:])[ ]+)")


def _pieces(text: str) -> list[tuple[str, str]]:
    """(separator before, piece): lines and sentences with what joined them."""
    parts = _BREAK.split(text)
    pieces = [("", parts[0])]
    for n in range(1, len(parts), 2):
        pieces.append((parts[n], parts[n + 1]))
    return [(sep, piece) for sep, piece in pieces if piece.strip()]


def _words(text: str, limit: int) -> list[str]:
    """A sentence too long for one message, cut between words (a word longer than `limit` is cut)."""
    chunks: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = word
    if current:
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Messages of at most `limit` characters, cut at lines, then sentences, then words."""
    text = plain_punctuation(text).strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    current = ""
    for separator, piece in _pieces(text):
        piece = piece.strip()
        if len(piece) > limit:
            if current:
                chunks.append(current)
                current = ""
            *whole, current = _words(piece, limit)
            chunks += whole
            continue
        candidate = f"{current}{separator}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


@dataclass(frozen=True)
class _Piece:
    """A line or sentence of one reply (or part of one too long for a message), with what
    joins it to the piece before it and what it costs in each encoding."""
    separator: str
    text: str
    starts_reply: bool
    chars: int
    gsm7: bool
    septets: int
    utf16_units: int

    @classmethod
    def of(cls, separator: str, text: str, starts_reply: bool) -> "_Piece":
        whole = separator + text
        gsm7 = is_gsm7(whole)
        septets = sum(2 if ch in GSM7_EXTENSION else 1 for ch in whole) if gsm7 else 0
        return cls(separator, text, starts_reply, len(whole), gsm7, septets,
                   len(whole.encode("utf-16-le", "surrogatepass")) // 2)


def _reply_pieces(texts, limit: int) -> list[_Piece]:
    pieces: list[_Piece] = []
    for text in texts:
        text = plain_punctuation(text).strip()
        first = True
        for separator, piece in _pieces(text):
            piece = piece.strip()
            chunks = _words(piece, limit) if len(piece) > limit else [piece]
            for n, chunk in enumerate(chunks):
                joiner = JOINER if first else (separator if n == 0 else " ")
                pieces.append(_Piece.of(joiner, chunk, first))
                first = False
    return pieces


def _billed(gsm7: bool, septets: int, utf16_units: int) -> int:
    units, single, part = (septets, 160, 153) if gsm7 else (utf16_units, 70, 67)
    return 0 if units == 0 else 1 if units <= single else math.ceil(units / part)


def pack_messages(texts, limit: int = MAX_MESSAGE_CHARS) -> list[SmsPart]:
    """One turn's replies as text messages, each at most `limit` characters, costing the
    fewest segments the carrier bills; among packings that cost the same, the fewest
    texts, then the fewest cuts inside a reply.

    Replies are cut only at lines and sentences (words when a sentence alone is too long),
    so several short replies share one text when that costs no more, and a long one is
    cut where two texts cost fewer segments than one concatenated text (GSM-7 160
    characters alone but 153 per part; UCS-2 70 and 67). A text that needs UCS-2 (an
    accent GSM-7 lacks, Chinese, Vietnamese) can go alone, so the texts around it stay
    GSM-7 at 160 characters a segment.
    """
    pieces = _reply_pieces(texts, limit)
    count = len(pieces)
    # best[j]: the cheapest packing of the first j pieces, as (segments, texts, cuts), start.
    best: list[tuple[tuple[int, int, int], int] | None] = [None] * (count + 1)
    best[0] = ((0, 0, 0), 0)
    for start in range(count):
        if best[start] is None:
            continue
        (segs, sent, cuts), _ = best[start]
        cut_inside = 0 if pieces[start].starts_reply else 1
        chars = septets = utf16 = 0
        gsm7 = True
        for end in range(start, count):
            piece = pieces[end]
            skip = len(piece.separator) if end == start else 0      # a text does not start with its joiner
            chars += piece.chars - skip
            if chars > limit:
                break
            gsm7 = gsm7 and piece.gsm7
            septets += piece.septets - skip
            utf16 += piece.utf16_units - skip
            cost = (segs + _billed(gsm7, septets, utf16), sent + 1, cuts + cut_inside)
            if best[end + 1] is None or cost < best[end + 1][0]:
                best[end + 1] = (cost, start)
    bodies: list[str] = []
    end = count
    while end > 0:
        start = best[end][1]
        bodies.append(pieces[start].text + "".join(p.separator + p.text for p in pieces[start + 1:end]))
        end = start
    bodies.reverse()
    return [SmsPart(body, encoding(body), segments(body)) for body in bodies]


def fill_web_chat_link(text: str, url: str) -> str:
    return text.replace(WEB_CHAT_LINK, url)


# -------------------------------------------------------------------- keywords
def keyword_word(text: str) -> str:
    """The message squeezed to lower-case letters and digits: " Stop! " -> "stop", "stop all" -> "stopall"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", without_accents.casefold())


def keyword_action(text: str, opted_out: bool) -> str | None:
    """"opt_out", "opt_in" (only while opted out), "help_en"/"help_es", or None (a message for the dialogue).

    While opted out, YES/SI also opt back in, as they do at the carrier.
    """
    word = keyword_word(text)
    if word in OPT_OUT_WORDS:
        return "opt_out"
    if opted_out and word in OPT_IN_WORDS:
        return "opt_in"
    if word in HELP_WORDS:
        return f"help_{HELP_WORDS[word]}"
    return None
