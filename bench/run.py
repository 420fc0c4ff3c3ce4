"""Run every benchmark and print their figures: ``python bench/run.py [--quick]``.

Full mode is for people (minutes); ``--quick`` is what CI runs (smaller sizes, same code paths).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ("bench_letters.py", "bench_interactions.py", "bench_referees.py", "bench_reminders.py")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI)")
    args = parser.parse_args()
    failed = []
    for name in BENCHES:
        path = HERE / name
        if not path.exists():
            continue
        print(f"== {name}{' (quick)' if args.quick else ''}", flush=True)
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(path), *(["--quick"] if args.quick else [])], cwd=HERE.parent
        )
        print(f"   ({time.perf_counter() - started:.1f} s, exit {proc.returncode})", flush=True)
        if proc.returncode:
            failed.append(name)
    if failed:
        print(f"benchmarks that failed to run: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
