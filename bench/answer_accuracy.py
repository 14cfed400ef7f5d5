"""How well the core reads messy answers to screening questions, per language.

Reads bench/data/answers_holdout.yaml (written for measurement, never trained or
tuned on) and reads each answer the way the dialogue engine does: crisis words
first, then commands, then the item's options. Prints a table and writes
bench/results/answer_accuracy.json.

With `--model PATH` (repeatable), each answer is also parsed by that trained Rasa
model and its intent is used the way the engine uses it (only when the core's own
reading found nothing, and only above the engine's confidence thresholds), so
pipelines can be compared on the same held-out data.

Run: .venv/bin/python bench/answer_accuracy.py [--model models/screening.tar.gz ...]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screening import interpret
from screening import need_words
from screening.crisis import read_crisis
from screening.instrument import default_instrument
from screening.dialogue.reading import command_from_intent, option_named_over_command, read_item_answer

HERE = Path(__file__).parent
SETS = ("answers_holdout", "answers_holdout_2026", "answers_holdout_2026b", "answers_holdout_2026c",
        "answers_holdout_2026d",
        "answers_dev_2026")
# Held-out sets measured once, then opened for tuning when a fresh blind set replaced them
# (their first measurements stay in BENCHMARKS.md); only these may show their misses.
OPENED_FOR_TUNING = {"answers_holdout_2026", "answers_holdout_2026b"}
INSTRUMENT = default_instrument()


def read_answer(item_id: str, text: str, language: str, intent: str | None = None, confidence: float = 0.0):
    """What the engine would make of `text` while asking `item_id` (same order as ScreeningEngine)."""
    if read_crisis(text, step=f"item:{item_id}").imminent:
        return "crisis"
    command = interpret.detect_command(text, language)
    if option_named_over_command(INSTRUMENT.item(item_id), text, language, command):
        command = None
    if command:
        return command
    found = read_item_answer(INSTRUMENT.item(item_id), text, language, intent, confidence)
    if found:
        return list(found)
    return command_from_intent(intent, confidence)


def same_answer(got, expected) -> bool:
    """Options compared as sets (a "pick all that fit" answer has no order); commands as words."""
    if isinstance(got, (list, tuple)) and isinstance(expected, (list, tuple)):
        return sorted(got) == sorted(expected)
    return got == expected


def evaluate_needs(cases: dict) -> dict:
    """Needs in the person's own words: the categories in the order meant."""
    results = {}
    for language, rows in cases.items():
        misses = []
        for text, expected in rows:
            got = list(need_words.needs_from_text(text, language))
            if got != expected:
                misses.append({"item": "needs", "text": text, "expected": expected, "got": got or None})
        unsure = sum(1 for m in misses if m["got"] in (None, ["other"]))
        results[language] = {"cases": len(rows), "correct": len(rows) - len(misses),
                             "accuracy": round((len(rows) - len(misses)) / len(rows), 3),
                             "unsure_asked_again": unsure, "wrong": len(misses) - unsure,
                             "median_ms": 0.0, "misses": misses}
    return results


def intents_from(model: str, texts: list[str]) -> dict[str, tuple[str, float]]:
    import logging

    import structlog
    from rasa.core.agent import Agent

    # Rasa's structured log prints message text at debug level: keep it quiet.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(model)

    async def parse_all():
        return [await agent.parse_message(t) for t in texts]

    parsed = asyncio.run(parse_all())
    return {t: (p["intent"]["name"], float(p["intent"]["confidence"])) for t, p in zip(texts, parsed)}


def evaluate(cases: dict, intents: dict[str, tuple[str, float]] | None) -> dict:
    results = {}
    for language, rows in cases.items():
        misses, timings = [], []
        for item_id, text, expected in rows:
            intent, confidence = (intents or {}).get(text, (None, 0.0))
            start = time.perf_counter()
            got = read_answer(item_id, text, language, intent, confidence)
            timings.append((time.perf_counter() - start) * 1000)
            if not same_answer(got, expected):
                misses.append({"item": item_id, "text": text, "expected": expected, "got": got})
        unsure = sum(1 for m in misses if m["got"] is None)
        results[language] = {
            "cases": len(rows), "correct": len(rows) - len(misses),
            "accuracy": round((len(rows) - len(misses)) / len(rows), 3),
            "unsure_asked_again": unsure, "wrong": len(misses) - unsure,
            "median_ms": round(statistics.median(timings), 3), "misses": misses,
            "per_item": per_item(rows, misses),
        }
    return results


def per_item(rows, misses) -> dict:
    """Correct / asked again / read wrongly for each item (counts only)."""
    table: dict[str, dict[str, int]] = {}
    for item_id, _, _ in rows:
        table.setdefault(item_id, {"cases": 0, "correct": 0, "asked_again": 0, "wrong": 0})["cases"] += 1
    for miss in misses:
        table[miss["item"]]["asked_again" if miss["got"] is None else "wrong"] += 1
    for counts in table.values():
        counts["correct"] = counts["cases"] - counts["asked_again"] - counts["wrong"]
    return table


def train_default_recipe() -> Path:
    """Rasa's default recipe trained on the project's data, into bench/results/models/."""
    import subprocess
    import sys

    from rasa_defaults import DEFAULT_PIPELINE, DEFAULT_POLICIES

    out = HERE / "results" / "models"
    out.mkdir(parents=True, exist_ok=True)
    config = out / "default_recipe.yml"
    config.write_text(yaml.safe_dump({"recipe": "default.v1", "assistant_id": "bench-default", "language": "en",
                                      "pipeline": DEFAULT_PIPELINE, "policies": DEFAULT_POLICIES}))
    subprocess.run([str(Path(sys.executable).with_name("rasa")), "train", "--config", str(config),
                    "--fixed-model-name", "default_recipe", "--out", str(out), "--quiet"],
                   cwd=HERE.parent, check=True, capture_output=True)
    return out / "default_recipe.tar.gz"


def report(title: str, results: dict, show_misses: bool = True) -> None:
    print(f"\n### {title}\n")
    print("| language | cases | correct | accuracy | asked again (unsure) | read wrongly | median ms |")
    print("|---|---|---|---|---|---|---|")
    for language, r in results.items():
        print(f"| {language} | {r['cases']} | {r['correct']} | {r['accuracy']:.1%} | {r['unsure_asked_again']} "
              f"| {r['wrong']} | {r['median_ms']} |")
    for language, r in results.items():
        for miss in r["misses"] if show_misses else ():
            print(f"  {language} {miss['item']}: {miss['text']!r} -> {miss['got']} (expected {miss['expected']})")


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", default=[], help="a trained Rasa model to add intents from")
    parser.add_argument("--train-default-recipe", action="store_true",
                        help="also train Rasa's default recipe (bench/rasa_defaults.py) and compare")
    parser.add_argument("--set", default="answers_holdout_2026", choices=SETS,
                        help="which answer set (bench/data/NAME.yaml); the held-out ones are for measuring only")
    parser.add_argument("--without-learned-reader", action="store_true",
                        help="word lists only: leave out the reader learned from examples (screening/answer_model.py)")
    parser.add_argument("--show-misses", action="store_true", help="list each miss (refused for held-out sets)")
    args = parser.parse_args()
    if args.show_misses and "holdout" in args.set and args.set not in OPENED_FOR_TUNING:
        parser.error("held-out sets are for measuring only: look at the dev set's misses instead")
    if args.without_learned_reader:
        from screening import answer_model
        answer_model.SURE = 2.0          # never sure enough: the word lists alone
    if args.train_default_recipe:
        args.model.append(str(train_default_recipe()))
    cases = yaml.safe_load((HERE / "data" / f"{args.set}.yaml").read_text(encoding="utf-8"))
    needs = cases.pop("needs", None)
    texts = [text for rows in cases.values() for _, text, _ in rows]
    everything = {"core only": evaluate(cases, None)}
    if needs:
        everything["needs in own words"] = evaluate_needs(needs)
    for model in args.model:
        everything[f"core + intents from {model}"] = evaluate(cases, intents_from(model, texts))
    for title, results in everything.items():
        report(title, results, args.show_misses)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    if not args.show_misses:
        for results in everything.values():
            for r in results.values():
                r.pop("misses") if "holdout_2026" in args.set else None
        name = "answer_accuracy.json" if args.set == "answers_holdout" else f"answer_accuracy_{args.set}.json"
        if args.without_learned_reader:
            name = name.replace(".json", "_word_lists_only.json")
        (out / name).write_text(json.dumps(everything, indent=2, ensure_ascii=False))
    return everything


if __name__ == "__main__":
    main()
