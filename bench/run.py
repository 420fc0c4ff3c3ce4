"""Run every benchmark and print one summary table: ``python bench/run.py [--quick] [--only NAME ...]``.

Full mode is for people (several minutes: 1M referees, a 5,000-reminder burst at 50 requests/s);
``--quick`` is what CI runs (smaller sizes, same code paths, under a minute). Each benchmark runs in its
own process, prints its details, and ends with a ``BENCH_JSON`` line that this script collects.

Exit code: 1 only if a benchmark failed to run (crashed, or printed no result). A missed goal is shown as
MISS in the table but does not fail the run: the figures are for people to read.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

from _common import JSON_PREFIX, machine

HERE = Path(__file__).resolve().parent
BENCHES = (
    "bench_letters.py",
    "bench_interactions.py",
    "bench_referees.py",
    "bench_reminders.py",
    "bench_idle.py",
)


def run_one(name: str, quick: bool) -> tuple[dict | None, str]:
    """Run one benchmark, echoing its output; returns its result (None if it failed) and a status note."""
    print(f"\n== {name}{' (quick)' if quick else ''}", flush=True)
    started = time.perf_counter()
    command = [sys.executable, str(HERE / name), *(["--quick"] if quick else [])]
    result: dict | None = None
    with subprocess.Popen(command, cwd=HERE.parent, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(JSON_PREFIX):
                result = json.loads(line[len(JSON_PREFIX) :])
            else:
                print("   " + line, end="", flush=True)
    elapsed = time.perf_counter() - started
    print(f"   ({elapsed:.1f} s, exit {proc.returncode})", flush=True)
    if proc.returncode:
        return None, f"exit {proc.returncode}"
    if result is None:
        return None, "no BENCH_JSON line"
    return result, f"{elapsed:.0f} s"


def fmt(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def table(rows: list[tuple[str, str, str, str]]) -> str:
    head = ("metric", "value", "goal", "")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    line = "-+-".join("-" * w for w in widths)
    out = [" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)), line]
    for row in rows:
        out.append(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return "\n".join(out)


def summary_rows(results: dict[str, dict | None], notes: dict[str, str]) -> list[tuple[str, str, str, str]]:
    rows = []
    for name, result in results.items():
        if result is None:
            rows.append((name, "FAILED TO RUN", notes[name], "FAIL"))
            continue
        for m in result["metrics"]:
            status = "" if m["ok"] is None else ("ok" if m["ok"] else "MISS")
            value = f"{fmt(m['value'])} {m['unit']}".strip()
            rows.append((f"{result['bench']}: {m['name']}", value, m["goal"] or "", status))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI, < 60 s)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these, e.g. --only letters idle")
    args = parser.parse_args()
    chosen = [b for b in BENCHES if not args.only or any(o in b for o in args.only)]
    print(f"machine: {machine()}")
    print(f"mode: {'quick' if args.quick else 'full'}; benchmarks: {', '.join(chosen)}", flush=True)
    started = time.perf_counter()
    results: dict[str, dict | None] = {}
    notes: dict[str, str] = {}
    for name in chosen:
        results[name], notes[name] = run_one(name, args.quick)
    rows = summary_rows(results, notes)
    print(f"\n== summary ({'quick' if args.quick else 'full'}, {time.perf_counter() - started:.0f} s)")
    print(f"machine: {machine()}")
    print(table(rows))
    misses = [r[0] for r in rows if r[3] == "MISS"]
    failed = [n for n, r in results.items() if r is None]
    if misses:
        print(f"MISS: {len(misses)} goal(s) not met: {', '.join(misses)}")
    if failed:
        print(f"FAILED TO RUN: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
