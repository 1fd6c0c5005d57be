"""Benchmark: N people vote on one poll at once, through `convene serve`'s HTTP endpoint.

    .venv/bin/python bench/votes.py                       # 200, 2,000 and 10,000 voters on SQLite
    .venv/bin/python bench/votes.py --voters 2000 --database postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/votes.py --runs 3 --workers 1 --json votes.json

The load comes from wrk (Debian's `wrk`) replaying pre-signed Slack requests, one
per voter and then a tenth of them again (double clicks, which must count once),
so the client costs little of the CPU the server needs; its CPU share is printed,
and so is the share of this script's own process, which plays Slack (the sandbox
answers the bot's confirmations and refreshes). Prints, per run: start-up to ready,
votes per second sustained (from the server's own timestamps of the first and last
vote), ack latency p50/p95/p99 over every request, votes recorded versus voters,
chat.update calls the burst caused and the closest two of them, and the peak memory
of the server's processes. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bot.devkit import (  # noqa: E402
    SlackSandbox,  # noqa: E402
    free_port,
    sign,
)
from bot.devkit.databases import scratch_database  # noqa: E402
from storage.db import normalise_url  # noqa: E402

SECRET = "bench-signing-secret"
HERE = Path(__file__).resolve().parent


def write_event(folder: Path, voters: int) -> Path:
    lines = ["id,name,email,slack_id,team,role", "host,Harper Host,host@votes.example.org,UHOST,,other"]
    lines += [f"v{i:05d},Voter {i},v{i:05d}@votes.example.org,UV{i:07d},t1,other" for i in range(voters)]
    (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    (folder / "event.yaml").write_text("""\
event: {name: Vote burst, timezone: UTC, days: [2030-01-01]}
teams: [{id: t1, name: Team One}]
roster: roster.csv
organizers: [host]
channels: {plenary: plenary}
summaries: {after_session_minutes: null, digest_after_minutes: null}
sessions:
  - {id: s1, title: Plenary, day: 2030-01-01, start: "09:00", end: "10:00", kind: plenary, channel: plenary,
     reminders: []}
polls:
  - id: burst
    question: Which option?
    kind: single_choice
    options: [One, Two, Three, Four, Five]
    session: s1
""")
    return folder / "event.yaml"


def post(url: str, fields: dict[str, str]) -> str:
    body = urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=10) as r:
        return r.read().decode()


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of one process (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's supervisor and its workers)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += process_tree(int(child))
    return found


@contextlib.contextmanager
def fresh_database(server: str | None, folder: Path) -> Iterator[str]:
    """A new SQLite file in `folder`, or a new database on the PostgreSQL `server`, dropped after."""
    if not server:
        yield f"sqlite:///{folder / 'votes.db'}"
        return
    with scratch_database(server, "convene_bench") as url:
        yield url


def one_run(voters: int, database: str | None, workers: int) -> dict[str, float | int | str | None]:
    with (
        tempfile.TemporaryDirectory(prefix="convene-votes-") as tmp,
        SlackSandbox() as sandbox,
        fresh_database(database, Path(tmp)) as url_db,
    ):
        folder = Path(tmp)
        event_file = write_event(folder, voters)
        sandbox.add_channel(name="plenary")
        sandbox.add_user(id="UHOST", name="host", email="host@votes.example.org")
        for i in range(voters):
            sandbox.add_user(id=f"UV{i:07d}", name=f"v{i:05d}")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": url_db,
            "SLACK_API_URL": sandbox.api_url,
            "SLACK_BOT_TOKEN": sandbox.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "CONVENE_LOG_LEVEL": "WARNING",
            "CONVENE_FILES_DIR": str(folder / "files"),
        }
        started = time.perf_counter()
        log = (folder / "serve.log").open("wb")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                str(event_file),
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                        break
                except OSError:
                    if server.poll() is not None or time.perf_counter() - started > 60:
                        raise RuntimeError((folder / "serve.log").read_text()) from None
                    time.sleep(0.02)
            ready = time.perf_counter() - started
            channel = sandbox.channel_id("plenary")
            post(
                f"{base}/slack/events",
                {
                    "command": "/poll",
                    "text": "launch burst",
                    "user_id": "UHOST",
                    "channel_id": channel,
                    "team_id": sandbox.team_id,
                    "response_url": sandbox.new_response_url(channel_id=channel, user_id="UHOST"),
                    "trigger_id": "t",
                },
            )
            while not sandbox.messages(channel):
                time.sleep(0.02)
            ts = sandbox.messages(channel)[0].ts
            bodies = folder / "bodies.tsv"
            with bodies.open("w") as out:
                for i in range(voters):
                    user = f"UV{i:07d}"
                    payload = {
                        "type": "block_actions",
                        "user": {"id": user, "name": user, "team_id": sandbox.team_id},
                        "api_app_id": "A0BENCH",
                        "token": "t",
                        "team": {"id": sandbox.team_id},
                        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
                        "channel": {"id": channel},
                        "trigger_id": "t",
                        "response_url": sandbox.new_response_url(
                            channel_id=channel, user_id=user, message_ts=ts
                        ),
                        "actions": [
                            {
                                "action_id": f"poll_vote_{i % 5}",
                                "block_id": "b",
                                "type": "button",
                                "value": json.dumps({"poll": "burst", "choices": [i % 5]}),
                                "action_ts": "1",
                            }
                        ],
                    }
                    body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))})
                    headers = sign(SECRET, body.encode())
                    out.write(
                        f"{headers['X-Slack-Request-Timestamp']}\t{headers['X-Slack-Signature']}\t{body}\n"
                    )
            sandbox.reset_calls()
            engine = create_engine(normalise_url(url_db))

            threads, connections = 2, 32
            limit = 30 + voters // 100  # seconds: far more than a healthy server needs
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            self_before = resource.getrusage(resource.RUSAGE_SELF)
            wall = time.perf_counter()
            wrk = subprocess.Popen(
                [
                    "wrk",
                    f"-t{threads}",
                    f"-c{connections}",
                    f"-d{limit}s",
                    "--latency",
                    "-s",
                    str(HERE / "votes.lua"),
                    base,
                    "--",
                    str(bodies),
                    str(threads),
                    str(folder),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            # wrk's threads stop after their votes and repeats, but wrk itself waits out -d:
            # once every thread says it is through, interrupt it (it then reports).
            while len(list(folder.glob("thread-*"))) < threads and wrk.poll() is None:
                time.sleep(0.05)
            wrk.send_signal(signal.SIGINT)
            output, _ = wrk.communicate(timeout=30)
            wall = time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            self_after = resource.getrusage(resource.RUSAGE_SELF)
            wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            sandbox_cpu = (self_after.ru_utime - self_before.ru_utime) + (
                self_after.ru_stime - self_before.ru_stime
            )
            stats = json.loads(output.split("WRK_JSON ", 1)[1].splitlines()[0])
            if os.environ.get("BENCH_DEBUG"):
                print(output, (folder / "serve.log").read_text()[-3000:])
            time.sleep(2.5)  # let the last coalesced refresh go out
            with engine.connect() as conn:
                count, first, last = conn.execute(
                    text(
                        "SELECT count(*), min(updated_at), max(updated_at) FROM response"
                        " WHERE poll_id = 'burst'"
                    )
                ).one()
            engine.dispose()
            refreshes = sorted(c.at for c in sandbox.calls_to("chat.update") if c.status == 200)
            gaps = [(b - a).total_seconds() for a, b in zip(refreshes, refreshes[1:], strict=False)]
            span = _seconds(last) - _seconds(first)
            return {
                "voters": voters,
                "database": "postgresql" if database else "sqlite",
                "workers": workers,
                "ready_s": round(ready, 2),
                "votes_per_s": round((count - 1) / span, 1) if span > 0 else 0.0,
                "burst_s": round(span, 2),
                "requests": stats["requests"],
                "p50_ms": stats["p50_ms"],
                "p95_ms": stats["p95_ms"],
                "p99_ms": stats["p99_ms"],
                "sent": voters,
                "recorded": int(count or 0),
                "errors": stats["errors"],
                "chat_updates": len(refreshes),
                "closest_refreshes_s": round(min(gaps), 2) if gaps else None,
                # every process's own peak, added up: an upper bound on the bot's memory at any moment
                "peak_rss_mb": round(sum(peak_rss_mb(p) for p in process_tree(server.pid)), 1),
                "load_generator_cpu_share": round(wrk_cpu / (wall * (os.cpu_count() or 1)), 3),
                "sandbox_cpu_share": round(sandbox_cpu / (wall * (os.cpu_count() or 1)), 3),
            }
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()


def _seconds(value: object) -> float:
    if isinstance(value, str):
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return value.timestamp()  # type: ignore[attr-defined,no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--voters",
        type=int,
        action="append",
        help="voters per burst (repeatable); default 200, 2000 and 10000",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database",
        help="a PostgreSQL server's URL: each run makes a new database there and drops it after "
        "(default: a fresh SQLite file per run)",
    )
    parser.add_argument("--workers", type=int, default=2, help="convene serve --workers (default 2)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/votes.py needs wrk: apt-get install wrk")
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}"
    )
    print(f"vote bursts through convene serve  [{machine}]")
    report = []
    for voters in args.voters or [200, 2000, 10000]:
        runs = []
        for n in range(1, args.runs + 1):
            r = one_run(voters, args.database, args.workers)
            runs.append(r)
            print(
                f"  {voters} voters run {n}: {r['votes_per_s']} votes/s over {r['burst_s']} s, "
                f"ack p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms "
                f"({r['requests']} requests), recorded {r['recorded']}/{r['sent']}, "
                f"chat.update {r['chat_updates']} (closest {r['closest_refreshes_s']} s apart), "
                f"peak {r['peak_rss_mb']} MB, ready {r['ready_s']} s, "
                f"wrk CPU {r['load_generator_cpu_share']:.0%}, sandbox CPU {r['sandbox_cpu_share']:.0%}",
                flush=True,
            )
        median = {
            k: statistics.median(float(r[k]) for r in runs)
            for k in runs[0]
            if all(isinstance(r[k], int | float) for r in runs)
        }
        print(
            f"median of {len(runs)} ({runs[0]['database']}, {args.workers} workers, {voters} voters): "
            f"{median['votes_per_s']:.0f} votes/s, "
            f"p99 {median['p99_ms']:.1f} ms, recorded {median['recorded']:.0f}/{voters}, "
            f"chat.update {median['chat_updates']:.0f}, peak {median['peak_rss_mb']:.0f} MB, "
            f"ready {median['ready_s']:.2f} s"
        )
        report.append({"voters": voters, "runs": runs, "median": median})
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": report}, indent=2))


if __name__ == "__main__":
    main()
