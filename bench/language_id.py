"""Which language a first message starts the screening in: accuracy per language on the held-out
set (bench/data/language_first_messages.yaml, never tuned on), with all seven languages allowed.

Each message is counted as right (the language it is written in), no guess (the screening starts
in English with the numbered language menu: a person answers one more question) or wrong (the
welcome comes in another language: the worse mistake). Two readings are compared:

  identifier + creole words   screening.language_id.guess_language, as the engine uses it
  identifier alone            lingua-language-detector over the same six languages, no creole step
                              (a French reading counted as Haitian Creole), same confidence rule

Also the time per message once the model is loaded, and the memory the model takes.

Run: .venv/bin/python bench/language_id.py     (writes bench/results/language_id.json)
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screening import language_id  # noqa: E402

HERE = Path(__file__).resolve().parent
SET = HERE / "data" / "language_first_messages.yaml"


def identifier_alone(text: str) -> str | None:
    raw = language_id.clean_message(text)
    if not raw or not language_id._enough_text(raw, language_id._plain_words(raw)):
        return None
    ranked = language_id._lingua(raw)
    (best, confidence), runner_up = ranked[0], ranked[1][1]
    clear = confidence >= language_id.MIN_CONFIDENCE or (
        confidence >= language_id.LOW_CONFIDENCE and confidence - runner_up >= language_id.MIN_LEAD)
    return ("ht" if best == "fr" else best) if clear else None


def with_creole_words(text: str) -> str | None:
    guess = language_id.guess_language(text)
    return guess[0] if guess else None


def measure(messages: dict[str, list[str]], read) -> dict:
    table = {}
    for language, texts in messages.items():
        said = [read(t) for t in texts]
        table[language] = {"messages": len(texts), "right": sum(s == language for s in said),
                           "no_guess": sum(s is None for s in said),
                           "wrong": sum(s is not None and s != language for s in said),
                           "read_as": sorted({s for s in said if s is not None and s != language})}
    return table


def main() -> int:
    messages = yaml.safe_load(SET.read_text(encoding="utf-8"))["languages"]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    language_id.guess_language("load the model before timing anything")
    load_seconds = time.perf_counter() - started
    memory_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    every = [t for texts in messages.values() for t in texts]
    started = time.perf_counter()
    for _ in range(5):
        for text in every:
            language_id.guess_language(text)
    per_message_ms = (time.perf_counter() - started) / (5 * len(every)) * 1000
    results = {"set": SET.name, "with_creole_words": measure(messages, with_creole_words),
               "identifier_alone": measure(messages, identifier_alone),
               "model_load_seconds": round(load_seconds, 2), "model_memory_mb": round(memory_mb),
               "per_message_ms": round(per_message_ms, 3)}
    (HERE / "results" / "language_id.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    for name in ("with_creole_words", "identifier_alone"):
        print(f"\n{name}:  language  right  no guess  wrong  (read as)")
        for language, row in results[name].items():
            print(f"  {language:4} {row['right']:3}/{row['messages']}  {row['no_guess']:3}  {row['wrong']:3}  "
                  f"{','.join(row['read_as'])}")
    print(f"\nmodel load {load_seconds:.2f} s, {memory_mb:.0f} MB; {per_message_ms:.3f} ms per message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
