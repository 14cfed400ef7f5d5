"""`make bench`: every benchmark, one after another, each writing bench/results/*.json.

Run on an otherwise idle machine: the two cores are shared by the servers, the
load generator and training. BENCHMARKS.md summarizes the results and the method.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RUNS = [
    ["answer_accuracy.py", "--model", "models/screening.tar.gz", "--train-default-recipe"],
    ["nlu_accuracy.py"],
    ["stack_latency.py"],
    ["referral_latency.py"],
    ["sms_gateway.py"],
    ["app_overhead.py"],
    ["tracker_store_cost.py"],
    ["language_id.py"],
]


def main() -> int:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3")
    failed = 0
    for script, *args in RUNS:
        started = time.monotonic()
        print(f"\n## {script}\n", flush=True)
        done = subprocess.run([sys.executable, str(BENCH / script), *args], cwd=BENCH.parent, env=env)
        print(f"\n({script}: {time.monotonic() - started:.0f} s, exit {done.returncode})", flush=True)
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
