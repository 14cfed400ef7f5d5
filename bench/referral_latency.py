"""Referral matching latency against directories of 1k, 10k and 100k services.

Synthetic directories scaled from the real one: the real Massachusetts facility
coordinates (sources/ma-services) are resampled with up to ~2 miles of
jitter, each service given 1-2 need categories and random languages/fees. For
each size, 500 screenings ask for 3 needs from random Massachusetts ZIPs (plus
10% with no place). Reports build time and p50/p95/p99 per screening, and the
ratio against the 1k directory measured in the same run.

Run: .venv/bin/python bench/referral_latency.py
"""
from __future__ import annotations

import csv
import json
import random
import statistics
import time
from pathlib import Path

import zipcodes

from screening.needs import NEED_CATEGORIES
from screening.referrals import Directory, ServiceRecord, match_needs

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "sources" / "ma-services"
SIZES = (1_000, 10_000, 100_000)
SCREENINGS = 500
NEEDS = [n for n in NEED_CATEGORIES if n != "other"]


def real_points() -> list[tuple[float, float]]:
    points = []
    for name in ("substance_use_treatment.csv", "mental_health.csv", "opioid_treatment_programs.csv",
                 "community_health_centers.csv"):
        path = SOURCE / name
        if path.exists():
            with path.open(newline="") as handle:
                for row in csv.DictReader(handle):
                    try:
                        points.append((float(row["latitude"]), float(row["longitude"])))
                    except (KeyError, ValueError):
                        pass
    if not points:  # the source files are missing: MA ZIP centres instead
        points = [(float(z["lat"]), float(z["long"])) for z in zipcodes.filter_by(state="MA")]
    return points


def synthetic(size: int, rng: random.Random, points) -> list[ServiceRecord]:
    services = []
    for n in range(size):
        lat, lon = rng.choice(points)
        services.append(ServiceRecord(
            id=f"svc-{n}", name=f"Service {n % 997}", needs=frozenset(rng.sample(NEEDS, rng.choice((1, 2)))),
            latitude=lat + rng.uniform(-0.03, 0.03), longitude=lon + rng.uniform(-0.03, 0.03),
            languages=frozenset(rng.sample(["en", "es", "pt", "ht", "zh", "vi"], rng.randint(1, 3))),
            free=rng.random() < 0.3))
    for need in NEEDS:
        services.append(ServiceRecord(id=f"line-{need}", name=f"Statewide {need}", needs=frozenset({need}),
                                      statewide=True))
    return services


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> dict:
    rng = random.Random(20261124)
    points = real_points()
    places = [(float(z["lat"]), float(z["long"])) for z in zipcodes.filter_by(state="MA") if z["lat"]]
    results = {}
    for size in SIZES:
        services = synthetic(size, rng, points)
        start = time.perf_counter()
        directory = Directory.build(services)
        build_ms = (time.perf_counter() - start) * 1000
        timings = []
        for _ in range(SCREENINGS):
            needs = rng.sample(NEEDS, 3)
            lat, lon = rng.choice(places) if rng.random() > 0.1 else (None, None)
            start = time.perf_counter()
            found = match_needs(directory, needs, latitude=lat, longitude=lon, language=rng.choice(["en", "es"]))
            timings.append((time.perf_counter() - start) * 1000)
            assert found, "every screening gets referrals"
        results[size] = {"build_ms": round(build_ms, 1), "p50_ms": round(statistics.median(timings), 3),
                         "p95_ms": round(pct(timings, 0.95), 3), "p99_ms": round(pct(timings, 0.99), 3),
                         "max_ms": round(max(timings), 3)}
    base = results[SIZES[0]]["p95_ms"]
    print(f"real facility points used: {len(points)}; {SCREENINGS} screenings x 3 needs per size\n")
    print("| services | index build (ms) | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | p95 / 1k p95 |")
    print("|---|---|---|---|---|---|---|")
    for size, r in results.items():
        print(f"| {size:,} | {r['build_ms']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} "
              f"| {r['p95_ms'] / base:.1f} |")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "referral_latency.json").write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
