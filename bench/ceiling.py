"""The bare ceiling for bench/votes.py: what this machine allows a vote endpoint, and no more.

A Starlette app that checks each request's Slack signature (slack_sdk's
SignatureVerifier) and does one SQLite upsert per vote (WAL, one table voter ->
choice, committed before the answer, with the bot's own SQLite settings), and
nothing else: no Bolt, no outbox, no confirmation, no refresh. bench/votes.py
runs it under uvicorn with as many workers as `convene serve` gets, against the
same requests, and divides Convene's votes per second by its own.

    CEILING_DATABASE=/tmp/ceiling.db SLACK_SIGNING_SECRET=... \\
        .venv/bin/python -m uvicorn --factory ceiling:create_app --app-dir bench --workers 2 --port 3001

`run_wrk` drives it with wrk (Debian's `wrk` package) and bench/ceiling.lua: a
client in C that replays the same pre-signed clicks far faster than the one
Python process of bench/load.py, so the figure is the server's, not the
client's. bench/votes.py prints both.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

DATABASE_ENV = "CEILING_DATABASE"
WRK_SCRIPT = Path(__file__).resolve().parent / "ceiling.lua"
UPSERT = (
    "INSERT INTO vote (voter, choice, at) VALUES (?, ?, ?)"
    " ON CONFLICT (voter) DO UPDATE SET choice = excluded.choice, at = excluded.at"
)


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in autocommit mode (each upsert its own transaction), set up as the bot sets SQLite."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    return db


def prepare(path: Path) -> None:
    """Create the database and its one table before the workers start."""
    with connect(path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS vote (voter TEXT PRIMARY KEY, choice INTEGER NOT NULL, at REAL)"
        )


def create_app() -> Starlette:
    """The app, for `uvicorn --factory ceiling:create_app` (database and secret from the environment)."""
    verifier = SignatureVerifier(os.environ.get("SLACK_SIGNING_SECRET", ""))
    db = connect(os.environ.get(DATABASE_ENV, "ceiling.db"))

    async def events(request: Request) -> Response:
        body = await request.body()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return PlainTextResponse("invalid signature", status_code=401)
        payload = json.loads(parse_qs(body.decode())["payload"][0])
        choice = json.loads(payload["actions"][0]["value"])["choices"][0]
        db.execute(UPSERT, (payload["user"]["id"], choice, time.time()))
        return Response(status_code=200)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)])


def run_wrk(base: str, target: str, requests: Path, connections: int, seconds: float) -> dict[str, Any]:
    """wrk against `base`: the requests of a bench/load.py requests file, over and over on
    `connections` kept-alive connections for `seconds`; answers per second and wrk's counts."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("the ceiling is measured with wrk: apt-get install wrk")
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", str(WRK_SCRIPT), base]
    out = subprocess.run([*argv, "--", str(requests), target], check=True, capture_output=True, text=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    found["votes_per_s"] = round((found["requests"] - found["not_2xx"]) / found["duration_s"], 1)
    return found
