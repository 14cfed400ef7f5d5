"""Portuguese, Haitian Creole, Chinese, Vietnamese and Cape Verdean Creole: every string
there, every item marked not yet reviewed, a whole screening in each, the commands, numbers
and option words in each, and a crisis phrase in each that escalates."""
from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import select

from screening import interpret
from screening.casework import case_detail
from screening.crisis import CRISIS_DIR, read_crisis
from screening.dialogue.catalog import Catalog
from screening.instrument import NOT_REVIEWED, default_instrument
from screening.interpret import LEXICON_DIR
from screening.languages import LANGUAGE_COMMANDS, LANGUAGES, OWN_NAMES
from screening.records.models import flags, screenings
from screening.resources import phone_variables

from .person import Person
from .test_content import all_instrument_texts, messages
from .test_conversation import at_first_question, exported, stored

INSTRUMENT = default_instrument()
NEW = ("pt", "ht", "zh", "vi", "kea")
CATALOG = Catalog()

# How a person says things in each language, as the lexicon files read them.
WORDS = {
    "pt": dict(yes="sim", skip="pular", why="por quê", back="voltar", pause="pausa", person="pessoa",
               go_on="seguir", crisis="eu quero morrer", number=("dois", "worried"),
               option=("ahc_3", "às vezes", "sometimes_true")),
    "ht": dict(yes="wi", skip="sote", why="poukisa", back="tounen", pause="poz", person="moun",
               go_on="kontinye", crisis="mwen vle mouri", number=("twa", "not_steady"),
               option=("ahc_3", "pafwa", "sometimes_true")),
    "zh": dict(yes="是", skip="跳过", why="为什么", back="返回", pause="暂停", person="真人",
               go_on="继续", crisis="我真的想死了", number=("二", "worried"),
               option=("ahc_3", "经常", "often_true")),
    "vi": dict(yes="có", skip="bỏ qua", why="tại sao", back="quay lại", pause="tạm dừng",
               person="nhân viên", go_on="tiếp tục", crisis="tôi muốn chết", number=("hai", "worried"),
               option=("ahc_3", "thỉnh thoảng", "sometimes_true")),
    "kea": dict(yes="sin", skip="pula", why="pamodi", back="volta", pause="pauza", person="pesoa",
                go_on="kontinua", crisis="N kre móre", safe="sigur", number=None,
                option=("ahc_3", "txeu bes", "often_true")),
}


def say(language: str, key: str, **values) -> str:
    return CATALOG.say(language, key, **values)


def current_step(repository) -> str:
    [(step,)] = stored(repository, select(screenings.c.step).order_by(screenings.c.started_at.desc()).limit(1))
    return step


def started_in(person: Person, language: str) -> str:
    """The first message is the language's own name: the welcome comes in that language."""
    return person.send(OWN_NAMES[language])


# ------------------------------------------------------------------ complete

@pytest.mark.parametrize("language", NEW)
def test_every_message_item_option_and_label_exists_and_is_marked_not_reviewed(language):
    assert language in LANGUAGES and language in INSTRUMENT.languages
    assert CATALOG.review_status(language) == NOT_REVIEWED
    said = messages(language)
    assert all(text.strip() for text in said.values())
    for where, text in all_instrument_texts(language):
        assert text.strip(), where
    for item in INSTRUMENT.items.values():
        assert INSTRUMENT.translation_review(language, item.id) == NOT_REVIEWED
        assert INSTRUMENT.translation_source(language, item.id).strip()
        assert item.translations[language].reviewed is False, f"{item.id} claims a review"
    # The validated items are our translation until compared with a published one, and say so.
    assert "not been compared" in INSTRUMENT.translation_source(language, "phq9_9") or \
        "no published" in INSTRUMENT.translation_source(language, "phq9_9")


@pytest.mark.parametrize("language", NEW)
def test_crisis_phrases_exist_for_every_kind_and_are_marked_unreviewed(language):
    data = yaml.safe_load((CRISIS_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    assert data["reviewed"] is False
    assert {kind for kind, groups in data["kinds"].items() if groups.get("imminent")} == \
        {"self_harm", "overdose", "violence", "medical"}
    for reply in ("safe", "go_on", "not_ok", "leave", "ack"):
        assert data["safety_replies"][reply], reply


@pytest.mark.parametrize("language", NEW)
def test_each_language_has_its_words_for_every_command(language):
    data = yaml.safe_load((LEXICON_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    assert {"skip", "why", "back", "pause", "stop", "human", "help", "reminders_on", "reminders_off"} \
        <= set(data["commands"])
    own = [c for c, code in LANGUAGE_COMMANDS.items() if code == language]
    assert own and data["commands"][own[0]]
    assert (LEXICON_DIR / f"needs_{language}.yaml").exists()


@pytest.mark.parametrize("language", NEW)
def test_the_words_each_language_offers_are_understood_and_never_a_carrier_keyword(language):
    words = WORDS[language]
    for command in ("skip", "why", "back", "pause", "person"):
        expected = "human" if command == "person" else command
        assert interpret.detect_command(words[command], language) == expected, words[command]
    assert interpret.yes_or_no(words["yes"], language) == "yes"
    assert interpret.detect_command(OWN_NAMES[language], "en") in LANGUAGE_COMMANDS
    for text in (say(language, "help_text"), say(language, "reminders.said_no")):
        assert not re.search(r"\b(STOP|END|QUIT|CANCEL|HELP|INFO|START|UNSTOP|PARAR|AYUDA)\b", text)


# --------------------------------------------------------- in a conversation

@pytest.mark.parametrize("language", NEW)
def test_a_whole_screening_in_each_new_language(engine, repository, language):
    words = WORDS[language]
    person = Person(engine)
    reply = started_in(person, language)
    assert say(language, "consent_ask") in reply
    assert say(language, "citation_ask") in person.send(words["yes"])    # language known: not asked again
    reply = person.send(words["skip"])
    assert say(language, "needs_ask") in reply and CATALOG.need_label(language, "housing") in reply
    person.send("1")                                                     # a place to live
    seen_first_item = False
    for _ in range(60):
        step = current_step(repository)
        kind, _, name = step.partition(":")
        if kind == "done":
            break
        if kind == "item" and not seen_first_item:
            assert INSTRUMENT.item(name).text[language] in person.last
            seen_first_item = True
        answer = {"item": "1", "permission": words["yes"], "location": "02118", "location_choice": "1",
                  "contact": "4", "needs_rank": "1"}.get(kind, words["skip"])
        person.send(answer)
    else:
        pytest.fail("the screening never finished")
    summary = person.last
    assert say(language, "summary_done") in summary
    assert say(language, "summary_language_access") in summary          # who answers in their language
    [record] = exported(repository)
    assert record["status"] == "completed" and record["language"] == language
    assert record["completion_code"] in summary
    assert record["answers"]["ahc_1"]["option_ids"] == ["steady"]
    assert all(a["translation_review"] == NOT_REVIEWED and a["translation_source"]
               for a in record["answers"].values())
    with repository.transaction() as unit:
        lines = case_detail(unit.conn, unit.cipher, record["id"]).answers
    assert lines and all(line.language == language and line.translation_review == NOT_REVIEWED
                         for line in lines)


@pytest.mark.parametrize("language", NEW)
def test_commands_numbers_and_option_words_in_each_language(engine, repository, language):
    words = WORDS[language]
    item = INSTRUMENT.item("ahc_1")
    person = Person(engine)
    at_first_question(person)                                  # in English
    person.send(OWN_NAMES[language])
    assert say(language, "language_switched") in person.last and item.text[language] in person.last
    assert item.why[language] in person.send(words["why"])
    if words["number"]:
        word, option = words["number"]
        person.send(word)
        [record] = exported(repository)
        assert record["answers"]["ahc_1"]["option_ids"] == [option]
        assert say(language, "back_ack") in person.send(words["back"])
        assert item.text[language] in person.last
    reply = person.send(words["skip"])
    assert say(language, "skipped") in reply or say(language, "dont_know") in reply
    assert INSTRUMENT.item("ahc_2").text[language] in reply
    assert say(language, "human_ack") in person.send(words["person"])
    [(kind,)] = stored(repository, select(flags.c.kind))
    assert kind == "person_requested"
    assert say(language, "pause_ack", finish_by=say(language, "finish_by.ticket")) in person.send(words["pause"])
    assert say(language, "welcome_back") in person.send("1")    # any word goes on
    person.send("1")                                            # ahc_2: pests
    item_id, said, option = words["option"]
    assert INSTRUMENT.item(item_id).text[language] in person.last
    person.send(said)
    [record] = exported(repository)
    assert record["answers"][item_id]["option_ids"] == [option]
    assert record["answers"]["ahc_2"]["option_ids"] == ["pests"]


@pytest.mark.parametrize("language", NEW)
def test_a_crisis_phrase_in_each_language_escalates_with_help_in_that_language(engine, repository, language):
    words = WORDS[language]
    assert read_crisis(words["crisis"]).imminent
    person = Person(engine)
    started_in(person, language)
    person.send(words["yes"])
    reply = person.send(words["crisis"])
    first = CATALOG.paragraphs(language, "crisis_first.self_harm")[0]
    assert first in reply and phone_variables()["phone_988"] in reply
    assert say(language, "crisis_safety_ask.self_harm") in reply
    [(kind,)] = stored(repository, select(flags.c.kind))
    assert kind == "crisis"
    assert say(language, "crisis_safe_glad") in person.send(words.get("safe", words["yes"]))
    reply = person.send(words["go_on"])
    assert say(language, "crisis_resume") in reply and say(language, "citation_ask") in reply


@pytest.mark.parametrize("language", NEW)
def test_a_crisis_phrase_in_any_language_escalates_in_an_english_screening(engine, repository, language):
    person = Person(engine)
    at_first_question(person)
    reply = person.send(WORDS[language]["crisis"])
    assert "Please call or text 988 now" in reply
    [(kind,)] = stored(repository, select(flags.c.kind))
    assert kind == "crisis"


def test_the_language_menu_lists_all_seven_each_in_its_own_name_one_a_line(engine, repository):
    person = Person(engine)
    person.send("hi")
    reply = person.send("yes")
    lines = reply.splitlines()
    for n, language in enumerate(LANGUAGES, start=1):
        assert f"{n} {OWN_NAMES[language]}" in lines, (n, language)
    assert say("pt", "language_set") in person.send("3")
    [record] = exported(repository)
    assert record["language"] == "pt"


def test_switching_language_keeps_every_answer(engine, repository):
    person = Person(engine)
    at_first_question(person)
    person.send("1")                                        # ahc_1 in English
    reply = person.send("中文")
    assert say("zh", "language_switched") in reply and INSTRUMENT.item("ahc_2").text["zh"] in reply
    person.send("以上都没有")                                 # none of the above, in Chinese
    person.send("Tiếng Việt")
    person.send("thỉnh thoảng")                             # ahc_3, sometimes, in Vietnamese
    [record] = exported(repository)
    assert record["language"] == "vi"
    assert record["answers"]["ahc_1"]["option_ids"] == ["steady"]
    assert record["answers"]["ahc_1"]["language"] == "en"
    assert record["answers"]["ahc_1"]["translation_review"] == "source"
    assert record["answers"]["ahc_2"]["option_ids"] == ["none"]
    assert record["answers"]["ahc_2"]["language"] == "zh"
    assert record["answers"]["ahc_3"]["option_ids"] == ["sometimes_true"]
    assert record["answers"]["ahc_3"]["language"] == "vi"


@pytest.mark.parametrize("language, speaks, interpreter", [
    ("pt", "SafeLink", "Massachusetts Behavioral Health Help Line"),
    ("es", "SafeLink", "Massachusetts Behavioral Health Help Line"),
    ("zh", None, "SafeLink"),
])
def test_statewide_lines_say_who_answers_in_the_persons_language_or_has_an_interpreter(language, speaks, interpreter):
    from screening.dialogue.summary import StatewideLines
    lines = {r.name: r.reason for r in StatewideLines(CATALOG).referrals(["safety", "mental_health"],
                                                                          language=language)}
    interpreted = [name for name, reason in lines.items() if say(language, "reason_interpreter") in reason]
    spoken = [name for name, reason in lines.items() if say(language, "reason_language") in reason]
    assert any(interpreter in name for name in interpreted)
    if speaks:
        assert any(speaks in name for name in spoken)
    assert not any("Project Bread" in name for name in interpreted + spoken)    # nothing claimed unknown
    english = StatewideLines(CATALOG).referrals(["safety"], language="en")
    assert all(r.reason == say("en", "reason_statewide") for r in english)


@pytest.mark.parametrize("language, words", [
    ("es", "el programa Needs Check"), ("pt", "Programa Needs Check"), ("vi", "chương trình Needs Check"),
])
def test_the_default_program_name_is_said_in_the_persons_language(language, words):
    from screening.dialogue.catalog import Catalog
    from screening.program import Program
    catalog = Catalog(Program())
    said = catalog.say(language, "sms.help")
    assert words in said and "the Needs Check program" not in said
    assert "Programa Puente" in Catalog(Program(name="Programa Puente")).say(language, "sms.help")
