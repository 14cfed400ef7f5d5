"""A reader learned from examples, for answers the word lists do not know.

The word lists (the instrument's synonyms, `content/lexicon/`) read an answer exactly and say
"unsure" otherwise; people say "been at my cousins since march" or "we make it work" in more ways
than any list holds. This model learns, per one-choice item, from answers people typed, labelled
with the option a screener would store (`content/answers/examples/<lang>.yaml`) and from the
options' own words. Each item's model also learns a class for "not an answer to this question":
the answers given to items with other options, so a message about something else is not forced
onto one of this item's options.

It is asked only when the word lists are unsure, and its guess is used only when it is clearly
sure (`SURE`, chosen by cross-validation on the examples so that almost no guess is wrong); a
guess below that leaves the person a clarifying question, as before. It never reads crisis
words (those are read first, by `screening.crisis`) and never decides whether a message is
danger. Trained once per process, deterministically, in about a second; nothing is downloaded.

Measurement sets (bench/data/) are never used to train it, except sets retired from measuring
after their numbers were recorded (the example files say which).
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import yaml

from .instrument import Instrument, default_instrument
from .text_normalize import normalize

log = logging.getLogger(__name__)

EXAMPLES_DIR = Path(__file__).resolve().parent / "content" / "answers" / "examples"
NOT_AN_ANSWER = "__not_an_answer__"
SURE = 0.7                 # probability of the best option; see BENCHMARKS.md ("learned reader")
MARGIN = 0.4               # ... and its lead over the second best
MIN_WORDS = 2              # words that carry meaning; fewer ("ya", "3", "the bus") are left to the word lists
OTHERS_PER_ITEM = 120      # "not an answer" examples per item, taken evenly from other items


class AnswerExamplesError(ValueError):
    """The example files are missing or name items or options the instrument does not have."""


@dataclass(frozen=True)
class Guess:
    option: str
    probability: float
    margin: float


def load_examples(instrument: Instrument, directory: Path = EXAMPLES_DIR) -> dict[str, dict[str, list[str]]]:
    """item id -> option id -> example answers, every language together."""
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise AnswerExamplesError(f"no answer example files in {directory}")
    found: dict[str, dict[str, list[str]]] = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise AnswerExamplesError(f"cannot read {path}: {exc}") from exc
        for item_id, options in (data.get("examples") or {}).items():
            item = instrument.items.get(item_id)
            if item is None or item.kind != "single":
                raise AnswerExamplesError(f"{path.name}: {item_id!r} is not a one-choice item")
            known = {o.id for o in item.options}
            for option_id, texts in (options or {}).items():
                if option_id not in known:
                    raise AnswerExamplesError(f"{path.name}: {item_id} has no option {option_id!r}")
                if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                    raise AnswerExamplesError(f"{path.name}: {item_id}.{option_id} must be a list of quoted strings")
                found.setdefault(item_id, {}).setdefault(option_id, []).extend(texts)
    return found


def _own_words(instrument: Instrument, item_id: str) -> dict[str, list[str]]:
    item = instrument.item(item_id)
    words: dict[str, list[str]] = {}
    for option in item.options:
        for language in dict.fromkeys([*option.label, *option.synonyms]):
            words.setdefault(option.id, []).extend(p for p in option.phrases(language) if p)
    return words


def _spread(texts: Sequence[str], count: int) -> list[str]:
    """`count` texts taken evenly through `texts` (deterministic)."""
    if len(texts) <= count:
        return list(texts)
    step = len(texts) / count
    return [texts[int(i * step)] for i in range(count)]


class AnswerModel:
    """Per one-choice item: word and character n-grams into a logistic regression."""

    def __init__(self, instrument: Instrument, examples: Mapping[str, Mapping[str, Sequence[str]]]):
        self.instrument = instrument
        self.models: dict[str, tuple] = {}
        option_sets = {i.id: frozenset(o.id for o in i.options) for i in instrument.items.values()}
        for item_id, options in examples.items():
            texts: list[str] = []
            labels: list[str] = []
            for option_id, said in _own_words(instrument, item_id).items():
                texts += said
                labels += [option_id] * len(said)
            for option_id, said in options.items():
                texts += list(said)
                labels += [option_id] * len(said)
            others = [t for other_id, other in examples.items()
                      if option_sets[other_id] != option_sets[item_id] and other_id != item_id
                      for option_id, said in other.items() if option_id not in option_sets[item_id]
                      for t in said]
            others = _spread(others, OTHERS_PER_ITEM)
            texts += others
            labels += [NOT_AN_ANSWER] * len(others)
            if len(set(labels)) >= 2:
                self.models[item_id] = _fit(texts, labels)

    def guess(self, item_id: str, text: str) -> Guess | None:
        model = self.models.get(item_id)
        prepared = normalize(text)
        if model is None or len(_meaningful(prepared)) < MIN_WORDS:
            return None
        features, classifier, meaningful = model
        row = features.transform([prepared])
        probabilities = classifier.predict_proba(row)[0]
        ranked = sorted(zip(probabilities, classifier.classes_), reverse=True)
        (best, option), second = ranked[0], (ranked[1][0] if len(ranked) > 1 else 0.0)
        if option == NOT_AN_ANSWER or not _word_supports(classifier, meaningful, row, option):
            return None
        return Guess(str(option), float(best), float(best - second))


def _word_supports(classifier, meaningful: frozenset[int], row, option: str) -> bool:
    """Some word of the message that carries meaning weighs for `option` ("paperwork is
    killing me" leans on letters shared with answers, not on a word: no guess)."""
    classes = list(classifier.classes_)
    coefficients = classifier.coef_[classes.index(option)] if len(classes) > 2 else (
        classifier.coef_[0] if option == classes[1] else -classifier.coef_[0])
    return any(row[0, i] * coefficients[i] > 0 for i in row.indices if i in meaningful)


@functools.lru_cache(maxsize=1)
def _small_words() -> frozenset[str]:
    from .interpret import load_lexicon
    lexicon = load_lexicon()
    return lexicon.function_words | lexicon.light


def _meaningful(prepared: str) -> list[str]:
    small = _small_words()
    return [w for w in prepared.split() if w not in small]


def _fit(texts: Iterable[str], labels: Sequence[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w+\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=1, sublinear_tf=True)),
    ])
    matrix = features.fit_transform([normalize(t) for t in texts])
    classifier = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)
    classifier.fit(matrix, list(labels))
    # The word features (the first columns) that hold a word carrying meaning, found once here
    # rather than on every message.
    small = _small_words()
    meaningful = frozenset(index for word, index in features.transformer_list[0][1].vocabulary_.items()
                           if set(word.split()) - small)
    return features, classifier, meaningful


def sure_option(guess: Guess | None) -> str | None:
    """The guessed option when the model is clearly sure, else None (ask again)."""
    if guess is None or guess.probability < SURE or guess.margin < MARGIN:
        return None
    return guess.option


@functools.lru_cache(maxsize=1)
def default_model() -> AnswerModel | None:
    """The model from the shipped examples, trained once per process (None without examples)."""
    instrument = default_instrument()
    try:
        return AnswerModel(instrument, load_examples(instrument))
    except AnswerExamplesError as exc:
        log.warning("learned answer reader unavailable: %s", exc)
        return None
