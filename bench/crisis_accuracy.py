"""How well the assistant tells danger from everyday words, per kind and language.

Reads a crisis set (bench/data/crisis_dev.yaml for development, crisis_holdout.yaml for
measurement only: never tuned on) and reads every message the way the dialogue engine
does at that step: the crisis reader (`screening.crisis.read_crisis`), and at PHQ-9 item 9
the item's own answer (any answer above "Not at all" starts the self-harm path). Replies
to "are you safe right now?" are read with `read_safety_reply`.

Reports: recall of imminent crises per kind and language (goal 100%), whether an
imminent crisis got at least a gentle check, the kind named, the ambiguous messages that
got at least a gentle check, false alarms on ordinary messages (full interrupt; goal under
3%) and gentle checks on them, follow-ups read as the person meant (never "safe" or "go
on" when they are not), and turns a person needs to get back to the screening.

Run: .venv/bin/python bench/crisis_accuracy.py [--set holdout|dev] [--show-misses]
(`--show-misses` is refused for the held-out set: reading its misses would be tuning.)
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answer_accuracy import intents_from  # noqa: E402  (one way to parse with a Rasa model)
from screening.crisis import read_crisis, read_safety_reply  # noqa: E402
from screening.dialogue.reading import read_item_answer  # noqa: E402
from screening.instrument import default_instrument  # noqa: E402

HERE = Path(__file__).parent
INSTRUMENT = default_instrument()
# What the engine does with each reply to "are you safe right now?", by the set's label.
FOLLOW_UP_OK = {"stay": {"not_ok", "leave", "ack", "unclear", "go_on"},
                "safe": {"safe"}, "resume": {"safe_go_on"}}
MOVES_ON = {"safe_go_on"}          # the reply that returns to the screening at once


INTENTS: dict[str, tuple[str, float]] = {}


def engine_reading(text: str, step: str, language: str) -> tuple[str, str | None]:
    if step == "phq9_9":
        chosen = read_item_answer(INSTRUMENT.item("phq9_9"), text, language)
        if chosen and any(INSTRUMENT.item("phq9_9").option(o).positive for o in chosen):
            return "imminent", "self_harm"
        if chosen:
            return "none", None
    where = f"item:{step}" if step in INSTRUMENT.items else ("" if step == "any" else step)
    intent, confidence = INTENTS.get(text, (None, 0.0))
    found = read_crisis(text, step=where, intent=intent, confidence=confidence)
    return found.level, found.kind


def evaluate(data: dict, show_misses: bool) -> dict:
    results: dict = {}
    for language, rows in data["messages"].items():
        per_kind: dict = defaultdict(Counter)
        none_total = none_alarm = none_check = 0
        misses = []
        for row in rows:
            level, kind = engine_reading(row["text"], row["step"], language)
            expect = row["expect"]
            if expect == "none":
                none_total += 1
                none_alarm += level == "imminent"
                none_check += level == "possible"
                if level != "none":
                    misses.append((row, level, kind))
                continue
            counts = per_kind[row["kind"]]
            counts[f"{expect}_cases"] += 1
            counts[f"{expect}_heard"] += level != "none"
            counts[f"{expect}_same_level"] += level == expect
            counts[f"{expect}_right_kind"] += kind == row["kind"]
            if expect == "imminent" and level != "imminent" or level == "none":
                misses.append((row, level, kind))
        kinds = {}
        for kind, c in sorted(per_kind.items()):
            kinds[kind] = {
                "imminent": c["imminent_cases"],
                "imminent_full_response": _pct(c["imminent_same_level"], c["imminent_cases"]),
                "imminent_heard_at_least_a_check": _pct(c["imminent_heard"], c["imminent_cases"]),
                "imminent_right_kind": _pct(c["imminent_right_kind"], c["imminent_cases"]),
                "possible": c["possible_cases"],
                "possible_heard_at_least_a_check": _pct(c["possible_heard"], c["possible_cases"]),
            }
        imminent = sum(c["imminent_cases"] for c in per_kind.values())
        heard = sum(c["imminent_same_level"] for c in per_kind.values())
        results[language] = {
            "imminent_cases": imminent,
            "imminent_recall": _pct(heard, imminent),
            "imminent_heard_at_least_a_check": _pct(sum(c["imminent_heard"] for c in per_kind.values()), imminent),
            "possible_cases": sum(c["possible_cases"] for c in per_kind.values()),
            "possible_heard_at_least_a_check": _pct(sum(c["possible_heard"] for c in per_kind.values()),
                                                    sum(c["possible_cases"] for c in per_kind.values())),
            "ordinary_cases": none_total,
            "false_alarm_rate": _pct(none_alarm, none_total),
            "gentle_check_rate_on_ordinary": _pct(none_check, none_total),
            "per_kind": kinds,
        }
        if show_misses:
            results[language]["misses"] = [
                {"text": r["text"], "step": r["step"], "expect": f"{r['expect']} {r.get('kind')}",
                 "got": f"{level} {kind}"} for r, level, kind in misses]
    follow = {}
    for language, rows in data.get("followups", {}).items():
        right, unsafe_move, turns = 0, 0, []
        misses = []
        for row in rows:
            said = read_safety_reply(row["text"])
            ok = said in FOLLOW_UP_OK[row["expect"]]
            right += ok
            if row["expect"] != "resume" and said in MOVES_ON | ({"safe"} if row["expect"] == "stay" else set()):
                unsafe_move += 1
            if row["expect"] == "resume":
                turns.append(1 if said == "safe_go_on" else 2 if said in ("safe", "go_on") else 3)
            if not ok:
                misses.append({"text": row["text"], "expect": row["expect"], "got": said})
        follow[language] = {
            "cases": len(rows), "read_as_meant": _pct(right, len(rows)),
            "not_ok_read_as_safe_or_moving_on": unsafe_move,
            "turns_to_resume_when_safe_and_ready": round(sum(turns) / len(turns), 2) if turns else None,
        }
        if show_misses:
            follow[language]["misses"] = misses
    return {"messages": results, "followups": follow}


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("holdout", "holdout_2", "dev"), default="holdout")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--model", help="a trained Rasa model: its crisis intent is used as the engine uses it")
    args = parser.parse_args()
    if args.show_misses and args.set.startswith("holdout"):
        parser.error("the held-out set is for measuring only: look at the dev set's misses instead")
    data = yaml.safe_load((HERE / "data" / f"crisis_{args.set}.yaml").read_text(encoding="utf-8"))
    if args.model:
        texts = [r["text"] for rows in data["messages"].values() for r in rows]
        INTENTS.update(intents_from(args.model, texts))
    report = evaluate(data, args.show_misses)
    report["with_model"] = bool(args.model)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if not args.show_misses:
        out = HERE / "results" / f"crisis_accuracy_{args.set}{'_with_model' if args.model else ''}.json"
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
