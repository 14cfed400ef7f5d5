"""Per-domain results from a person's answers, by the instrument's own rules.

Pure functions over plain data: `answers` maps an item id to the chosen option
ids (a tuple, empty when the item was skipped). Items that are absent were
never asked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .instrument import Domain, Instrument

Answers = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class DomainResult:
    domain: str
    need: str
    positive: bool | None   # None: not enough answers to say
    complete: bool          # every item of the domain was answered
    score: int | None       # the sum, for sum rules; None otherwise or when nothing was answered


def _chosen(instrument: Instrument, item_id: str, answers: Answers):
    item = instrument.item(item_id)
    return [item.option(o) for o in answers.get(item_id, ())]


def score_domain(instrument: Instrument, domain: Domain, answers: Answers) -> DomainResult:
    answered = [i for i in domain.items if answers.get(i)]
    complete = len(answered) == len(domain.items)
    chosen = [opt for i in answered for opt in _chosen(instrument, i, answers)]
    if domain.rule == "sum_at_least":
        score = sum(opt.score or 0 for opt in chosen) if answered else None
        reached = score is not None and score >= domain.threshold
        positive = True if reached else (False if complete else None)
        return DomainResult(domain.id, domain.need, positive, complete, score)
    reached = any(opt.positive for opt in chosen)
    positive = True if reached else (False if complete else None)
    return DomainResult(domain.id, domain.need, positive, complete, None)


def score_all(instrument: Instrument, answers: Answers) -> tuple[DomainResult, ...]:
    return tuple(score_domain(instrument, d, answers) for d in instrument.domains)


def positive_needs(results: tuple[DomainResult, ...]) -> tuple[str, ...]:
    """Need categories with a positive screen, in instrument order, without repeats."""
    return tuple(dict.fromkeys(r.need for r in results if r.positive))
