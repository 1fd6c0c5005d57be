"""Benchmark: six polls live at once (parallel breakouts), how often each poll's message is refreshed.

    .venv/bin/python bench/live.py                          # 6 polls x 300 voters, SQLite, 2 workers, 3 runs
    .venv/bin/python bench/live.py --polls 1 --voters 2000  # one poll: its refresh rate during a burst
    .venv/bin/python bench/live.py --database postgresql://postgres@127.0.0.1:5432/test --json live.json

Each run starts `convene serve --workers N` on a fresh database with one
breakout session per poll, each in its own channel, launches every poll at
once, and has bench/load.py send one click per voter (`--voters` per poll),
the polls interleaved so that all of them take votes at the same moment, every
tenth voter's click twice at once (a double click). The sandbox answers each call
`--latency` seconds late and holds the bot to Slack's Tier 3 for chat.update
(50 a minute, shared by all the polls; bench/limits.py), answering 429 past it.

After the burst it waits for confirmations to stop and the outbox to empty
(as bench/votes.py does), then prints per poll the chat.update calls that
refreshed its message, the shortest gap between two of them (as the sandbox
handled them; the refresh interval promises 2 s or more) and the longest gap
between refreshes from its first vote until its final refresh; overall,
chat.update calls, the most in any minute, 429s and the shortest and longest
gaps of any poll; and the confirmation figures of bench/votes.py. Then the
median of the runs. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.burst import (  # noqa: E402
    Figures,
    Settings,
    add_common_options,
    convene_run,
    describe,
    header,
    median_of,
    settings_from,
    summary,
    write_report,
)

MEDIANS = {
    "min_refresh_gap_s": "shortest refresh gap s",
    "max_refresh_gap_s": "longest s",
    "chat_update_calls": "chat.update",
    "chat_update_peak_per_min": "most in a minute",
    "http_429": "429s",
    "votes_per_s": "votes/s",
    "confirm_p50_s": "confirmation p50 s",
    "confirm_p99_s": "p99 s",
    "confirmations_sent": "confirmations",
}


def one_run(per_poll: int, polls: int, settings: Settings) -> Figures:
    with tempfile.TemporaryDirectory(prefix="convene-live-") as tmp:
        figures, _ = convene_run(per_poll * polls, polls, settings, Path(tmp))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_options(parser, voters="voters per poll (repeatable; default 300)")
    parser.add_argument(
        "--polls", type=int, default=6, help="polls live at once, one channel each (default 6)"
    )
    args = parser.parse_args()
    settings = settings_from(args)
    where = "PostgreSQL" if settings.database else "SQLite"
    header("polls live at once through convene serve", settings, ", chat.update 50 a minute")
    report = []
    for per_poll in args.voters or [300]:
        runs = []
        for n in range(1, args.runs + 1):
            r = one_run(per_poll, args.polls, settings)
            runs.append(r)
            polls = "; ".join(
                f"{poll} {p['updates']} refreshes, gaps {p['min_gap_s']}-{p['max_gap_s']} s, "
                f"last {p['last_after_first_vote_s']} s after its first vote"
                for poll, p in r["polls"].items()
            )
            print(
                f"  {args.polls} polls x {per_poll} voters, run {n}: refresh gaps shortest "
                f"{r['min_refresh_gap_s']} s, longest {r['max_refresh_gap_s']} s, "
                f"chat.update {r['chat_update_calls']}, 429s {r['http_429']}\n"
                f"    per poll: {polls}\n{describe(r)}",
                flush=True,
            )
        median = median_of(runs)
        print(
            f"  median of {len(runs)} ({where}, {settings.workers} workers, {args.polls} polls x {per_poll} "
            "voters): " + summary(median, MEDIANS),
            flush=True,
        )
        report.append({"voters_per_poll": per_poll, "polls": args.polls, "runs": runs, "median": median})
    write_report(args.json, settings, report)


if __name__ == "__main__":
    main()
