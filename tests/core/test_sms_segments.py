"""What a screening costs by SMS: texts packed to the fewest billed segments, the reply hint
once, and the assistant's own words accent-folded to GSM-7 in Spanish and Portuguese while
validated item wording keeps its accents. Engine tests run on SQLite and PostgreSQL."""
from __future__ import annotations

from screening.dialogue.catalog import Catalog
from screening.dialogue.engine import Incoming
from screening.dialogue.replies import channel_messages
from screening.instrument import default_instrument
from screening.languages import SMS_FOLDS_ACCENTS
from screening.sms_text import encoding, gsm7_folded, is_gsm7, pack_messages, segments

from .person import Person
from .test_conversation import at_first_question

INSTRUMENT = default_instrument()
CATALOG = Catalog()


# ------------------------------------------------------------------- folding
def test_spanish_and_portuguese_fold_to_gsm7_and_keep_the_letters_gsm7_has():
    assert gsm7_folded("¿Quiere empezar? Responda SÍ o NO. Sus 45 días") == \
        "¿Quiere empezar? Responda SI o NO. Sus 45 dias"
    assert gsm7_folded("Você não está só. Informação") == "Voce nao esta so. Informacao"
    assert gsm7_folded("Èske ou vle kòmanse? Reponn WI") == "Eske ou vle kòmanse? Reponn WI"   # ò is GSM-7
    assert gsm7_folded("señor, qué, pingüino") == "señor, qué, pingüino"           # ñ é ü are GSM-7
    assert all(is_gsm7(gsm7_folded(t)) for t in ("últimos días", "ação", "Kriolu: N kre móre"))


def test_vietnamese_keeps_its_tone_marks_by_sms_and_chinese_cannot_fold():
    # Vietnamese marks are its tones: folded, "bạn có muốn" would be other words.
    assert SMS_FOLDS_ACCENTS == {"es", "pt", "ht", "kea"}
    assert gsm7_folded("中文") == "中文" and encoding(gsm7_folded("中文")) == "UCS-2"


# ------------------------------------------------------------------- packing
def test_a_reply_just_over_two_segments_goes_as_two_texts_billed_two_not_one_billed_three():
    question = "Question 3 of 21\nThink about the place you live.\n" + "\n".join(
        f"{n} An option with a label of the size" for n in range(1, 8))
    assert 306 < len(question) <= 320 and segments(question) == 3
    parts = pack_messages([question])
    assert sum(p.segments for p in parts) == 2 and len(parts) == 2
    assert "\n".join(p.body for p in parts) == question              # cut at a line, nothing lost


def test_a_line_that_needs_ucs2_goes_alone_so_the_rest_stays_gsm7():
    menu = "Which language do you want?\n1 English\n2 Español\n3 Português\n4 Kreyòl ayisyen\n" \
           "5 中文\n6 Tiếng Việt\n7 Kriolu kabuverdianu"
    assert segments(menu) == 2
    said = "OK, no reminders. If you change your mind, reply REMINDERS ON."
    parts = pack_messages([said, menu])
    assert [p.encoding for p in parts] == ["GSM-7", "UCS-2"]
    assert "Which language" in parts[0].body and "1 English" in parts[0].body
    assert parts[1].body.endswith("5 中文\n6 Tiếng Việt\n7 Kriolu kabuverdianu") and parts[1].segments == 1
    assert sum(p.segments for p in parts) == 2 < segments(said + "\n\n" + menu)


def test_short_replies_share_one_text_when_that_costs_no_more():
    parts = pack_messages(["OK, skipped.", "Question 2 of 9\nDo you have a car?\n1 Yes\n2 No"])
    assert [p.body for p in parts] == ["OK, skipped.\n\nQuestion 2 of 9\nDo you have a car?\n1 Yes\n2 No"]


# ---------------------------------------------------------------- the engine
def sms_texts(engine, sender: str, text: str, key: str) -> list[str]:
    replies = engine.handle(Incoming(channel="sms", sender_id=sender, text=text, message_key=key))
    return [m["text"] for m in channel_messages(replies, "sms")]


def test_the_reply_hint_comes_with_the_first_numbered_question_only_and_again_when_not_understood(engine):
    person = Person(engine)
    at_first_question(person)
    hint = "Reply with a number from 1 to 3."
    assert hint in person.last                                   # ahc_1, the first numbered question
    reply = person.send("1")                                     # ahc_2: the needs list gave that hint
    assert "Pick all that fit." in reply and "Reply with all the numbers that fit" not in reply
    reply = person.send("8")                                     # ahc_3
    assert INSTRUMENT.item("ahc_3").text["en"] in reply and "Reply with a number" not in reply
    assert "Reply with a number from 1 to 3." in person.send("purple")    # not understood: the hint again
    assert "Reply with a number from 1 to 3." in person.send("why")       # why: the question's hint too


def test_by_sms_in_spanish_the_assistants_words_fold_and_validated_wording_keeps_its_accents(engine):
    sender = "+16175550199"
    welcome = sms_texts(engine, sender, "EVALUAR", "s-1")
    assert all(is_gsm7(text) for text in welcome)
    assert "Responda SI, NO o POR QUÉ" in welcome[-1]      # É is GSM-7, Í is not
    sms_texts(engine, sender, "sí", "s-2")                       # consent: the reminders question
    asked = sms_texts(engine, sender, "no", "s-3")               # the ticket's date, folded
    assert all(is_gsm7(text) for text in asked) and "¿Qué fecha tiene su citacion?" in asked[-1]
    sms_texts(engine, sender, "paso", "s-4")                     # date skipped: the needs list
    first_item = sms_texts(engine, sender, "paso", "s-5")        # needs skipped: the first item
    question = INSTRUMENT.item("ahc_1").text["es"]
    assert "á" in question or "ó" in question or "ú" in question or "í" in question
    assert any(question in text for text in first_item)          # verbatim, accents and all
    assert CATALOG.say("es", "skipped") not in "".join(first_item)
    assert gsm7_folded(CATALOG.say("es", "skipped")) in "".join(first_item)


def test_the_web_chat_in_spanish_keeps_every_accent(engine):
    person = Person(engine, channel="web")
    reply = person.send("EVALUAR")
    assert "Responda SÍ, NO o POR QUÉ" in reply
    replies = engine.handle(Incoming(channel="web", sender_id="web-2", text="EVALUAR", message_key="w-1"))
    assert "Responda SÍ, NO o POR QUÉ" in channel_messages(replies, "web")[-1]["text"]
