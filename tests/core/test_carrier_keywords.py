"""No message tells a person to send a carrier keyword.

On a basic phone STOP, END, QUIT, CANCEL, UNSUBSCRIBE (and PARAR on some carriers) reach
the phone company first: STOP ends every text from the program. HELP, INFO, START and
UNSTOP belong to the carrier too. The assistant's own words for pausing and leaving are
PAUSE / PAUSA and EXIT / SALIR. Only the SMS HELP reply and the opt-in reply may name
carrier keywords, to explain them honestly.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from screening import interpret
from screening.dialogue.catalog import LANGUAGES, MESSAGES_DIR, Catalog
from screening.instrument import default_instrument
from screening.sms_text import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS

from .test_content import flatten

ROOT = Path(__file__).resolve().parents[2]
WIDGET_STRINGS = ROOT / "screening" / "app" / "web_chat" / "static" / "strings.json"

# YES and SI opt back in only while a number is opted out; everywhere else they are answers.
CARRIER_KEYWORDS = (OPT_OUT_WORDS | (OPT_IN_WORDS - {"yes", "si"}) | set(HELP_WORDS)
                    | {"stop", "stopall", "end", "quit", "cancel", "unsubscribe", "revoke", "optout",
                       "help", "info", "start", "unstop", "parar", "ayuda"})
# The replies that explain the carrier's own words (STOP, START) on purpose.
ALLOWED = {"sms.help", "sms.opted_in", "voluntary.sms.help", "voluntary.sms.opted_in"}

_KEYWORDS = "|".join(sorted(CARRIER_KEYWORDS, key=len, reverse=True))
_VERBS = ("reply|send|text|type|say|write|enter|press|respond|answer|responda|responde|envíe|envie|"
          "escriba|escribe|diga|di|mande|manda|conteste|contesta")
INSTRUCTIONS = (
    # A keyword in capitals is how the assistant writes a word to send: "PAUSE, STOP, PERSON".
    re.compile(rf"\b(?:{_KEYWORDS.upper()})\b"),
    # "reply stop", "send 'STOP'", "escriba parar"
    re.compile(rf"\b(?:{_VERBS})\s+[\"'“‘«]?(?:{_KEYWORDS})\b", re.IGNORECASE),
    # "You can stop and come back later", "Puede parar y volver después"
    re.compile(rf"\b(?:you can|puede|puedes)\s+(?:{_KEYWORDS})\b", re.IGNORECASE),
)


def instructs_a_carrier_keyword(text: str) -> bool:
    return any(pattern.search(text) for pattern in INSTRUCTIONS)


def every_string():
    """Every message in every language: the messages files (both program modes), the web
    chat widget's own words and the instrument's wording."""
    for language in LANGUAGES:
        data = yaml.safe_load((MESSAGES_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
        for key, text in flatten(data):
            if key not in ALLOWED and not key.startswith(("months.", "weekdays.")):
                yield f"messages/{language}.yaml:{key}", text
    for key, text in flatten(json.loads(WIDGET_STRINGS.read_text(encoding="utf-8"))):
        yield f"strings.json:{key}", text
    instrument = default_instrument()
    for item in instrument.items.values():
        for part in ("text", "why", "help", "stem", "text_for_man"):
            for language, text in (getattr(item, part) or {}).items():
                yield f"instrument:{item.id}.{part}.{language}", text
        for option in item.options:
            for language in option.label:
                yield f"instrument:{item.id}.{option.id}.{language}", option.label[language]
                yield f"instrument:{item.id}.{option.id}.short.{language}", option.short[language]


@pytest.mark.parametrize("where, text", sorted(every_string()))
def test_no_message_tells_a_person_to_send_a_carrier_keyword(where, text):
    assert not instructs_a_carrier_keyword(text), f"{where} invites a carrier keyword: {text}"


@pytest.mark.parametrize("text", [
    "You can stop and come back later.",
    "You can also say: SKIP, WHY, PAUSE, STOP, PERSON to reach staff.",
    "Reply stop to end this.",
    "Para parar, escriba 'parar'.",
    "Puede parar y volver después.",
    "Text HELP for help.",
    "Reply START to begin.",
    "Also: PAUSA, PARAR, PERSONA.",
    "Send END to leave.",
])
def test_the_scan_catches_an_invitation_to_send_a_carrier_keyword(text):
    assert instructs_a_carrier_keyword(text)


@pytest.mark.parametrize("text", [
    "We can help you find services.",
    "When you are ready, reply OK to go on. Or reply PAUSE to stop for now.",
    "OK, we ended the needs check for now.",
    "Call or text 988 any time.",
    "Trained staff run it to help people find services.",
    "EXIT to leave the needs check",
])
def test_the_scan_leaves_ordinary_words_alone(text):
    assert not instructs_a_carrier_keyword(text)


def test_the_sms_help_reply_may_explain_stop_and_start_and_says_how_to_start_or_go_on():
    catalog = Catalog()
    english, spanish = catalog.say("en", "sms.help"), catalog.say("es", "sms.help")
    assert "Reply STOP to stop all texts" in english and "Reply START" in english
    assert "To start or go on, send any other word, like HI" in english
    assert "Para empezar o seguir, envíe cualquier otra palabra, como HOLA" in spanish
    for word in ("HI", "HOLA"):
        assert word.lower() not in CARRIER_KEYWORDS


@pytest.mark.parametrize("language, words", [
    ("en", ("SKIP", "WHY", "BACK", "PAUSE", "EXIT", "PERSON")),
    ("es", ("SALTAR", "POR QUÉ", "VOLVER", "PAUSA", "SALIR", "PERSONA")),
])
def test_the_words_help_offers_are_the_assistants_own_and_each_one_works(language, words):
    help_text = Catalog().say(language, "help_text")
    expected = ("skip", "why", "back", "pause", "stop", "human")
    for word, command in zip(words, expected):
        assert word in help_text
        assert interpret.detect_command(word, language) == command, word
        assert re.sub(r"\W", "", word.lower()) not in CARRIER_KEYWORDS, word


@pytest.mark.parametrize("typed", ["stop", "STOP", "quit", "end", "cancel", "parar", "exit", "EXIT", "salir",
                                   "exit check"])
def test_what_people_type_to_stop_is_still_understood_in_the_core(typed):
    # Over SMS the carrier keywords never reach the core (the gateway handles them);
    # in the web chat they still end the screening, as they always did.
    assert interpret.detect_command(typed, "en") == "stop"
