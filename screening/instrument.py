"""The screening instrument, loaded from its reviewed data file.

The data file (`content/instrument/ahc_hrsn_2018.yaml`) holds every item stem,
answer option, short label, why-we-ask text, translation, LOINC code and
scoring rule. This module turns it into plain immutable objects and checks it
is complete, so a wording change never needs a code change and a missing
translation fails loudly at start-up instead of mid-conversation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

CONTENT_DIR = Path(__file__).parent / "content"
DEFAULT_INSTRUMENT = CONTENT_DIR / "instrument" / "ahc_hrsn_2018.yaml"
# One file per further language (`<code>.yaml`): the same wording, keyed by block, option
# set, item and option id, merged into the instrument as it loads (see `_add_translation`).
TRANSLATIONS_DIR = CONTENT_DIR / "instrument" / "translations"

Text = Mapping[str, str]  # language code -> wording


class InstrumentError(ValueError):
    """The instrument file is incomplete or inconsistent."""


@dataclass(frozen=True)
class Option:
    id: str
    number: int
    label: Text
    short: Text
    synonyms: Mapping[str, tuple[str, ...]]
    positive: bool = False
    score: int | None = None
    asks_text: bool = False
    loinc: str | None = None      # LOINC answer code (LA...) where one exists

    def phrases(self, language: str) -> tuple[str, ...]:
        """Everything that names this option in `language`, English as a fallback."""
        found: list[str] = []
        for lang in dict.fromkeys((language, "en")):
            found += [self.label.get(lang, ""), self.short.get(lang, ""), *self.synonyms.get(lang, ())]
        return tuple(p for p in dict.fromkeys(found) if p)


NOT_REVIEWED = "translation not yet reviewed"
REVIEWED = "translation reviewed"


@dataclass(frozen=True)
class Translation:
    """Where one item's wording in one language comes from, and whether a fluent reviewer checked it."""
    source: str
    reviewed: bool = False

    @property
    def review(self) -> str:
        return REVIEWED if self.reviewed else NOT_REVIEWED


@dataclass(frozen=True)
class Item:
    id: str
    text: Text
    why: Text
    options: tuple[Option, ...]
    kind: str = "single"          # "single" or "multi"
    loinc: str | None = None
    validated: bool = False       # verbatim wording of a validated instrument
    stem: Text | None = None      # shared stem shown before the text (PHQ items)
    help: Text | None = None
    text_for_man: Text | None = None
    none_option: str | None = None
    ask_when_positive: str | None = None   # a domain id: asked only when it is positive
    crisis_when_positive: bool = False
    optional_demographic: bool = False
    sensitive: bool | None = None  # stored encrypted; None: as its block says (see Instrument.sensitive_items)
    translations: Mapping[str, Translation] = field(default_factory=dict)   # language -> source, review

    def option(self, option_id: str) -> Option:
        for opt in self.options:
            if opt.id == option_id:
                return opt
        raise KeyError(f"{self.id} has no option {option_id!r}")


@dataclass(frozen=True)
class Block:
    id: str
    items: tuple[str, ...]
    needs: tuple[str, ...] = ()
    sensitive: bool = False
    lead_in: Text | None = None


@dataclass(frozen=True)
class Domain:
    id: str
    need: str
    items: tuple[str, ...]
    rule: str                     # "any_positive" or "sum_at_least"
    threshold: int | None = None
    loinc: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    panel_loinc: str
    languages: Mapping[str, Mapping[str, str]]
    blocks: tuple[Block, ...]
    items: Mapping[str, Item]
    domains: tuple[Domain, ...]
    _block_of: Mapping[str, str] = field(default_factory=dict, repr=False)

    def item(self, item_id: str) -> Item:
        return self.items[item_id]

    def block(self, block_id: str) -> Block:
        for block in self.blocks:
            if block.id == block_id:
                return block
        raise KeyError(block_id)

    def block_of(self, item_id: str) -> Block:
        return self.block(self._block_of[item_id])

    def domain(self, domain_id: str) -> Domain:
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise KeyError(domain_id)

    @property
    def sensitive_items(self) -> frozenset[str]:
        """Items whose answers are stored only encrypted: every item of a block marked
        `sensitive: true`, unless the item itself says `sensitive: false`, and any item
        that says `sensitive: true` on its own."""
        return frozenset(item_id for item_id, item in self.items.items()
                         if (item.sensitive if item.sensitive is not None
                             else self.block_of(item_id).sensitive))

    @property
    def sensitive_domains(self) -> frozenset[str]:
        """Domains whose results are stored only encrypted: those that score a sensitive item
        (a result says as much as the answers it is computed from)."""
        sensitive = self.sensitive_items
        return frozenset(d.id for d in self.domains if sensitive.intersection(d.items))

    def translation_review(self, language: str, item_id: str | None = None) -> str:
        """"source" for the language the instrument is written in; for a translation, the
        item's own review state when it records one, else the language's."""
        item = self.items.get(item_id) if item_id else None
        if item is not None and language in item.translations:
            return item.translations[language].review
        return self.languages.get(language, {}).get("review", "unknown")

    def translation_source(self, language: str, item_id: str) -> str | None:
        item = self.items.get(item_id)
        note = item.translations.get(language) if item else None
        return note.source if note else None


def _synonyms(raw: dict) -> dict[str, tuple[str, ...]]:
    found = {}
    for lang, words in (raw.get("synonyms") or {}).items():
        odd = [w for w in words or () if not isinstance(w, str)]
        if odd:     # YAML reads a bare no, yes, on or off as true/false: quote them
            raise InstrumentError(f"option {raw.get('id')!r}: synonyms.{lang} has {odd!r}, "
                                  "not words (quote \"no\", \"yes\", \"on\", \"off\")")
        found[lang] = tuple(words or ())
    return found


def _option(raw: dict, number: int) -> Option:
    return Option(
        id=str(raw["id"]),
        number=number,
        label=raw["label"],
        short=raw.get("short", raw["label"]),
        synonyms=_synonyms(raw),
        positive=bool(raw.get("positive", False)),
        score=raw.get("score"),
        asks_text=bool(raw.get("asks_text", False)),
        loinc=raw.get("loinc"),
    )


def _item(raw: dict, option_sets: dict) -> Item:
    raw_options = raw.get("options") or option_sets[raw["options_from"]]
    return Item(
        id=raw["id"],
        text=raw["text"],
        why=raw["why"],
        options=tuple(_option(o, n) for n, o in enumerate(raw_options, start=1)),
        kind=raw.get("kind", "single"),
        loinc=raw.get("loinc"),
        validated=bool(raw.get("validated", False)),
        stem=raw.get("stem"),
        help=raw.get("help"),
        text_for_man=raw.get("text_for_man"),
        none_option=raw.get("none_option"),
        ask_when_positive=raw.get("ask_when_positive"),
        crisis_when_positive=bool(raw.get("crisis_when_positive", False)),
        optional_demographic=bool(raw.get("optional_demographic", False)),
        sensitive=None if raw.get("sensitive") is None else bool(raw["sensitive"]),
        translations={lang: Translation(source=str(note.get("source") or ""), reviewed=note.get("reviewed") is True)
                      for lang, note in (raw.get("translation") or {}).items()},
    )


def _check(instrument: Instrument) -> None:
    """Every item is asked exactly once, every string exists in every language."""
    problems: list[str] = []
    languages = list(instrument.languages)
    asked = [i for block in instrument.blocks for i in block.items]
    for item_id in set(asked) ^ set(instrument.items):
        problems.append(f"item {item_id} is not in exactly one block and the item list")
    for item_id in {i for i in asked if asked.count(i) > 1}:
        problems.append(f"item {item_id} is in more than one block")

    def need_all(where: str, text: Text | None) -> None:
        if text is None:
            return
        for lang in languages:
            if not str(text.get(lang, "")).strip():
                problems.append(f"{where} has no {lang} text")

    for block in instrument.blocks:
        need_all(f"block {block.id} lead_in", block.lead_in)
    translated = [lang for lang, about in instrument.languages.items() if about.get("review") != "source"]
    for item in instrument.items.values():
        for lang in translated:
            note = item.translations.get(lang)
            if note is None or not note.source.strip():
                problems.append(f"item {item.id} has no {lang} translation source")
        for part in ("text", "why", "stem", "help", "text_for_man"):
            need_all(f"item {item.id} {part}", getattr(item, part))
        for opt in item.options:
            need_all(f"item {item.id} option {opt.id} label", opt.label)
            need_all(f"item {item.id} option {opt.id} short", opt.short)
        if item.none_option and item.none_option not in {o.id for o in item.options}:
            problems.append(f"item {item.id} none_option {item.none_option} is not an option")
    for domain in instrument.domains:
        for item_id in domain.items:
            if item_id not in instrument.items:
                problems.append(f"domain {domain.id} scores unknown item {item_id}")
        if domain.rule not in ("any_positive", "sum_at_least"):
            problems.append(f"domain {domain.id} has unknown rule {domain.rule}")
        if domain.rule == "sum_at_least":
            if domain.threshold is None:
                problems.append(f"domain {domain.id} needs a threshold")
            for item_id in domain.items:
                if any(o.score is None for o in instrument.items[item_id].options):
                    problems.append(f"domain {domain.id}: item {item_id} options need scores")
    domain_ids = {d.id for d in instrument.domains}
    for item in instrument.items.values():
        if item.ask_when_positive and item.ask_when_positive not in domain_ids:
            problems.append(f"item {item.id} depends on unknown domain {item.ask_when_positive}")
    if problems:
        raise InstrumentError("; ".join(sorted(problems)))


def _add_translation(raw: dict, overlay: dict, where: str) -> None:
    """Merge one translation file into the instrument as written: every text it gives lands
    where the instrument's own `{en: ..., es: ...}` texts are, so the checks are the same."""
    code = str(overlay.get("language") or "")
    if not code:
        raise InstrumentError(f"{where}: no language code")
    raw["languages"][code] = {"name": str(overlay.get("name") or code),
                              "review": str(overlay.get("review") or NOT_REVIEWED)}

    def put(node: dict, part: str, text) -> None:
        if text is not None:
            node.setdefault(part, {})[code] = text

    def options(targets: list, given: dict, owner: str) -> None:
        by_id = {str(o["id"]): o for o in targets}
        for option_id, words in (given or {}).items():
            if str(option_id) not in by_id:
                raise InstrumentError(f"{where}: {owner} has no option {option_id!r}")
            option = by_id[str(option_id)]
            words = {"label": words} if isinstance(words, str) else words
            put(option, "label", words.get("label"))
            put(option, "short", words.get("short", words.get("label")))
            if words.get("synonyms"):
                put(option, "synonyms", words["synonyms"])

    blocks = {b["id"]: b for b in raw["blocks"]}
    for block_id, text in (overlay.get("lead_in") or {}).items():
        if block_id not in blocks:
            raise InstrumentError(f"{where}: no block {block_id!r}")
        put(blocks[block_id], "lead_in", text)
    for set_id, given in (overlay.get("option_sets") or {}).items():
        if set_id not in raw.get("option_sets", {}):
            raise InstrumentError(f"{where}: no option set {set_id!r}")
        options(raw["option_sets"][set_id], given, f"option set {set_id}")
    items = {i["id"]: i for i in raw["items"]}
    for item_id, given in (overlay.get("items") or {}).items():
        if item_id not in items:
            raise InstrumentError(f"{where}: no item {item_id!r}")
        item = items[item_id]
        for part in ("text", "why", "stem", "help", "text_for_man"):
            put(item, part, given.get(part))
        if "options" in item:
            options(item["options"], given.get("options"), f"item {item_id}")
        item.setdefault("translation", {})[code] = {"source": given.get("source") or overlay.get("source"),
                                                    "reviewed": given.get("reviewed") is True}


def load_instrument(path: Path | str = DEFAULT_INSTRUMENT,
                    translations: Path | str | None = TRANSLATIONS_DIR) -> Instrument:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for file in sorted(Path(translations).glob("*.yaml")) if translations else ():
        _add_translation(raw, yaml.safe_load(file.read_text(encoding="utf-8")) or {}, file.name)
    option_sets = raw.get("option_sets", {})
    items = {r["id"]: _item(r, option_sets) for r in raw["items"]}
    blocks = tuple(
        Block(
            id=b["id"],
            items=tuple(b["items"]),
            needs=tuple(b.get("needs", ())),
            sensitive=bool(b.get("sensitive", False)),
            lead_in=b.get("lead_in"),
        )
        for b in raw["blocks"]
    )
    domains = tuple(
        Domain(
            id=d["id"],
            need=d["need"],
            items=tuple(d["items"]),
            rule=d["rule"],
            threshold=d.get("threshold"),
            loinc=d.get("loinc"),
            note=d.get("note"),
        )
        for d in raw["domains"]
    )
    instrument = Instrument(
        id=raw["id"],
        version=raw["version"],
        panel_loinc=raw["panel_loinc"],
        languages=raw["languages"],
        blocks=blocks,
        items=items,
        domains=domains,
        _block_of={i: b.id for b in blocks for i in b.items},
    )
    _check(instrument)
    return instrument


@lru_cache(maxsize=1)
def default_instrument() -> Instrument:
    return load_instrument()
