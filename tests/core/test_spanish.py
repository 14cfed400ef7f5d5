"""The Spanish wording: known errors fixed, published wording where we use it, and every
item's translation source and review state kept per item, in exports and the console."""
from __future__ import annotations

import re

import pytest
import yaml

from screening.casework import case_detail
from screening.dialogue.catalog import MESSAGES_DIR
from screening.instrument import NOT_REVIEWED, InstrumentError, default_instrument, load_instrument, DEFAULT_INSTRUMENT

from .person import Person
from .test_content import all_instrument_texts, flatten
from .test_conversation import exported

INSTRUMENT = default_instrument()


def spanish_strings():
    data = yaml.safe_load((MESSAGES_DIR / "es.yaml").read_text(encoding="utf-8"))
    yield from ((f"messages:{key}", text) for key, text in flatten(data))
    yield from ((f"instrument:{key}", text) for key, text in all_instrument_texts("es"))


SPANISH = sorted(spanish_strings())


def test_heating_oil_is_not_petroleum():
    assert not [k for k, t in SPANISH if "petróleo" in t.lower()]
    assert "aceite de calefacción" in INSTRUMENT.item("ahc_6").text["es"]


def test_drinks_are_alcoholic_drinks_wherever_they_are_counted():
    bare = [k for k, t in SPANISH if re.search(r"\bbebidas?\b(?! alcohólicas?)", t)]
    assert bare == []
    assert "4 o más bebidas alcohólicas" in INSTRUMENT.item("ahc_19").text["es"]
    assert "5 o más bebidas alcohólicas" in INSTRUMENT.item("ahc_19").text_for_man["es"]


def test_insult_and_scream_or_curse_are_two_different_questions():
    insult, curse = INSTRUMENT.item("ahc_8").text["es"], INSTRUMENT.item("ahc_10").text["es"]
    assert "le insulta" in insult and "insulta" not in curse
    assert "le grita o le maldice" in curse


def test_not_an_admission_is_in_the_subjunctive():
    assert not [k for k, t in SPANISH if "que admite" in t]
    assert any("no significa que admita nada" in t for _, t in SPANISH)


def test_the_ticket_is_a_citacion_and_the_fine_a_multa():
    # "multa" is only ever the money; the paper from the police is the "citación".
    for key, text in SPANISH:
        assert not re.search(r"(fecha (de|tiene) su|por su|desde su) multa", text), key


def test_phq_items_use_pfizers_published_spanish():
    stem = "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?"
    assert INSTRUMENT.item("ahc_23a").stem["es"] == stem
    assert INSTRUMENT.item("ahc_23a").text["es"] == "Poco interés o placer en hacer cosas"
    assert INSTRUMENT.item("ahc_23b").text["es"] == "Se ha sentido decaído(a), deprimido(a) o sin esperanzas"
    assert INSTRUMENT.item("phq9_9").text["es"] == \
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera"
    assert [o.label["es"] for o in INSTRUMENT.item("phq9_9").options] == [
        "Ningún día", "Varios días", "Más de la mitad de los días", "Casi todos los días"]


def test_every_item_records_its_spanish_source_and_none_claims_a_review():
    for item in INSTRUMENT.items.values():
        note = item.translations["es"]
        assert note.source.strip(), item.id
        assert note.reviewed is False, f"{item.id} claims a review that did not happen"
        assert INSTRUMENT.translation_review("es", item.id) == NOT_REVIEWED
        assert INSTRUMENT.translation_review("en", item.id) == "source"
    assert "Pfizer" in INSTRUMENT.translation_source("es", "phq9_9")
    assert "Our own item" in INSTRUMENT.translation_source("es", "legal_needs")


def test_an_item_without_a_spanish_source_is_refused_when_the_instrument_loads(tmp_path):
    text = DEFAULT_INSTRUMENT.read_text(encoding="utf-8")
    start = text.index("  - id: ahc_5\n")
    broken = text[:start] + re.sub(r"    translation:\n      es: \{[^}]*\}\n", "", text[start:], count=1)
    path = tmp_path / "instrument.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InstrumentError, match="item ahc_5 has no es translation source"):
        load_instrument(path)


def test_answers_in_spanish_carry_the_items_review_state_in_the_export_and_the_console(engine, repository):
    person = Person(engine)
    person.send("hola")
    person.send("sí")
    person.send("ayer")
    person.send("comida")
    person.send("2")                                    # ahc_3, a veces
    [record] = exported(repository)
    answer = record["answers"]["ahc_3"]
    assert answer["translation_review"] == NOT_REVIEWED
    assert "Hunger Vital Sign" in answer["translation_source"]
    with repository.transaction() as unit:
        [line] = [a for a in case_detail(unit.conn, unit.cipher, record["id"]).answers if a.item_id == "ahc_3"]
    assert line.language == "es" and line.translation_review == NOT_REVIEWED


def test_answers_in_english_are_the_source(engine, repository):
    from .test_conversation import at_first_question
    person = Person(engine)
    at_first_question(person)
    person.send("1")
    [record] = exported(repository)
    assert record["answers"]["ahc_1"]["translation_review"] == "source"
    assert record["answers"]["ahc_1"]["translation_source"] is None
