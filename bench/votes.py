"""Benchmark: N people vote on one poll at once, through `convene serve`'s HTTP endpoint.

    .venv/bin/python bench/votes.py                       # 200, 2,000 and 10,000 voters on SQLite
    .venv/bin/python bench/votes.py --voters 2000 --database postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/votes.py --runs 3 --json votes.json

The load comes from wrk (Debian's `wrk`) replaying pre-signed Slack requests, one
per voter, so the client costs little of the CPU the server needs; its CPU share is
printed. Prints, per run: start-up to ready, votes per second sustained, ack latency
p50/p95/p99, votes recorded versus sent, chat.update calls the burst caused, and the
server's peak memory. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bot.sandbox import SlackSandbox  # noqa: E402
from bot.simulate import sign  # noqa: E402
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, fields: dict[str, str]) -> str:
    body = urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=10) as r:
        return r.read().decode()


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def one_run(voters: int, database: str | None) -> dict[str, float | int | str]:
    with tempfile.TemporaryDirectory(prefix="convene-votes-") as tmp, SlackSandbox() as sandbox:
        folder = Path(tmp)
        event_file = write_event(folder, voters)
        sandbox.add_channel(name="plenary")
        sandbox.add_user(id="UHOST", name="host", email="host@votes.example.org")
        for i in range(voters):
            sandbox.add_user(id=f"UV{i:07d}", name=f"v{i:05d}")
        url_db = database or f"sqlite:///{folder / 'votes.db'}"
        if database and database.startswith("postgres"):
            admin = create_engine(normalise_url(database), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            admin.dispose()
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
            [sys.executable, "-m", "bot.cli", "serve", str(event_file), "--port", str(port)],
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
            threads, connections = 2, 32
            seconds = min(60, max(3, voters // 400))
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter()
            result = subprocess.run(
                [
                    "wrk",
                    f"-t{threads}",
                    f"-c{connections}",
                    f"-d{seconds}s",
                    "--latency",
                    "-s",
                    str(HERE / "votes.lua"),
                    base,
                    "--",
                    str(bodies),
                    str(threads),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            wall = time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            stats = json.loads(result.stdout.split("WRK_JSON ", 1)[1].splitlines()[0])
            if os.environ.get("BENCH_DEBUG"):
                print(result.stdout, (folder / "serve.log").read_text()[-3000:])
            time.sleep(2.5)  # let the last coalesced refresh go out
            engine = create_engine(normalise_url(url_db))
            with engine.connect() as conn:
                recorded = conn.execute(
                    text("SELECT count(*) FROM response WHERE poll_id = 'burst'")
                ).scalar()
                if os.environ.get("BENCH_DEBUG"):
                    have = {
                        r[0]
                        for r in conn.execute(text("SELECT user_id FROM response WHERE poll_id = 'burst'"))
                    }
                    print("missing:", [f"UV{i:07d}" for i in range(voters) if f"UV{i:07d}" not in have][:5])
            engine.dispose()
            updates = sum(1 for c in sandbox.calls_to("chat.update") if c.status == 200)
            return {
                "voters": voters,
                "database": "postgresql" if database else "sqlite",
                "ready_s": round(ready, 2),
                "votes_per_s": round(voters / stats["duration_s"], 1),
                "p50_ms": stats["p50_ms"],
                "p95_ms": stats["p95_ms"],
                "p99_ms": stats["p99_ms"],
                "sent": voters,
                "recorded": int(recorded or 0),
                "errors": stats["errors"],
                "chat_updates": updates,
                "burst_s": round(stats["duration_s"], 2),
                "peak_rss_mb": round(peak_rss_mb(server.pid), 1),
                "load_generator_cpu_share": round(wrk_cpu / (wall * (os.cpu_count() or 1)), 3),
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
    parser.add_argument("--database", help="a PostgreSQL URL (default: a fresh SQLite file per run)")
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
            r = one_run(voters, args.database)
            runs.append(r)
            print(
                f"  {voters} voters run {n}: {r['votes_per_s']} votes/s, ack p50 {r['p50_ms']} ms, "
                f"p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, recorded {r['recorded']}/{r['sent']}, "
                f"chat.update {r['chat_updates']} in {r['burst_s']} s, peak {r['peak_rss_mb']} MB, "
                f"ready {r['ready_s']} s, wrk CPU {r['load_generator_cpu_share']:.0%}",
                flush=True,
            )
        median = {
            k: statistics.median(float(r[k]) for r in runs)
            for k in runs[0]
            if isinstance(runs[0][k], int | float)
        }
        print(
            f"median of {len(runs)} ({runs[0]['database']}, {voters} voters): "
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
