"""The order of the conversation, derived from what the person has told us.

A step is a short string stored with the screening:
  consent, reminders (by text only: may we remind you?), language,
  citation (fine-waiver programs only), needs, needs_rank,
  permission:<block>, item:<item>, item_text:<item>,
  location, location_choice, contact, contact_detail, done

`steps()` lists the whole path for the current answers; the next step is the
one after the current step in that list. Blocks whose categories the person
named move forward, in the order the person ranked them.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from ..instrument import Block, Instrument
from ..scoring import score_domain

ANSWERED_SKIP_BLOCK = "block_declined"


def ordered_blocks(instrument: Instrument, needs: Sequence[str]) -> list[Block]:
    def priority(block: Block) -> int:
        ranks = [needs.index(n) for n in block.needs if n in needs]
        return min(ranks) if ranks else len(needs)

    # sorted() is stable: blocks the person did not name keep the default order.
    return sorted(instrument.blocks, key=priority)


def item_is_asked(instrument: Instrument, item_id: str, answers: Mapping[str, tuple[str, ...]]) -> bool:
    item = instrument.item(item_id)
    if item.ask_when_positive:
        domain = instrument.domain(item.ask_when_positive)
        return score_domain(instrument, domain, answers).positive is True
    return True


def block_steps(instrument: Instrument, block: Block, answers: Mapping[str, tuple[str, ...]],
                declined: bool, free_text_items: Sequence[str]) -> list[str]:
    steps = [f"permission:{block.id}"] if block.sensitive else []
    if declined:
        return steps
    for item_id in block.items:
        if item_is_asked(instrument, item_id, answers):
            steps.append(f"item:{item_id}")
            if item_id in free_text_items:
                steps.append(f"item_text:{item_id}")
    return steps


def steps(instrument: Instrument, *, needs: Sequence[str], answers: Mapping[str, tuple[str, ...]],
          state: Mapping, ask_language: bool, ask_contact_detail: bool, ask_citation: bool = True,
          ask_reminders: bool = False) -> list[str]:
    """The whole path. `ask_citation` is False in a voluntary program: no ticket, no deadline.
    `ask_reminders` for a screening by text: reminders are texted."""
    path = ["consent"]
    if ask_reminders:
        path.append("reminders")
    if ask_language:
        path.append("language")
    if ask_citation:
        path.append("citation")
    path.append("needs")
    if len(needs) > 1:
        path.append("needs_rank")
    declined = set(state.get("declined_blocks", ()))
    free_text_items = [
        item_id for item_id, option_ids in answers.items()
        if any(instrument.item(item_id).option(o).asks_text for o in option_ids)
    ]
    for block in ordered_blocks(instrument, needs):
        path += block_steps(instrument, block, answers, block.id in declined, free_text_items)
    path += ["location", "contact"]
    if ask_contact_detail:
        path.append("contact_detail")
    path.append("done")
    return path


def question_numbers(path: Sequence[str]) -> dict[str, int]:
    """Item steps numbered from 1, for 'Question 4 of 21'."""
    items = [s for s in path if s.startswith("item:")]
    return {step: n for n, step in enumerate(items, start=1)}


def parent_step(step: str) -> str:
    """A sub-step stands in the path through its parent."""
    if step == "location_choice":
        return "location"
    if step == "contact_detail":
        return "contact"
    if step.startswith("item_text:"):
        return "item:" + step.split(":", 1)[1]
    return step


def next_step(path: Sequence[str], current: str) -> str:
    if current not in path:
        current = parent_step(current)
    if current == "reminders" and current not in path:
        current = "consent"
    if current == "citation" and current not in path:
        # The program became voluntary while this person was at the date question.
        current = "language" if "language" in path else "consent"
    return path[path.index(current) + 1]
