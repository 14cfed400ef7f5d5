"""Cross-validation of the learned answer reader on its own examples, to choose how sure it must be.

5 folds over `content/answers/examples/` (the options' own words always stay in training). Only
answers the word lists leave unsure count, since the model is asked only then. For each threshold
pair (probability, lead over the second option) it prints how many of those answers the model
would read, and how many of those readings would be wrong. Writes bench/results/answer_model_cv.json.

Run: .venv/bin/python bench/answer_model_cv.py
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.answer_model import AnswerModel, load_examples  # noqa: E402
from screening.dialogue.reading import read_item_answer          # noqa: E402
from screening.instrument import default_instrument              # noqa: E402

FOLDS = 5
THRESHOLDS = [(p, m) for p in (0.5, 0.6, 0.7, 0.8, 0.9) for m in (0.0, 0.2, 0.4, 0.6)]


def main() -> dict:
    instrument = default_instrument()
    examples = load_examples(instrument)
    rows = [(item, option, text) for item, options in examples.items()
            for option, texts in options.items() for text in texts]
    random.Random(7).shuffle(rows)
    guesses = []
    for fold in range(FOLDS):
        test = rows[fold::FOLDS]
        train: dict = {}
        for i, row in enumerate(rows):
            if i % FOLDS != fold:
                train.setdefault(row[0], {}).setdefault(row[1], []).append(row[2])
        model = AnswerModel(instrument, train)
        for item, option, text in test:
            language = "es" if any(c in text for c in "ñáéíóú¿") else "en"
            if read_item_answer(instrument.item(item), text, language, learned=False) is not None:
                continue
            guess = model.guess(item, text)
            guesses.append((option, guess))
    report = {"unsure_by_word_lists": len(guesses), "thresholds": []}
    print(f"answers the word lists leave unsure: {len(guesses)}")
    print("| probability | lead | read | wrong | wrong of read |")
    print("|---|---|---|---|---|")
    for p, m in THRESHOLDS:
        read = [(o, g) for o, g in guesses if g and g.probability >= p and g.margin >= m]
        wrong = sum(1 for o, g in read if g.option != o)
        share = 100 * wrong / len(read) if read else 0.0
        print(f"| {p} | {m} | {len(read)} | {wrong} | {share:.1f}% |")
        report["thresholds"].append({"probability": p, "lead": m, "read": len(read), "wrong": wrong})
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "answer_model_cv.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
