"""A small text classifier for danger, learned from reviewed examples.

The phrase rules in `screening.crisis` are exact and explainable but cannot list every way
a person says they are in danger. This model learns from the examples in
`content/crisis/examples/<lang>.yaml` (messages labelled self_harm, overdose, violence,
medical or none, hard everyday look-alikes included) and guesses for the words the rules
do not know. It is trained when first used, deterministically (same examples, same model),
in about a second; nothing is downloaded. Its guess carries the words that weighed most,
so a screener can see why a message was flagged.

Examples are data a counselor can review and extend, like the phrase lists; measurement
sets (bench/data/) are never used to train it.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import yaml

log = logging.getLogger(__name__)

EXAMPLES_DIR = Path(__file__).resolve().parent / "content" / "crisis" / "examples"
LABELS = ("none", "self_harm", "overdose", "violence", "medical")
TOP_WORDS = 3


class CrisisExamplesError(ValueError):
    """The example files are missing or malformed."""


@dataclass(frozen=True)
class Guess:
    kind: str | None          # the most likely crisis kind, None for "none"
    probability: float        # of that kind
    words: tuple[str, ...]    # the words that weighed most for it
    support: tuple[str, ...] = ()   # every word or word pair of the message that weighed for it

    @property
    def why(self) -> str:
        said = ", ".join(f"'{w}'" for w in self.words)
        return f"{self.kind} {self.probability:.2f} from examples" + (f" ({said})" if said else "")


NO_GUESS = Guess(None, 0.0, ())


def load_examples(directory: Path = EXAMPLES_DIR) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {label: [] for label in LABELS}
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise CrisisExamplesError(f"no crisis example files in {directory}")
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise CrisisExamplesError(f"cannot read {path}: {exc}") from exc
        for label, texts in (data.get("examples") or {}).items():
            if label not in LABELS:
                raise CrisisExamplesError(f"{path.name}: unknown label {label!r}")
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                raise CrisisExamplesError(f"{path.name}: examples.{label} must be a list of quoted strings")
            found[label].extend(texts)
    return found


class CrisisModel:
    """Character and word n-grams into a logistic regression over LABELS."""

    def __init__(self, examples: Mapping[str, Sequence[str]], prepare=lambda text: text):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion

        self.prepare = prepare
        texts = [prepare(t) for label in LABELS for t in examples.get(label, ())]
        labels = [label for label in LABELS for _ in examples.get(label, ())]
        if len(set(labels)) < 2:
            raise CrisisExamplesError("the examples need at least two labels")
        self.words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                     token_pattern=r"(?u)\b\w+\b")
        self.features = FeatureUnion([
            ("words", self.words),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)),
        ])
        matrix = self.features.fit_transform(texts)
        self.classifier = LogisticRegression(C=8.0, class_weight="balanced", max_iter=3000)
        self.classifier.fit(matrix, labels)
        self.vocabulary = {index: word for word, index in self.words.vocabulary_.items()}

    def guess(self, text: str) -> Guess:
        prepared = self.prepare(text)
        if not prepared.strip():
            return NO_GUESS
        row = self.features.transform([prepared])
        probabilities = self.classifier.predict_proba(row)[0]
        classes = list(self.classifier.classes_)
        ranked = sorted(((p, c) for c, p in zip(classes, probabilities) if c != "none"), reverse=True)
        probability, kind = ranked[0]
        support = self._supporting_words(row, classes.index(kind))
        return Guess(kind, float(probability), support[:TOP_WORDS], support)

    def _supporting_words(self, row, class_index: int) -> tuple[str, ...]:
        """The message's words and word pairs that weigh for the class, heaviest first."""
        size = len(self.vocabulary)
        coefficients = self.classifier.coef_[class_index]
        weights = [(row[0, i] * coefficients[i], self.vocabulary[i]) for i in row.indices if i < size]
        return tuple(word for weight, word in sorted(weights, reverse=True) if weight > 0)


@functools.lru_cache(maxsize=1)
def default_model() -> CrisisModel | None:
    """The model from the shipped examples, trained once per process (None without examples)."""
    from .crisis import prepare_for_model
    try:
        return CrisisModel(load_examples(), prepare_for_model)
    except CrisisExamplesError as exc:
        log.warning("crisis classifier unavailable: %s", exc)
        return None
