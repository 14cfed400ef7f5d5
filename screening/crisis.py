"""Reading a message for danger: which kind of crisis, how sure, and why.

`read_crisis(text, step=..., intent=..., confidence=...)` returns a `CrisisReading`:
  kind    "self_harm", "overdose", "violence", "medical" (or None)
  level   "imminent" (the full crisis response now), "possible" (a gentle "are you safe
          right now?"), or "none"
  why     a short explanation a screener can read ("overdose imminent: 'took all * pills'")
  rest    the message without its crisis clauses, kept as the answer to use later

Deterministic and explainable: the phrases are reviewed data in `content/crisis/<lang>.yaml`
(every language is always read, whatever the screening's language). The rules, per clause
(the parts of a message between punctuation or joining words like "and"/"pero" before a
new subject):
  1. Phrases of each kind and level match word by word, after contractions and texting
     spellings are spelled out; a word of 4+ letters may carry one typo (first letter right).
  2. A match overlapping an everyday expression in `not_crisis` is ignored ("this paperwork
     is killing me", "me muero de sueño", "the bank is threatening to take my car").
  3. A negator just before a match ("I'm not suicidal", "he's not hurting me") drops it:
     the person's own "no" is heard (the screening's own questions still ask).
  4. A long-past marker ("years ago", "when I was 16") with no marker of now drops the
     match; a past attempt without a time is a gentle check.
  5. A hypothetical ("in case", "what if") drops an overdose mention and makes others a
     gentle check. An overdose mention ("overdosed", "OD") counts as a gentle check unless
     a marker of now makes it imminent.
  6. At the screening's own safety questions (items ahc_7 to ahc_10) ongoing hurting ("he
     hits me sometimes") is the answer, not an interrupt. Threats to kill, weapons and
     "now" still interrupt everywhere.
  7. Where no phrase matched and the clause is neither everyday speech (rule 2) nor the
     past (rule 4), a classifier learned from reviewed examples (`screening.crisis_model`)
     guesses: a sure guess is imminent, a likely one a gentle check.
  8. The NLU model's crisis intent, when it is confident and no rule above said the words
     are everyday speech, makes an otherwise silent message a gentle check.
The highest level wins; among matches of that level, the kind whose first help matters
most: overdose, then medical, then violence, then self-harm.

Pure Python: no Rasa, no web framework. A message that cannot be read is never a crash.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml
from rapidfuzz.distance import OSA

from .text_normalize import normalize

log = logging.getLogger(__name__)

CRISIS_DIR = Path(__file__).resolve().parent / "content" / "crisis"
KINDS = ("overdose", "medical", "violence", "self_harm")     # priority, most urgent first
LEVELS = ("none", "possible", "imminent")
NEGATION_REACH = 2            # words before a match that may negate it
TYPO_MIN_LETTERS = 4          # shorter words must be typed exactly
GAP_WORDS = 3                 # "*" in a phrase: up to this many words
INTENT_CONFIDENCE = 0.85      # the NLU crisis intent alone: a gentle check
MODEL_IMMINENT = 0.65         # the example-trained classifier alone: the full response
MODEL_POSSIBLE = 0.5          # ... or a gentle check
MODEL_MIN_WORDS = 4           # shorter clauses ("keep going", "bugs and mold") are left to the phrase rules
# Items whose own subject is the words a crisis phrase uses: an answer there is not an alarm.
SAFETY_ITEMS = {"ahc_7", "ahc_8", "ahc_9", "ahc_10"}

Words = tuple[str, ...]


class CrisisDataError(ValueError):
    """A crisis phrase file is missing or malformed."""


@dataclass(frozen=True)
class CrisisReading:
    level: str = "none"
    kind: str | None = None
    why: str = ""
    rest: str = ""                      # the message without its crisis clauses
    kinds: tuple[str, ...] = ()         # every kind found at this level, most urgent first
    learned_only: bool = False          # only the classifier heard it (no phrase matched)

    @property
    def imminent(self) -> bool:
        return self.level == "imminent"

    @property
    def possible(self) -> bool:
        return self.level == "possible"

    def __bool__(self) -> bool:
        return self.level != "none"


NONE = CrisisReading()


@dataclass(frozen=True)
class _Pattern:
    words: Words
    kind: str
    group: str                # imminent, possible, past, mentions
    text: str


@dataclass(frozen=True)
class _Data:
    patterns: tuple[_Pattern, ...]
    not_crisis: tuple[Words, ...]
    long_past: tuple[Words, ...]
    now: tuple[Words, ...]
    hypothetical: tuple[Words, ...]
    negators: tuple[Words, ...]
    slots: Mapping[str, frozenset[str]]
    expansions: Mapping[str, Words]
    joiners: frozenset[str]
    breakers: frozenset[str]
    subjects: frozenset[str]
    function_words: frozenset[str]
    index: Mapping[str, tuple[_Pattern, ...]]      # first letter or <slot> -> patterns
    languages: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------------------
# Words

_SLOT = re.compile(r"<(\w+)>")
_CLAUSE_BREAK = re.compile(r"[.!?;,:\n\u2026]+|\s-\s|\s\u2014\s")
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")


def _raw_words(text: str) -> Words:
    norm = normalize(str(text).replace("\u2019", "'"))
    norm = _ELONGATED.sub(r"\1", norm).replace("-", " ").replace("/", " ")
    return tuple(norm.split())


def _expand(words: Iterable[str], expansions: Mapping[str, Words]) -> Words:
    out: list[str] = []
    for word in words:
        plain = word.replace("'", "")
        out.extend(expansions.get(word) or expansions.get(plain) or ((plain,) if plain else ()))
    return tuple(out)


def _occurrences(words: Words, phrase: Words) -> Iterable[int]:
    size = len(phrase)
    return (i for i in range(len(words) - size + 1) if words[i:i + size] == phrase)


def _contains(words: Words, phrases: Iterable[Words]) -> bool:
    return any(next(iter(_occurrences(words, p)), None) is not None for p in phrases)


def _spans(words: Words, phrases: Iterable[Words]) -> list[tuple[int, int]]:
    return [(i, i + len(p)) for p in phrases for i in _occurrences(words, p)]


# ---------------------------------------------------------------------------
# The data

def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                              for v in value):
        raise CrisisDataError(f"{where}: expected a list of phrases (quote yes, no, y, on, off)")
    return [str(v) for v in value]


@functools.lru_cache(maxsize=None)
def load_crisis_data() -> _Data:
    """Every language's crisis phrases, read once."""
    files = sorted(CRISIS_DIR.glob("*.yaml"))
    if not files:
        raise CrisisDataError(f"no crisis phrase files in {CRISIS_DIR}")
    raw: dict[str, dict] = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise CrisisDataError(f"cannot read {path}: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict):
            raise CrisisDataError(f"{path}: expected a mapping with 'kinds'")
        raw[path.stem] = data

    expansions: dict[str, Words] = {}
    slots: dict[str, set[str]] = {}
    for language, data in raw.items():
        for short, long in (data.get("expansions") or {}).items():
            expansions[" ".join(_raw_words(str(short)))] = _raw_words(str(long))
        for name, values in (data.get("slots") or {}).items():
            slots.setdefault(name, set()).update(w for v in _strings(values, f"{language}: slots.{name}")
                                                 for w in _raw_words(v))

    def phrase(text: str) -> Words:
        out: list[str] = []
        for part in text.split():
            if _SLOT.fullmatch(part):
                if _SLOT.fullmatch(part).group(1) not in slots:
                    raise CrisisDataError(f"unknown slot {part} in {text!r}")
                out.append(part)
            elif part == "*":
                out.append(part)
            else:
                out.extend(_expand(_raw_words(part), expansions))
        return tuple(out)

    def phrases(key: str) -> tuple[Words, ...]:
        found = {phrase(t) for language, data in raw.items()
                 for t in _strings(data.get(key), f"{language}: {key}")}
        return tuple(sorted((p for p in found if p), key=lambda p: (-len(p), p)))

    patterns: list[_Pattern] = []
    for language, data in raw.items():
        for kind, groups in data["kinds"].items():
            if kind not in KINDS:
                raise CrisisDataError(f"{language}: unknown crisis kind {kind!r}")
            for group, texts in (groups or {}).items():
                if group not in ("imminent", "possible", "past", "mentions"):
                    raise CrisisDataError(f"{language}: kinds.{kind}: unknown group {group!r}")
                for text in _strings(texts, f"{language}: kinds.{kind}.{group}"):
                    words = phrase(text)
                    if words:
                        patterns.append(_Pattern(words, kind, group, text))
    return _Data(
        patterns=tuple(patterns),
        index=_pattern_index(patterns),
        not_crisis=phrases("not_crisis"),
        long_past=phrases("long_past"),
        now=phrases("now"),
        hypothetical=phrases("hypothetical"),
        negators=phrases("negators"),
        slots={k: frozenset(v) for k, v in slots.items()},
        expansions=expansions,
        joiners=frozenset(w for p in phrases("clause_joiners") for w in p),
        breakers=frozenset(w for p in phrases("clause_breakers") for w in p),
        subjects=frozenset(w for p in phrases("clause_subjects") for w in p),
        function_words=frozenset(w for p in phrases("function_words") for w in p),
        languages=tuple(raw),
    )


# ---------------------------------------------------------------------------
# Matching

def _typo_cost(word: str, target: str) -> int | None:
    if word == target:
        return 0
    if len(target) < TYPO_MIN_LETTERS or word[:1] != target[:1] or word.isdigit():
        return None
    if len(target) == TYPO_MIN_LETTERS and len(word) == len(target):
        return None     # short words: a missing or extra letter only ("kil"), never another word ("mata")
    return 1 if OSA.distance(word, target, score_cutoff=1) == 1 else None


def _match(words: Words, start: int, pattern: Words, slots: Mapping[str, frozenset[str]]
           ) -> tuple[int, int] | None:
    """(end, typos) when `pattern` matches at `start`; "*" takes 0..GAP_WORDS words."""
    def step(i: int, j: int, typos: int) -> tuple[int, int] | None:
        if j == len(pattern):
            return i, typos
        token = pattern[j]
        if token == "*":
            for gap in range(GAP_WORDS + 1):
                if i + gap > len(words):
                    break
                found = step(i + gap, j + 1, typos)
                if found:
                    return found
            return None
        if i >= len(words):
            return None
        slot = _SLOT.fullmatch(token)
        if slot:
            return step(i + 1, j + 1, typos) if words[i] in slots[slot.group(1)] else None
        cost = _typo_cost(words[i], token)
        if cost is None or typos + cost > 1:
            return None
        return step(i + 1, j + 1, typos + cost)
    return step(start, 0, 0)


def _clauses(text: str, data: _Data) -> list[tuple[str, Words]]:
    """The message cut into clauses: (original text, expanded words)."""
    out: list[tuple[str, Words]] = []
    for piece in _CLAUSE_BREAK.split(text):
        raw = piece.split()
        start = 0
        for i in range(1, len(raw) - 1):
            word = _expand(_raw_words(raw[i]), data.expansions)
            following = _expand(_raw_words(raw[i + 1]), data.expansions)
            joins = len(word) == 1 and word[0] in data.joiners and following and following[0] in data.subjects
            if (joins or (len(word) == 1 and word[0] in data.breakers)) and i > start:
                out.append((" ".join(raw[start:i]), ()))
                start = i + 1
        out.append((" ".join(raw[start:]), ()))
    return [(t, _expand(_raw_words(t), data.expansions)) for t, _ in out if t.strip()]


@dataclass(frozen=True)
class _Found:
    level: str
    kind: str
    why: str
    group: str = ""


def _read_clause(words: Words, data: _Data, step: str, learned: bool = True) -> _Found | None:
    if not words:
        return None
    blocked = _spans(words, data.not_crisis)
    item = step.split(":", 1)[1] if step.startswith("item:") else ""
    has_now = _contains(words, data.now)
    long_past = _contains(words, data.long_past) and not has_now
    hypothetical = _contains(words, data.hypothetical)
    found = _rules(words, data, item, blocked, has_now, long_past, hypothetical)
    learned = learned and len(words) >= MODEL_MIN_WORDS
    if learned and found is not None and found.group == "mentions" and found.level == "possible" \
            and not hypothetical:
        learned = _learned(words, data, item, hypothetical)
        if learned and learned.level == "imminent":      # the examples say this is danger now
            return _Found("imminent", found.kind, f"{found.why}; {learned.why}")
    if found is not None:
        return found if found.level != "none" else None     # a phrase decided (perhaps "no")
    if blocked or long_past or not learned:
        return None                  # everyday speech, the past, or too few words to guess from
    return _learned(words, data, item, hypothetical)


def _learned(words: Words, data: _Data, item: str, hypothetical: bool) -> _Found | None:
    """The example-trained classifier, for words the phrase rules do not know."""
    from .crisis_model import default_model
    model = default_model()
    if model is None:
        return None
    guess = model.guess(" ".join(words))
    meaningful = any(set(feature.split()) - data.function_words for feature in guess.support)
    if guess.probability >= MODEL_IMMINENT and not hypothetical and meaningful:
        level = "imminent"
    elif guess.probability >= MODEL_POSSIBLE:
        level = "possible"
    else:
        return None
    # A guess resting only on words like "voy a", "para", "i want" is at most a gentle check.
    if level == "possible" and item in SAFETY_ITEMS and guess.kind == "violence":
        return None
    return _Found(level, guess.kind, f"{guess.kind} {level}: {guess.why}", "learned")


def prepare_for_model(text: str) -> str:
    """The words the classifier sees: normalized, contractions spelled out."""
    data = load_crisis_data()
    return " ".join(_expand(_raw_words(text), data.expansions))


def _rules(words: Words, data: _Data, item: str, blocked, has_now: bool, long_past: bool,
           hypothetical: bool) -> _Found | None:
    matches = []
    for start, word in enumerate(words):
        for pattern in _candidates(word, data):
            matched = _match(words, start, pattern.words, data.slots)
            if matched is not None and not any(start < b1 and b0 < matched[0] for b0, b1 in blocked):
                matches.append((pattern, start, *matched))
    # A phrase inside a past attempt ("kill myself" in "tried to kill myself") is read as one.
    past = [(start, end) for pattern, start, end, _ in matches if pattern.group == "past"]
    best: tuple[int, int, int, _Found] | None = None
    for pattern, start, end, typos in matches:
        if pattern.group != "past" and any(p0 <= start and end <= p1 for p0, p1 in past):
            continue
        found = _judge(pattern, words, start, data, item, has_now, long_past, hypothetical)
        if found is None:
            continue
        key = (LEVELS.index(found.level), -typos, -KINDS.index(found.kind))
        if best is None or key > best[:3]:
            best = (*key, found)
    if best is None and matches:
        return _SILENCED            # phrases matched, and the rules above set each one aside
    return best[3] if best else None


_SILENCED = _Found("none", "", "phrases set aside")


def _candidates(word: str, data: _Data) -> list[_Pattern]:
    """Patterns that may start at `word`: same first letter, or a slot holding the word."""
    found = list(data.index.get(word[:1], ()))
    for slot, patterns in data.index.items():
        if slot.startswith("<") and word in data.slots[slot[1:-1]]:
            found += patterns
    return found


def _pattern_index(patterns: Sequence[_Pattern]) -> dict[str, tuple[_Pattern, ...]]:
    index: dict[str, list[_Pattern]] = {}
    for pattern in patterns:
        first = pattern.words[0]
        if first == "*":
            raise CrisisDataError(f"a phrase cannot start with '*': {pattern.text!r}")
        index.setdefault(first if _SLOT.fullmatch(first) else first[:1], []).append(pattern)
    return {key: tuple(value) for key, value in index.items()}


def _negated(words: Words, start: int, data: _Data) -> bool:
    before = words[max(0, start - NEGATION_REACH - 1):start]
    return any(next(iter(_occurrences(before, n)), None) is not None for n in data.negators)


def _judge(pattern: _Pattern, words: Words, start: int, data: _Data, item: str,
           has_now: bool, long_past: bool, hypothetical: bool) -> _Found | None:
    kind, group = pattern.kind, pattern.group
    notes: list[str] = []
    level = {"imminent": "imminent", "possible": "possible", "past": "possible",
             "mentions": "possible"}[group]
    if group != "imminent" and has_now:
        level = "imminent"
        notes.append("now")
    if long_past:
        return None
    if _negated(words, start, data):
        return None             # the person's own "no" ("I don't want to hurt myself") is heard
    if hypothetical:
        if group == "mentions":
            return None
        level = "possible"
        notes.append("hypothetical")
    if level == "possible" and item in SAFETY_ITEMS and kind == "violence":
        return None
    note = f" ({', '.join(notes)})" if notes else ""
    return _Found(level, kind, f"{kind} {level}: '{pattern.text}'{note}", group)


def _idiom_only(text: str, data: _Data) -> bool:
    words = _expand(_raw_words(text), data.expansions)
    return bool(_spans(words, data.not_crisis))


def read_crisis(text: str | None, *, step: str = "", intent: str | None = None,
                confidence: float = 0.0, learned: bool = True) -> CrisisReading:
    """The crisis reading of one message at one step (see the module docstring).

    `learned=False` reads with the phrase rules alone (a reply to "are you safe?", where
    "keep going" and "I'm OK" are answers, not words to guess about)."""
    data = load_crisis_data()      # outside the try: broken data must be fixed, not hidden
    try:
        return _read(text or "", data, step, intent, confidence, learned)
    except Exception as exc:  # noqa: BLE001 - a message we cannot read is never a crash
        log.error("crisis reading failed (%s)", type(exc).__name__)
        return NONE


def _read(text: str, data: _Data, step: str, intent: str | None, confidence: float,
          learned: bool = True) -> CrisisReading:
    clauses = _clauses(text, data)
    found = [(original, _read_clause(words, data, step, learned)) for original, words in clauses]
    hits = [f for _, f in found if f]
    if not hits:
        if intent == "crisis" and confidence >= INTENT_CONFIDENCE and not _idiom_only(text, data):
            return CrisisReading("possible", None, f"language model: crisis ({confidence:.2f})", "")
        return NONE
    top = max(LEVELS.index(f.level) for f in hits)
    level = LEVELS[top]
    at_level = [f for f in hits if f.level == level]
    kinds = tuple(k for k in KINDS if any(f.kind == k for f in at_level))
    first = next(f for f in at_level if f.kind == kinds[0])
    rest = " ".join(original for original, f in found if not f).strip()
    learned_only = all(f.group == "learned" for f in at_level)
    return CrisisReading(level, kinds[0], first.why, rest, kinds, learned_only)


# ---------------------------------------------------------------------------
# Replies to "are you safe right now?"

SAFETY_REPLIES = ("not_ok", "leave", "safe_go_on", "safe", "go_on", "ack", "unclear")


@dataclass(frozen=True)
class _SafetyWords:
    safe: tuple[Words, ...]
    go_on: tuple[Words, ...]
    not_ok: tuple[Words, ...]
    leave: tuple[Words, ...]
    ack: frozenset[str]
    negators: frozenset[str]


@functools.lru_cache(maxsize=None)
def _safety_words() -> _SafetyWords:
    data = load_crisis_data()
    raw: dict[str, list[str]] = {"safe": [], "go_on": [], "not_ok": [], "leave": [], "ack": []}
    for path in sorted(CRISIS_DIR.glob("*.yaml")):
        replies = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("safety_replies") or {}
        for key in raw:
            raw[key] += _strings(replies.get(key), f"{path.name}: safety_replies.{key}")

    def phrases(key: str) -> tuple[Words, ...]:
        found = {_expand(_raw_words(t), data.expansions) for t in raw[key]}
        return tuple(sorted((p for p in found if p), key=lambda p: (-len(p), p)))
    return _SafetyWords(
        safe=phrases("safe"), go_on=phrases("go_on"), not_ok=phrases("not_ok"), leave=phrases("leave"),
        ack=frozenset(" ".join(p) for p in phrases("ack")),
        negators=frozenset(w for p in data.negators for w in p))


def read_safety_reply(text: str | None) -> str:
    """What a reply to "are you safe right now?" says, one of SAFETY_REPLIES.

    Safety first: any sign of distress, negation or a crisis phrase is "not_ok" (a second
    crisis message is read by `read_crisis` before this); "safe" needs clear words and
    nothing against them; "ok", "thanks" alone are only an acknowledgement.
    """
    try:
        words_ = _safety_words()
        data = load_crisis_data()
        words = _expand(_raw_words(text or ""), data.expansions)
        if not words:
            return "unclear"
        if _contains(words, words_.leave):
            return "leave"
        if _contains(words, words_.not_ok) or any(w in words_.negators for w in words):
            return "not_ok"
        safe = _contains(words, words_.safe)
        go_on = _contains(words, words_.go_on)
        if safe and go_on:
            return "safe_go_on"
        if safe:
            return "safe"
        if go_on:
            return "go_on"
        if " ".join(words) in words_.ack:
            return "ack"
        return "unclear"
    except Exception as exc:  # noqa: BLE001
        log.error("safety reply reading failed (%s)", type(exc).__name__)
        return "unclear"
