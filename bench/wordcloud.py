"""Benchmark: a word cloud of N synthetic open-text answers (about 12 words each, from a
labor-management education event) with bot.clouds.make_cloud, next to the wordcloud
library's defaults at the same size.

    .venv/bin/python bench/wordcloud.py                  # 10,000 answers, 1600x900, 5 runs
    .venv/bin/python bench/wordcloud.py --answers 2000 --runs 3 --json out.json --png cloud.png

Prints each run and the median of both. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from random import Random

# Replace this script's folder on the path rather than add to it: the script is called
# wordcloud.py and would otherwise be imported in place of the library. (The library is
# imported from its submodule for the same reason: a type checker that takes this file
# for the module "wordcloud" finds no submodule in it and leaves the import alone.)
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from wordcloud.wordcloud import WordCloud  # noqa: E402

from bot.closing import CloudStyle, make_cloud  # noqa: E402

# (term, weight): what people at a labor-management collaboration event write about.
TERMS = [
    ("trust", 40), ("collaboration", 34), ("student achievement", 30), ("union", 26),
    ("partnership", 24), ("LCAP", 20), ("communication", 20), ("respect", 18), ("teachers", 18),
    ("teacher", 8), ("students", 16), ("district", 16), ("leadership", 14), ("transparency", 12),
    ("shared decision making", 10), ("relationships", 10), ("listening", 9), ("equity", 9),
    ("professional development", 8), ("budget", 8), ("administrators", 7), ("school board", 7),
    ("bargaining", 7), ("interest-based bargaining", 5), ("classified staff", 5), ("parents", 5),
    ("community", 5), ("accountability", 4), ("time", 4), ("funding", 4), ("morale", 3),
    ("data", 3), ("problem solving", 3), ("commitment", 3), ("honesty", 3), ("curriculum", 3),
    ("superintendent", 2), ("contract", 2), ("voice", 2), ("support", 2), ("goals", 2),
    ("common core", 2), ("class size", 2), ("retention", 1), ("turnover", 1), ("evaluation", 1),
    ("mentoring", 1), ("grievances", 1), ("site councils", 1), ("CTA", 1), ("CSBA", 1),
    ("ACSA", 1), ("CFT", 1), ("sustainability", 1), ("follow-through", 1), ("capacity", 1),
]  # fmt: skip
# The long tail: words a few people use each, as in any real set of answers.
TAIL = [
    "agenda", "alignment", "allies", "aligned", "assessment", "attendance", "authentic", "barriers",
    "benefits", "board", "bridges", "calendar", "candid", "celebrate", "challenges", "change",
    "clarity", "coaching", "cohort", "colleagues", "compromise", "conflict", "consensus", "consistency",
    "constructive", "conversations", "cooperation", "courage", "credibility", "culture", "decisions",
    "dialogue", "differences", "discipline", "diversity", "empathy", "empower", "engagement",
    "enrollment", "expectations", "facilitation", "fairness", "families", "feedback", "flexibility",
    "focus", "framework", "grants", "growth", "healthcare", "honesty", "humility", "impact",
    "implementation", "improvement", "inclusion", "innovation", "input", "integrity", "interests",
    "investment", "joint", "kindness", "language", "learning", "listening", "meetings", "mission",
    "negotiations", "norms", "openness", "outcomes", "ownership", "patience", "pensions", "planning",
    "policy", "positivity", "priorities", "process", "progress", "protocols", "quality", "reform",
    "reflection", "relationships", "research", "resources", "roles", "safety", "salary", "schedules",
    "security", "shared", "solutions", "staffing", "stakeholders", "strategy", "strengths", "success",
    "summit", "sustainability", "teamwork", "technology", "tension", "timeline", "training",
    "transitions", "understanding", "unity", "values", "vision", "wellness", "workload", "workshops",
    "accountability", "advocacy", "agreement", "apprenticeship", "arts", "attitude", "autonomy",
    "awareness", "balance", "belonging", "buy-in", "caring", "certificated", "charter", "civility",
    "clarity", "coherence", "collective", "commitment", "compassion", "competence", "confidence",
    "connection", "continuity", "counselors", "creativity", "dedication", "democracy", "dignity",
    "efficiency", "encouragement", "energy", "enthusiasm", "ethics", "excellence", "fidelity",
    "friendship", "generosity", "goodwill", "gratitude", "harmony", "hope", "initiative", "insight",
    "inspiration", "leverage", "loyalty", "mindset", "modeling", "momentum", "motivation", "nurses",
    "openness", "optimism", "paraprofessionals", "passion", "persistence", "perspective", "purpose",
    "readiness", "reciprocity", "recognition", "resilience", "responsiveness", "sincerity",
    "solidarity", "stability", "stewardship", "synergy", "talent", "tenure", "thoughtfulness",
    "tolerance", "trustworthy", "vulnerability", "willingness", "wisdom",
]  # fmt: skip
FILLER = [
    "we", "need", "more", "and", "the", "to", "of", "in", "with", "between", "our", "for", "is", "it",
    "be", "that", "more", "a", "have", "can", "will", "about", "all", "of", "us", "also", "when",
    "they", "are", "more", "than", "just", "on", "this", "really",
]  # fmt: skip
PUNCTUATION = ["", "", "", ",", ",", ".", "!"]


def synthetic_answers(n: int, seed: int = 2015) -> list[str]:
    """n answers of about 12 words: weighted terms among filler words, fixed by the seed."""
    rng = Random(seed)
    terms = [t for t, _ in TERMS] + TAIL
    # Zipf-like weights for the tail, all of it together about as common as "trust".
    weights = [float(w) for _, w in TERMS] + [4.0 / (rank + 1) ** 0.6 for rank in range(len(TAIL))]
    answers = []
    for _ in range(n):
        words: list[str] = []
        target = rng.randint(8, 16)
        while len(words) < target:
            if rng.random() < 0.45:
                words.extend(rng.choices(terms, weights)[0].split())
            else:
                words.append(rng.choice(FILLER))
            if rng.random() < 0.1:
                words[-1] += rng.choice(PUNCTUATION)
        if rng.random() < 0.3:
            words[0] = words[0].capitalize()
        answers.append(" ".join(words) + rng.choice([".", "", "!"]))
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--png", type=Path, help="also write the picture make_cloud drew here")
    args = parser.parse_args()
    texts = synthetic_answers(args.answers)
    words = sum(len(t.split()) for t in texts)
    style = CloudStyle(width=args.width, height=args.height)
    print(
        f"word cloud of {len(texts)} answers ({words / len(texts):.1f} words each), "
        f"{args.width}x{args.height}, max {style.max_words} words"
    )

    ours: list[float] = []
    for n in range(1, args.runs + 1):
        started = time.perf_counter()
        cloud = make_cloud(texts, style=style)
        ours.append(time.perf_counter() - started)
        print(
            f"make_cloud run {n}: {ours[-1]:.3f} s ({len(cloud.frequencies)} words drawn, "
            f"PNG {len(cloud.png) / 1024:.0f} KiB)",
            flush=True,
        )
    library: list[float] = []
    for n in range(1, args.runs + 1):
        started = time.perf_counter()
        WordCloud(width=args.width, height=args.height).generate(" ".join(texts))
        library.append(time.perf_counter() - started)
        print(f"library defaults run {n}: {library[-1]:.3f} s", flush=True)

    machine = f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}"
    median_ours, median_library = statistics.median(ours), statistics.median(library)
    print(
        f"median of {args.runs}: make_cloud {median_ours:.3f} s, library defaults {median_library:.3f} s "
        f"({median_library / median_ours:.1f}x)  [{machine}]"
    )
    if args.png:
        args.png.write_bytes(cloud.png)
    if args.json:
        figures = {
            "answers": len(texts),
            "size": [args.width, args.height],
            "make_cloud_seconds": [round(s, 4) for s in ours],
            "library_defaults_seconds": [round(s, 4) for s in library],
            "median": {"make_cloud": round(median_ours, 4), "library_defaults": round(median_library, 4)},
            "top_words": cloud.frequencies[:10],
            "machine": machine,
        }
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
