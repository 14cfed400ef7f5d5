"""What a message means as an answer to one instrument item.

Shared by the dialogue engine and the benchmarks, so what is measured is what runs.
"""
from __future__ import annotations

from .. import interpret
from ..instrument import Item
from ..interpret import OptionChoice

# NLU intents that name a command, and how sure the model must be to act on one.
COMMAND_INTENTS = {
    "skip": "skip", "dont_know": "dont_know", "ask_why": "why", "pause": "pause", "stop": "stop",
    "help": "help", "request_human": "human", "change_answer": "back",
    "language_english": "english", "language_spanish": "spanish",
}
INTENT_CONFIDENCE = 0.75
# Commands that interrupt the screening need more certainty when only the model
# says so (the words themselves were not a clear command).
INTERRUPTING_INTENT_CONFIDENCE = {"pause": 0.9, "stop": 0.9}
CRISIS_INTENT_CONFIDENCE = 0.85


def command_from_intent(intent: str | None, confidence: float) -> str | None:
    """The command (or "crisis") the NLU model's intent names, when it is sure enough."""
    if intent == "crisis" and confidence >= CRISIS_INTENT_CONFIDENCE:
        return "crisis"
    if intent in COMMAND_INTENTS and confidence >= INTERRUPTING_INTENT_CONFIDENCE.get(intent, INTENT_CONFIDENCE):
        return COMMAND_INTENTS[intent]
    return None


# How sure the NLU model must be that a message is a plain yes or no before
# the core reads it as the item's yes or no option.
YES_NO_INTENT_CONFIDENCE = 0.6
YES_NO_INTENTS = {"affirm": "yes", "deny": "no"}


def yes_or_no(text: str, language: str, intent: str | None, confidence: float) -> str | None:
    """'yes' or 'no' from the words themselves, else from a confident affirm/deny intent."""
    said = interpret.yes_or_no(text, language)
    if said:
        return said
    if intent in YES_NO_INTENTS and confidence >= YES_NO_INTENT_CONFIDENCE:
        return YES_NO_INTENTS[intent]
    return None


def item_choices(item: Item, language: str) -> list[OptionChoice]:
    """Each option with its phrases in the screening's language first, then in every other
    language: people mix languages ("a veces" in an English screening), as the lexicon's
    yes/no words and numbers are read in both languages too."""
    choices = []
    for option in item.options:
        languages = dict.fromkeys([language, *option.label, *option.synonyms])
        phrases = [p for lang in languages for p in option.phrases(lang)]
        choices.append(OptionChoice(option.id, option.number, tuple(dict.fromkeys(phrases))))
    return choices


# Commands whose words can also be an item's own option: "prefer not to say" is the gender
# item's option, not a request to skip it.
COMMANDS_AN_OPTION_CAN_NAME = frozenset({"skip", "pause", "dont_know"})


def option_named_over_command(item: Item, text: str, language: str, command: str | None) -> bool:
    """True when `text` reads as `command` but its words name one of the item's options
    directly (not through a bare yes or no), so the answer wins."""
    if command not in COMMANDS_AN_OPTION_CAN_NAME or item.kind == "multi":
        return False
    return interpret.match_single(text, item_choices(item, language), language) is not None


def read_item_answer(item: Item, text: str, language: str, intent: str | None = None,
                     confidence: float = 0.0, learned: bool = True) -> tuple[str, ...] | None:
    """The chosen option ids, or None when the message is not a clear answer. With `learned`,
    a one-choice answer the word lists leave unsure goes to the reader learned from examples
    (`screening.answer_model`), used only when it is clearly sure."""
    choices = item_choices(item, language)
    if item.kind == "multi":
        return interpret.match_multi(text, choices, language, item.none_option) or None
    single = interpret.match_single(text, choices, language)
    if not single:
        # "no i have a car", "yes it has": a yes or no with more words around it.
        said = yes_or_no(text, language, intent, confidence)
        single = interpret.match_single(said, choices, language) if said else None
    if not single and learned and not interpret.recognizes_anything(text, choices, language):
        single = _learned_option(item, text)     # words the lists do not know at all
    return (single,) if single else None


def _learned_option(item: Item, text: str) -> str | None:
    """Not for yes-or-no items: whether "i take the bus" means yes depends on how the question
    is put, which examples cannot teach."""
    from ..answer_model import default_model, sure_option
    if {o.id for o in item.options} == {"yes", "no"}:
        return None
    model = default_model()
    return sure_option(model.guess(item.id, text)) if model is not None else None
