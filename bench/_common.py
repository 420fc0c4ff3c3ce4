"""Helpers shared by the benchmarks (not a benchmark itself).

Every benchmark prints readable lines as it goes and ends with one machine-readable line::

    BENCH_JSON {"bench": "letters", "metrics": [{"name": ..., "value": ..., "unit": ..., "goal": ...}]}

``run.py`` collects those lines into one table. Keep this module light: the idle-memory benchmark
imports it before measuring.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

JSON_PREFIX = "BENCH_JSON "


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (pct in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rss_mb() -> float:
    """Current resident set size of this process in MiB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def machine() -> str:
    """One line naming the machine: CPU, cores, RAM, Python, OS, and the load right now."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{_cpu_model()} ({platform.machine()}), {os.cpu_count()} cores, {_ram_gib():.1f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.platform(terse=True)}, load average {load}"
    )


def metric(name: str, value: float, unit: str, goal: str | None = None, ok: bool | None = None) -> dict:
    """One figure for the summary table; ``goal`` is text like "<= 0.3 ms", ``ok`` whether it is met."""
    return {"name": name, "value": value, "unit": unit, "goal": goal, "ok": ok}


def at_most(name: str, value: float, unit: str, limit: float, note: str = "") -> dict:
    """A figure whose goal is ``value <= limit`` (``note`` is appended to the goal text)."""
    return metric(name, value, unit, f"<= {limit:.4g} {unit}{note}", value <= limit)


def below(name: str, value: float, unit: str, limit: float, note: str = "") -> dict:
    """A figure whose goal is ``value < limit`` (``note`` is appended to the goal text)."""
    return metric(name, value, unit, f"< {limit:.4g} {unit}{note}", value < limit)


def mb_as_mib(megabytes: float) -> float:
    """A goal stated in MB (10^6 bytes) in MiB, the unit RSS is read in."""
    return megabytes * 1e6 / 2**20


def emit(bench: str, metrics: list[dict], **extra: Any) -> None:
    """Print the machine-readable result line ``run.py`` collects (the last thing a benchmark prints)."""
    payload = {"bench": bench, "metrics": metrics, **extra}
    print(JSON_PREFIX + json.dumps(payload, default=str), flush=True)
