"""The words the assistant says: complete in every language, plain, and free of stigma.

Also checks that the Rasa domain, its rules, its training data, the actions and the
instrument never drift apart.
"""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml

from screening.dialogue import plan
from screening.dialogue.catalog import LANGUAGES, MESSAGES_DIR, Catalog
from screening.instrument import InstrumentError, default_instrument, load_instrument, DEFAULT_INSTRUMENT
from screening.text_checks import MAX_READING_GRADE, reading_grade

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENT = default_instrument()

# Verbatim wording of validated instruments is exempt from the reading-level
# check (it may not be reworded). Listed here so the exemption is explicit.
VALIDATED_ITEMS = {
    "ahc_1", "ahc_2", "ahc_3", "ahc_4", "ahc_5", "ahc_6", "ahc_7", "ahc_8", "ahc_9", "ahc_10",
    "ahc_11", "ahc_12", "ahc_19", "ahc_20", "ahc_21", "ahc_22", "ahc_23a", "ahc_23b", "phq9_9", "ahc_24",
}
VALIDATED_LEAD_INS = {"food", "substance_use", "safety"}


def flatten(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from flatten(value, f"{prefix}{key}.")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from flatten(value, f"{prefix}{n}.")
    else:
        yield prefix.rstrip("."), str(node)


def messages(language):
    return dict(flatten(yaml.safe_load((MESSAGES_DIR / f"{language}.yaml").read_text(encoding="utf-8"))))


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def our_instrument_texts(language):
    """Instrument wording we wrote ourselves (help, why-we-ask, our own items)."""
    for item in INSTRUMENT.items.values():
        yield f"{item.id}.why", item.why[language]
        if item.help:
            yield f"{item.id}.help", item.help[language]
        if item.id not in VALIDATED_ITEMS:
            yield f"{item.id}.text", item.text[language]


def all_instrument_texts(language):
    for item in INSTRUMENT.items.values():
        for part in (item.text, item.why, item.help, item.stem, item.text_for_man):
            if part:
                yield item.id, part[language]
        for option in item.options:
            yield f"{item.id}.{option.id}", option.label[language]
            yield f"{item.id}.{option.id}", option.short[language]
    for block in INSTRUMENT.blocks:
        if block.lead_in:
            yield block.id, block.lead_in[language]


def test_validated_items_are_exactly_the_ones_marked_in_the_instrument():
    assert {i.id for i in INSTRUMENT.items.values() if i.validated} == VALIDATED_ITEMS
    assert {b.id for b in INSTRUMENT.blocks if b.lead_in} == VALIDATED_LEAD_INS


def test_every_message_exists_in_every_language_with_the_same_placeholders():
    english = messages("en")
    for language in LANGUAGES[1:]:
        other = messages(language)
        other.pop("review", None)
        assert set(other) == set(english), f"{language} keys differ"
        for key, text in english.items():
            assert placeholders(other[key]) == placeholders(text), f"{language}:{key}"


def test_spanish_is_marked_as_not_yet_reviewed():
    assert Catalog().review_status("es") == "translation not yet reviewed"
    assert INSTRUMENT.translation_review("es") == "translation not yet reviewed"


def test_no_phone_number_is_written_into_the_dialogue_text():
    phone = re.compile(r"\b(911|988|211|\d{3}-\d{3}-\d{4})\b")
    for language in LANGUAGES:
        for key, text in messages(language).items():
            assert not phone.search(text), f"{language}:{key} writes a phone number; use a placeholder"


@pytest.mark.parametrize("key, text", sorted(messages("en").items()))
def test_english_messages_read_at_grade_6_or_below(key, text):
    if key in ("months", "date_format", "language_name") or key.startswith(("months.", "weekdays.")):
        return
    assert reading_grade(text) <= MAX_READING_GRADE, f"{key}: grade {reading_grade(text):.1f}: {text}"


@pytest.mark.parametrize("key, text", sorted(our_instrument_texts("en")))
def test_our_own_instrument_wording_reads_at_grade_6_or_below(key, text):
    assert reading_grade(text) <= MAX_READING_GRADE, f"{key}: grade {reading_grade(text):.1f}: {text}"


def test_a_missing_translation_is_refused_when_the_instrument_loads(tmp_path):
    broken = DEFAULT_INSTRUMENT.read_text(encoding="utf-8").replace(
        '      es: "¿Cuál es su situación de vivienda hoy?"\n', "", 1)
    path = tmp_path / "instrument.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InstrumentError, match="item ahc_1 text has no es text"):
        load_instrument(path)


def test_a_bare_no_among_an_options_words_is_refused_not_read_as_false(tmp_path):
    text = DEFAULT_INSTRUMENT.read_text(encoding="utf-8")
    broken = text.replace('synonyms: {en: [none, nothing, "no", nope,', "synonyms: {en: [none, nothing, no, nope,", 1)
    assert broken != text
    path = tmp_path / "instrument.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InstrumentError, match="quote"):
        load_instrument(path)


def test_a_plain_no_to_the_legal_question_is_none_of_these():
    from screening.dialogue.reading import read_item_answer
    item = INSTRUMENT.item("legal_needs")
    assert read_item_answer(item, "no", "en") == ("none",)
    assert read_item_answer(item, "no", "es") == ("none",)


def test_every_item_is_asked_in_the_conversation():
    everything_positive = {"ahc_23a": ("nearly_every_day",), "ahc_23b": ("nearly_every_day",)}
    path = plan.steps(INSTRUMENT, needs=[], answers=everything_positive, state={}, ask_language=True,
                      ask_contact_detail=False)
    asked = {step.split(":", 1)[1] for step in path if step.startswith("item:")}
    assert asked == set(INSTRUMENT.items)


def test_rasa_domain_rules_training_data_and_actions_agree():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    rules = yaml.safe_load((ROOT / "data/rules/rules.yml").read_text())["rules"]
    routed = {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in rules}
    assert set(routed) == set(domain["intents"]) | {"nlu_fallback"}
    assert set(routed.values()) == set(domain["actions"])

    import actions.screening_turn as module
    from actions.screening_turn import ScreeningTurn
    defined = {cls().name() for cls in vars(module).values()
               if isinstance(cls, type) and issubclass(cls, ScreeningTurn) and cls is not ScreeningTurn}
    assert defined == set(domain["actions"])

    for language in ("en", "es"):
        nlu = yaml.safe_load((ROOT / f"data/nlu/{language}.yml").read_text())["nlu"]
        trained = {entry["intent"] for entry in nlu if "intent" in entry}
        assert trained == set(domain["intents"]), f"{language} training data covers other intents"


def test_nlu_examples_generated_from_the_instrument_are_up_to_date():
    from screening.training_data import generated_options_file

    path, text = generated_options_file(ROOT / "data" / "nlu")
    assert path.read_text(encoding="utf-8") == text, "the instrument changed: run `screening nlu-options`"
