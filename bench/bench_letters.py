"""Benchmark for the letter check: letters per second and median ms per letter.

Run ``python bench/bench_letters.py [--quick]``. Letters are generated from pools of realistic
sentences (openings, relationship, context, examples, stock virtues, middle-coded lines, concerns,
rankings, closings) with varied names, numbers and services, so no letter is one sentence repeated.
Target from issue 3: at most 0.3 ms per 500-word letter on one core.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import at_most, emit, machine, metric

from bot.advice.letters import analyze_letter

NAMES = [
    "Amara Okafor",
    "Rahul Verma",
    "Lucia Ferreira",
    "Tomasz Nowak",
    "Mei Lin",
    "Omar Haddad",
    "Sofia Petrenko",
    "Kwame Mensah",
    "Aylin Demir",
    "Jorge Salinas",
    "Hana Sato",
    "Ines Duarte",
]
SERVICES = [
    "internal medicine",
    "general surgery",
    "pediatrics",
    "neurology",
    "cardiology",
    "emergency medicine",
    "family medicine",
    "psychiatry",
    "pathology",
    "obstetrics",
]
DIAGNOSES = [
    "sepsis",
    "diabetic ketoacidosis",
    "pulmonary embolism",
    "meningitis",
    "heart failure",
    "upper GI bleeding",
    "stroke",
    "pneumonia",
    "acute kidney injury",
    "status asthmaticus",
]
DURATIONS = ["four weeks", "two months", "eight weeks", "six months", "one year", "three months"]

OPENINGS = [
    "I am writing to recommend {t} {n} for a residency position in {s}.",
    "It is a pleasure to write on behalf of {t} {n}, who worked on our {s} service.",
    "I have been asked to write a letter for {t} {n}, who applies for {s} residency.",
    "This letter concerns {t} {n}, whom I supervised during a rotation in {s}.",
]
RELATIONSHIP = [
    "I supervised {o} directly for {d} on our {s} service at Riverside University Hospital.",
    "{P} worked with me for {d} as an intern in our department, where I am the clinical director.",
    "I have known {o} for {d}, first as a student and later as a junior resident.",
    "During {d} on the wards I saw {o} nearly every day on rounds and in clinic.",
]
CONTEXT = [
    "Our hospital is a {b}-bed teaching hospital with a busy emergency department.",
    "The ward admits around {k} patients a week, most of them older adults with several illnesses.",
    "Interns on our team carry a heavy census and present every new admission on morning rounds.",
    "All notes, handoffs and case presentations on our service are in English.",
]
EXAMPLES = [
    "One night {p} noticed a falling blood pressure in a patient with {x} and called the rapid response team "
    "before I arrived.",
    "{P} carried {k} patients a day and presented each with a clear assessment and plan.",
    "{P} recognized early {x} in a post-operative patient and started treatment within the hour.",
    "I trusted {o} to lead family meetings and to call consultants on {q} own.",
    "{P} designed a discharge checklist that our nurses still use on the ward.",
    "{P} presented a case of {x} at our morbidity and mortality conference and answered questions well.",
    "{P} followed the ACC/AHA guidelines carefully when adjusting medications for heart failure.",
    "With only a final check from me, {p} managed admissions and wrote orders by the second week.",
]
VIRTUES = [
    "{P} is hardworking, punctual and sincere.",
    "{P} is a compassionate and dedicated doctor with a strong work ethic.",
    "{P} was always eager to learn and had a positive attitude.",
    "{P} is a team player who gets along well with everyone.",
]
MIDDLE = [
    "{Q} presentations were adequate and {q} notes met expectations.",
    "{Q} fund of knowledge was reasonable for {q} level of training.",
    "{P} was pleasant and cooperative with the nurses.",
    "Overall {q} performance was satisfactory.",
]
CONCERNS = [
    "At times {p} struggled to prioritize tasks when the service was busy.",
    "{P} needed frequent prompting to follow up on laboratory results.",
    "On one occasion {p} did not sign out a sick patient to the night team.",
]
RANKINGS = [
    "I would place {o} in the top {c}% of the {k} students I have taught.",
    "{P} is the best intern of the {k} I have supervised in the past {y} years.",
    "Among the {k} residents in {q} year, {p} stands near the top.",
    "{P} outperformed several of our own interns.",
]
BOILERPLATE = [
    "{P} attended morning rounds, noon conferences and grand rounds.",
    "During this period {p} was exposed to a wide range of conditions in {s}.",
    "{P} participated in all the activities of the department.",
    "{P} became familiar with the electronic medical record and the structure of the service.",
]
CLOSINGS = {
    "strong": [
        "I recommend {o} without reservation.",
        "I recommend {o} with great enthusiasm for residency in {s}.",
    ],
    "lukewarm": ["I support {q} application.", "{P} would be a reasonable candidate for your program."],
    "generic": ["I recommend {o} for residency training.", "I wish {o} every success in {q} future career."],
    "negative": ["I can recommend {o} for residency.", "I recommend {o} for residency training."],
}
#: Sentence pools and their weights for each tone, so the letters span all four labels.
TONES = {
    "strong": ([RELATIONSHIP, CONTEXT, EXAMPLES, RANKINGS, VIRTUES], [2, 2, 6, 2, 1]),
    "lukewarm": ([RELATIONSHIP, CONTEXT, MIDDLE, VIRTUES], [2, 2, 5, 1]),
    "generic": ([VIRTUES, BOILERPLATE, CONTEXT], [3, 4, 1]),
    "negative": ([RELATIONSHIP, EXAMPLES, MIDDLE, CONCERNS, VIRTUES], [2, 3, 3, 1, 2]),
}


def _fill(template: str, rng: random.Random, who: dict[str, str]) -> str:
    return template.format(
        t=who["t"],
        n=who["n"],
        s=who["s"],
        p=who["p"],
        P=who["p"].capitalize(),
        o=who["o"],
        q=who["q"],
        Q=who["q"].capitalize(),
        d=rng.choice(DURATIONS),
        x=rng.choice(DIAGNOSES),
        k=rng.randint(4, 160),
        b=rng.choice([120, 350, 600, 900]),
        c=rng.choice([5, 10, 15]),
        y=rng.randint(3, 20),
    )


def make_letter(rng: random.Random, words: int) -> str:
    """About ``words`` words in a random tone; long ones get a letterhead, salutation and signature."""
    he = rng.random() < 0.5
    who = {
        "t": rng.choice(["Dr.", "Ms.", "Mr."]),
        "n": rng.choice(NAMES),
        "s": rng.choice(SERVICES),
        "p": "he" if he else "she",
        "o": "him" if he else "her",
        "q": "his" if he else "her",
    }
    tone = rng.choice(list(TONES))
    pools, weights = TONES[tone]
    body: list[str] = [_fill(rng.choice(OPENINGS), rng, who)]
    if tone == "negative":
        body.append(_fill(rng.choice(CONCERNS), rng, who))
    while sum(len(x.split()) for x in body) < words - 12:
        body.append(_fill(rng.choice(rng.choices(pools, weights=weights)[0]), rng, who))
    rng.shuffle(body)
    body.append(_fill(rng.choice(CLOSINGS[tone]), rng, who))
    text = " ".join(body)
    if words >= 300:
        text = (
            f"Department of Medicine\nRiverside University Hospital\nMarch {rng.randint(1, 28)}, 2025\n\n"
            f"Dear Program Director,\n\n{text}\n\nSincerely,\nDr. Helen Carter\nProfessor of Medicine\n"
            "helen.carter@riverside.example.org"
        )
    return text


def bench(size: int, count: int, rng: random.Random) -> tuple[float, float, Counter[str]]:
    """(letters per second, median ms per letter, label counts) for ``count`` letters of ``size`` words."""
    letters = [make_letter(rng, size) for _ in range(count)]
    times: list[float] = []
    labels: Counter[str] = Counter()
    for letter in letters:
        start = time.perf_counter()
        report = analyze_letter(letter)
        times.append(time.perf_counter() - start)
        labels[report.label.value] += 1
    return count / sum(times), statistics.median(times) * 1000, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer letters (a smoke run for CI)")
    args = parser.parse_args(argv)
    rng = random.Random(20240915)
    analyze_letter(make_letter(rng, 100))  # compile the rules outside the timing
    count = 60 if args.quick else 600
    print(f"machine: {machine()}")
    metrics = []
    for size in (100, 500):
        per_second, median_ms, labels = bench(size, count, rng)
        mix = ", ".join(f"{k} {v}" for k, v in sorted(labels.items()))
        print(
            f"{size:>4}-word letters: {per_second:8.0f} letters/s, median {median_ms:.3f} ms/letter  ({mix})"
        )
        metrics.append(metric(f"{size}-word letters per second", per_second, "/s"))
        median_metric = f"{size}-word letter median"
        if size == 500:
            metrics.append(at_most(median_metric, median_ms, "ms", 0.3))
        else:
            metrics.append(metric(median_metric, median_ms, "ms"))
    print("target: <= 0.3 ms per 500-word letter on one core")
    emit("letters", metrics, letters_per_size=count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
