"""What a completed screening costs by SMS, per language: texts and billed segments.

Whole screenings are driven through the core engine on the SMS channel (in-process,
a new SQLite database with the shipped Massachusetts directory loaded, the test clock),
and every turn's replies are rendered for SMS and packed exactly as the SMS gateway's
outbox packs them (`screening.sms_text.pack_messages`, after the web chat link is
filled in). Each text's segments are the carrier's count (GSM-7 160/153, UCS-2 70/67).

Two people per language:
- answers everything: consent, no reminders, the ticket's date, two needs (a place to
  live and legal help) ranked, every permission yes, every item answered (the same
  option numbers in every language, as the SMS end-to-end test answers in English),
  a ZIP code, no contact. English starts with "hi" and so gets the language menu;
  the other languages start with the citation insert's start word for them.
- skips everything: the same first message, yes to consent, then the language's SKIP
  word to every question.

Run: .venv/bin/python bench/sms_segments.py [--language en,es] [--show] [--out FILE]
Results: bench/results/sms_segments.json (or --out), and a table on standard output.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from screening.dialogue.engine import Incoming, ScreeningEngine  # noqa: E402
from screening.dialogue.replies import channel_messages  # noqa: E402
from screening.directory import import_package  # noqa: E402
from screening.interpret import LEXICON_DIR  # noqa: E402
from screening.languages import LANGUAGES  # noqa: E402
from screening.program import load_program  # noqa: E402
from screening.records import migrate  # noqa: E402
from screening.sms_text import fill_web_chat_link, pack_messages  # noqa: E402
from tests.conftest import Clock, make_repository  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "sms_segments.json"
DIRECTORY = ROOT / "screening" / "content" / "directory" / "ma"
WEB_CHAT_URL = "https://screening.example.org/chat"
VERIFY_URL = "https://screening.example.org/verify"
MAX_TURNS = 90

# The answer to each item, by option number (the SMS end-to-end test's answers).
ITEM_ANSWERS = {
    "legal_needs": "1 2", "ahc_1": "3", "ahc_2": "8", "ahc_3": "2", "ahc_4": "3", "ahc_6": "2",
    "ahc_5": "2", "ahc_11": "1", "ahc_12": "3", "ahc_23a": "1", "ahc_23b": "1", "ahc_24": "2",
    "gender": "4", "ahc_19": "1", "ahc_20": "5", "ahc_21": "1", "ahc_22": "4",
    "ahc_7": "1", "ahc_8": "2", "ahc_9": "1", "ahc_10": "1", "phq9_9": "1",
}


def lexicon_word(language: str, command: str) -> str:
    """The first word the lexicon lists for a command or a yes/no, as a person would type it."""
    data = yaml.safe_load((LEXICON_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    words = data[f"{command}_labels"] if command in ("yes", "no") else data["commands"][command]
    return str(words[0])


def first_message(language: str) -> str:
    return "hi" if language == "en" else load_program().start_keyword(language)


def full_answer(step: str, language: str) -> str:
    kind, _, name = step.partition(":")
    if kind == "item":
        return ITEM_ANSWERS[name]
    return {
        "consent": lexicon_word(language, "yes"), "reminders": lexicon_word(language, "no"),
        "language": "1", "citation": "11/3", "needs": "1 8", "needs_rank": "2 1",
        "permission": lexicon_word(language, "yes"), "item_text": lexicon_word(language, "skip"),
        "location": "02118", "location_choice": "1", "contact": "4",
        "contact_detail": lexicon_word(language, "skip"),
    }[kind]


def skip_answer(step: str, language: str) -> str:
    return lexicon_word(language, "yes") if step == "consent" else lexicon_word(language, "skip")


class Screening:
    """One person's screening by text: what they sent, what the outbox sent back."""

    def __init__(self, engine: ScreeningEngine, repository, sender: str):
        self.engine, self.repository, self.sender = engine, repository, sender
        self.turns = 0
        self.texts: list = []          # SmsPart, in order
        self.transcript: list[tuple[str, list]] = []

    def step(self) -> str | None:
        with self.repository.transaction() as unit:
            row = unit.latest_screening(unit.participant_id("sms", self.sender, self.engine.clock()))
        return row.step if row else None

    def send(self, text: str) -> None:
        self.turns += 1
        replies = self.engine.handle(Incoming(channel="sms", sender_id=self.sender, text=text,
                                              message_key=f"{self.sender}-{self.turns}"))
        bodies = [fill_web_chat_link(m["text"], WEB_CHAT_URL) for m in channel_messages(replies, "sms")]
        parts = pack_messages(bodies)
        self.texts += parts
        self.transcript.append((text, parts))

    def run(self, language: str, answer) -> "Screening":
        self.send(first_message(language))
        while (step := self.step()) != "done":
            if self.turns >= MAX_TURNS:
                raise RuntimeError(f"{language}: no completion code after {MAX_TURNS} turns (at {step})")
            self.send(answer(step, language))
        return self

    def cost(self) -> dict:
        encodings = Counter(p.encoding for p in self.texts)
        return {"turns": self.turns, "texts": len(self.texts), "segments": sum(p.segments for p in self.texts),
                "ucs2_texts": encodings.get("UCS-2", 0),
                "ucs2_segments": sum(p.segments for p in self.texts if p.encoding == "UCS-2")}


def show(language: str, path: str, screening: Screening) -> None:
    print(f"\n######## {language} / {path}")
    for said, parts in screening.transcript:
        print(f">>> {said}   ({sum(p.segments for p in parts)} segments)")
        for part in parts:
            print(f"  [{part.encoding}, {len(part.body)} chars, {part.segments} seg]")
            print("\n".join("  | " + line for line in part.body.split("\n")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--language", default=",".join(LANGUAGES), help="codes, comma-separated")
    parser.add_argument("--show", action="store_true", help="print every text sent")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    languages = [code.strip() for code in args.language.split(",") if code.strip()]
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/segments.db"
        migrate.upgrade(url)
        repository = make_repository(url)
        import_package(repository.engine, DIRECTORY)
        engine = ScreeningEngine(repository, clock=Clock(), web_chat_url=WEB_CHAT_URL, verify_url=VERIFY_URL)
        for n, language in enumerate(languages):
            results[language] = {}
            for m, (path, answer) in enumerate((("answers everything", full_answer),
                                                ("skips everything", skip_answer))):
                screening = Screening(engine, repository, f"+1617555{n}{m:03d}").run(language, answer)
                results[language][path] = screening.cost()
                if args.show:
                    show(language, path, screening)
        repository.engine.dispose()
    print("\n| language | answers everything: turns / texts / segments | skips everything: turns / texts / segments |")
    print("|---|---|---|")
    for language, paths in results.items():
        full, skip = paths["answers everything"], paths["skips everything"]
        print(f"| {language} | {full['turns']} / {full['texts']} / {full['segments']} "
              f"| {skip['turns']} / {skip['texts']} / {skip['segments']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
