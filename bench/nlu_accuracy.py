"""NLU benchmark: held-out accuracy, training time and parse latency per pipeline.

Run from the project root:

    .venv/bin/python bench/nlu_accuracy.py

For each pipeline variant it trains an NLU-only model with the real CLI
(`rasa train nlu --config X --nlu data/nlu --out TMP`, cold: Rasa's training
cache is switched off), loads the model in-process with `Agent.load`, parses
every example of the held-out sets (tests/nlu/holdout_en.yml, holdout_es.yml;
never used for training) and reports per language:

- accuracy: the intent the assistant acts on. `nlu_fallback` (FallbackClassifier)
  counts as `inform`, because the dialogue rules send both to the same action.
- classifier accuracy: the top-ranked real intent, ignoring the fallback.
- macro F1 over the 15 intents (on the routed intent), crisis recall, how often
  the fallback fired, and parse latency p50/p95 in ms per message.
- every misclassified example.

Variants:
- lean:         config.yml as it is (the project's pipeline).
- alternative:  config.yml with its intent classifier swapped
                (LogisticRegressionClassifier <-> a small DIETClassifier).
- rasa_default: a config with only `recipe`, `language` and `assistant_id`, so
                Rasa fills in its default pipeline itself. The script checks
                the trained model really contains that default pipeline and,
                if it does not, trains the default pipeline written out
                explicitly (DEFAULT_PIPELINE below). Note: an empty list
                (`pipeline: []`) is rejected by Rasa 3.6 ("Can't train an NLU
                model without a specified pipeline"); only a missing or null
                `pipeline` is auto-filled. Its DIET has no random seed, so its
                accuracy moves by a point or two between runs; the lean and
                alternative variants are seeded and repeat exactly.

Training times depend on what else the machine is doing: the report shows the
load average, and numbers taken while other trainings ran are inflated.

Output: a Markdown report on stdout and bench/results/nlu_accuracy.json.
Use --variants to run a subset and --extra NAME=path/to/config.yml to add
experimental configs.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rasa_defaults import DEFAULT_PIPELINE  # noqa: E402
from stackbench_lib import percentile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config.yml"
NLU_DATA = ROOT / "data" / "nlu"
HOLDOUT = {"en": ROOT / "tests" / "nlu" / "holdout_en.yml", "es": ROOT / "tests" / "nlu" / "holdout_es.yml"}
RESULTS = ROOT / "bench" / "results" / "nlu_accuracy.json"
RASA = Path(sys.executable).with_name("rasa")

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ROUTES_TO = "inform"  # the rules send nlu_fallback to the same action as inform
SAFETY_INTENT = "crisis"
WARMUP_MESSAGES = ["hello", "hola", "1", "no se", "i need food"]

# Used when the classifier in config.yml is LogisticRegressionClassifier.
ALTERNATIVE_DIET = {
    "name": "DIETClassifier",
    "epochs": 50,
    "number_of_transformer_layers": 1,
    "transformer_size": 64,
    "entity_recognition": False,
    "constrain_similarities": True,
    "random_seed": 42,
}
# Used when the classifier in config.yml is DIETClassifier (its defaults:
# lbfgs, max_iter 100, class_weight balanced; max_iter 500 scored the same).
ALTERNATIVE_LR = {"name": "LogisticRegressionClassifier"}
CLASSIFIERS = {"LogisticRegressionClassifier", "DIETClassifier", "SklearnIntentClassifier"}

# Rasa 3.6's default NLU pipeline (rasa/engine/recipes/config_files/default_config.yml),
# written out for the case where auto-configuration does not fill it in.


# --------------------------------------------------------------------------- data


def load_holdout(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file, read with Rasa's own reader."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


# --------------------------------------------------------------------------- configs


def write_yaml(path: Path, content: dict) -> Path:
    path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def classifier_name(config: dict) -> str | None:
    for component in config.get("pipeline") or []:
        if component.get("name") in CLASSIFIERS:
            return component["name"]
    return None


def alternative_config(lean: dict) -> tuple[dict, str]:
    """config.yml with its intent classifier swapped for the other candidate."""
    config = copy.deepcopy(lean)
    pipeline = config["pipeline"]
    for index, component in enumerate(pipeline):
        if component.get("name") == "LogisticRegressionClassifier":
            pipeline[index] = dict(ALTERNATIVE_DIET)
            return config, "config.yml with DIETClassifier instead of LogisticRegressionClassifier"
        if component.get("name") in {"DIETClassifier", "SklearnIntentClassifier"}:
            pipeline[index] = dict(ALTERNATIVE_LR)
            return config, f"config.yml with LogisticRegressionClassifier instead of {component['name']}"
    raise SystemExit("config.yml has no intent classifier to swap")


def describe_pipeline(config: dict) -> str:
    parts = []
    for c in config.get("pipeline") or []:
        opts = {k: v for k, v in c.items() if k != "name"}
        parts.append(c["name"] + (f"({', '.join(f'{k}={v}' for k, v in opts.items())})" if opts else ""))
    return " > ".join(parts)


# --------------------------------------------------------------------------- training


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        RASA_MAX_CACHE_SIZE="0",  # no training cache: every run is a cold training
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    return env


def train(name: str, config_path: Path, out_dir: Path) -> tuple[Path, float]:
    """Train with the real CLI; return (model archive, wall seconds)."""
    # `rasa train` silently falls back to ./config.yml when --config does not
    # exist, so only ever pass an absolute path that is there.
    config_path = Path(config_path).resolve()
    if not config_path.is_file():
        raise SystemExit(f"config not found: {config_path}")
    cmd = [
        str(RASA), "train", "nlu",
        "--config", str(config_path),
        "--nlu", str(NLU_DATA),
        "--out", str(out_dir),
        "--fixed-model-name", name,
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=rasa_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    model = out_dir / f"{name}.tar.gz"
    if proc.returncode != 0 or not model.exists():
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"training '{name}' failed (exit {proc.returncode})")
    return model, seconds


def startup_seconds() -> float:
    """Fixed cost inside every training time: starting Python and importing Rasa + TensorFlow."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import rasa.model_training, rasa.nlu.classifiers.diet_classifier"],
        cwd=ROOT, env=rasa_env(), capture_output=True, check=True,
    )
    return time.perf_counter() - start


# --------------------------------------------------------------------------- evaluation


def trained_components(agent) -> list[str]:
    """Component class names of the trained model's NLU graph, in training order."""
    schema = agent.processor.model_metadata.predict_schema
    names = []
    for node_name, node in schema.nodes.items():
        if node_name.startswith("run_"):
            names.append(node.uses.__name__)
    return names


def macro_f1(gold: list[str], pred: list[str]) -> tuple[float, dict[str, float]]:
    labels = sorted(set(gold))
    per_label = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_label[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return statistics.fmean(per_label.values()), per_label


async def evaluate(model: Path, holdouts: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    from rasa.core.agent import Agent

    start = time.perf_counter()
    agent = Agent.load(str(model))
    load_seconds = time.perf_counter() - start
    for text in WARMUP_MESSAGES:  # first calls build TensorFlow graphs; keep them out of the latency
        await agent.parse_message(text)

    result: dict[str, Any] = {"load_s": round(load_seconds, 2), "components": trained_components(agent), "languages": {}}
    for lang, examples in holdouts.items():
        latencies, routed, raw, gold, errors = [], [], [], [], []
        fallbacks = 0
        for text, intent in examples:
            t0 = time.perf_counter()
            parsed = await agent.parse_message(text)
            latencies.append((time.perf_counter() - t0) * 1000)
            top = parsed["intent"]["name"]
            confidence = parsed["intent"].get("confidence", 0.0)
            ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK_INTENT]
            classifier_top = ranking[0]["name"] if ranking else top
            if top == FALLBACK_INTENT:
                fallbacks += 1
            acted_on = FALLBACK_ROUTES_TO if top == FALLBACK_INTENT else top
            gold.append(intent)
            routed.append(acted_on)
            raw.append(classifier_top)
            if acted_on != intent:
                errors.append({
                    "text": text,
                    "expected": intent,
                    "predicted": acted_on,
                    "classifier_top": classifier_top,
                    "confidence": round(float(ranking[0]["confidence"]) if ranking else float(confidence), 3),
                    "fallback": top == FALLBACK_INTENT,
                })
        n = len(gold)
        f1, per_intent = macro_f1(gold, routed)
        crisis_total = sum(1 for g in gold if g == SAFETY_INTENT)
        crisis_hit = sum(1 for g, p in zip(gold, routed) if g == SAFETY_INTENT and p == SAFETY_INTENT)
        false_crisis = sum(1 for g, p in zip(gold, routed) if g != SAFETY_INTENT and p == SAFETY_INTENT)
        result["languages"][lang] = {
            "n": n,
            "accuracy": round(sum(g == p for g, p in zip(gold, routed)) / n, 4),
            "classifier_accuracy": round(sum(g == p for g, p in zip(gold, raw)) / n, 4),
            "macro_f1": round(f1, 4),
            "per_intent_f1": {k: round(v, 3) for k, v in per_intent.items()},
            "crisis_recall": round(crisis_hit / crisis_total, 4) if crisis_total else None,
            "false_crisis": false_crisis,
            "fallback_rate": round(fallbacks / n, 4),
            "latency_ms_p50": round(percentile(latencies, 0.50), 2),
            "latency_ms_p95": round(percentile(latencies, 0.95), 2),
            "misclassified": errors,
        }
    return result


# --------------------------------------------------------------------------- report


def markdown(report: dict[str, Any]) -> str:
    lines = ["# NLU benchmark (held-out sets)", ""]
    meta = report["meta"]
    lines.append(
        f"rasa {meta['rasa']}, python {meta['python']}, {meta['cpus']} CPU(s); held-out: "
        + ", ".join(f"{k} {v} examples" for k, v in meta["holdout_sizes"].items())
        + f"; train: {meta['train_examples']} examples. Training time includes ~{meta['startup_s']} s "
        "of Python + Rasa + TensorFlow start-up; cache off (cold). "
        f"1-min load average {meta['loadavg_1min_start']} at start, {meta.get('loadavg_1min_end')} at end "
        "(well above the CPU count means other work slowed the timings down)."
    )
    lines += [
        "",
        "| variant | classifier | train s | load s | EN acc | EN F1 | EN crisis recall | ES acc | ES F1 | ES crisis recall "
        "| fallback EN/ES | p50 ms EN/ES | p95 ms EN/ES |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for name, v in report["variants"].items():
        en, es = v["languages"]["en"], v["languages"]["es"]
        lines.append(
            f"| {name} | {v['classifier']} | {v['train_s']:.1f} | {v['load_s']:.1f} "
            f"| {en['accuracy']:.3f} | {en['macro_f1']:.3f} | {en['crisis_recall']:.2f} "
            f"| {es['accuracy']:.3f} | {es['macro_f1']:.3f} | {es['crisis_recall']:.2f} "
            f"| {en['fallback_rate']:.2f} / {es['fallback_rate']:.2f} "
            f"| {en['latency_ms_p50']:.1f} / {es['latency_ms_p50']:.1f} "
            f"| {en['latency_ms_p95']:.1f} / {es['latency_ms_p95']:.1f} |"
        )
    lines += ["", "Accuracy and F1 are on the intent the assistant acts on (nlu_fallback counts as inform). "
              "Classifier-only accuracy (fallback ignored):"]
    for name, v in report["variants"].items():
        lines.append(
            f"- {name}: EN {v['languages']['en']['classifier_accuracy']:.3f}, "
            f"ES {v['languages']['es']['classifier_accuracy']:.3f}"
        )
    for name, v in report["variants"].items():
        lines += ["", f"## {name}", "", f"Config: {v['description']}", "", f"Pipeline: {v['pipeline']}", ""]
        lines.append(f"Trained components: {', '.join(v['components'])}")
        for lang in ("en", "es"):
            lv = v["languages"][lang]
            pairs = Counter((e["expected"], e["predicted"]) for e in lv["misclassified"])
            lines += ["", f"### {lang}: {len(lv['misclassified'])} misclassified of {lv['n']}", ""]
            if pairs:
                lines.append("Most frequent confusions (expected -> predicted): " + ", ".join(
                    f"{a}->{b} x{c}" for (a, b), c in pairs.most_common(8)))
                lines.append("")
                lines.append("| text | expected | predicted | conf | fallback |")
                lines.append("|---|---|---|---:|---|")
                for e in lv["misclassified"]:
                    text = e["text"].replace("|", "\\|")
                    lines.append(f"| {text} | {e['expected']} | {e['predicted']} | {e['confidence']:.2f} | "
                                 f"{'yes' if e['fallback'] else ''} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default="lean,alternative,rasa_default",
                        help="comma-separated subset of lean,alternative,rasa_default")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME=CONFIG",
                        help="also benchmark this config file under this name")
    parser.add_argument("--json", default=str(RESULTS), help="where to write the JSON results")
    args = parser.parse_args()

    os.environ.update(rasa_env())
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import structlog

    # Rasa logs every parse through structlog; keep stdout for the report.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )
    import rasa

    holdouts = {lang: load_holdout(path) for lang, path in HOLDOUT.items()}
    from rasa.shared.nlu.training_data.loading import load_data

    train_examples = len(load_data(str(NLU_DATA)).intent_examples)
    lean = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    base = {"recipe": lean.get("recipe", "default.v1"), "language": lean.get("language", "en"),
            "assistant_id": lean.get("assistant_id", "needs-screening")}

    wanted = [v.strip() for v in args.variants.split(",") if v.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="nlu_bench_"))
    report: dict[str, Any] = {
        "meta": {
            "rasa": rasa.__version__,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "holdout_sizes": {k: len(v) for k, v in holdouts.items()},
            "train_examples": train_examples,
            "startup_s": None,
            "fallback_routes_to": FALLBACK_ROUTES_TO,
            # Other work on the machine inflates training and parse times.
            "loadavg_1min_start": round(os.getloadavg()[0], 2),
        },
        "variants": {},
    }
    try:
        report["meta"]["startup_s"] = round(startup_seconds(), 1)
        plan: list[tuple[str, Path, dict, str]] = []
        if "lean" in wanted:
            plan.append(("lean", CONFIG, lean, "config.yml (the project's pipeline)"))
        if "alternative" in wanted:
            alt, how = alternative_config(lean)
            plan.append(("alternative", write_yaml(tmp / "alternative.yml", alt), alt, how))
        if "rasa_default" in wanted:
            plan.append(("rasa_default", write_yaml(tmp / "rasa_default.yml", dict(base)), dict(base),
                         "only recipe, language and assistant_id: Rasa auto-fills its default pipeline"))
        for extra in args.extra:
            name, _, path = extra.partition("=")
            cfg = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
            plan.append((name, Path(path).resolve(), cfg, f"extra config {path}"))

        for name, config_path, config, description in plan:
            print(f"[bench] training {name} ...", file=sys.stderr, flush=True)
            model, seconds = train(name, config_path, tmp / "models")
            result = asyncio.run(evaluate(model, holdouts))
            pipeline = describe_pipeline(config)
            if name == "rasa_default":
                expected = [c["name"] for c in DEFAULT_PIPELINE]
                got = [c for c in result["components"] if c in set(expected)]
                if "DIETClassifier" in got and "ResponseSelector" in got and "FallbackClassifier" in got:
                    description += " (verified: the trained model contains Rasa's default pipeline)"
                    pipeline = "auto-filled by Rasa: " + describe_pipeline({"pipeline": DEFAULT_PIPELINE})
                else:
                    print("[bench] auto-filled default pipeline not found; training it explicitly",
                          file=sys.stderr, flush=True)
                    explicit = dict(base, pipeline=DEFAULT_PIPELINE)
                    model, seconds = train(name, write_yaml(tmp / "rasa_default_explicit.yml", explicit), tmp / "models")
                    result = asyncio.run(evaluate(model, holdouts))
                    description = "Rasa 3.6 default pipeline written out explicitly"
                    pipeline = describe_pipeline(explicit)
            report["variants"][name] = {
                "description": description,
                "pipeline": pipeline,
                "classifier": next((c for c in result["components"] if c in CLASSIFIERS), "?"),
                "train_s": round(seconds, 1),
                **result,
            }
            en, es = result["languages"]["en"], result["languages"]["es"]
            print(f"[bench] {name}: train {seconds:.1f}s  EN acc {en['accuracy']:.3f}  ES acc {es['accuracy']:.3f}",
                  file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report["meta"]["loadavg_1min_end"] = round(os.getloadavg()[0], 2)

    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.stdout.write(markdown(report))
    print(f"\nJSON: {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
