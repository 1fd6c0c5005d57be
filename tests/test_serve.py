"""`convene serve` as a real process: uvicorn, signature checks, /healthz, and a poll
launched and answered over HTTP, with the sandbox standing in for Slack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.event import Event
from bot.simulate import http_transport
from bot.workspace import Workspace
from storage.models import Response
from tests.conftest import EXAMPLE

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def served(example_event: Event, engine: Engine) -> Iterator[tuple[Workspace, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with Workspace(example_event, engine=engine, transport=http_transport(f"{url}/slack/events")) as ws:
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "SLACK_API_URL": ws.sandbox.api_url,
            "SLACK_BOT_TOKEN": ws.sandbox.bot_token,
            "SLACK_SIGNING_SECRET": ws.signing_secret,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", str(EXAMPLE), "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:

            def healthy() -> bool:
                if proc.poll() is not None:
                    raise AssertionError(proc.stdout.read().decode())  # type: ignore[union-attr]
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:
                        return r.status == 200
                except OSError:
                    return False

            wait_until(healthy)
            yield ws, url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_serve_answers_health_checks_and_refuses_unsigned_requests(served: tuple[Workspace, str]) -> None:
    ws, url = served
    with urllib.request.urlopen(f"{url}/healthz") as r:
        assert r.status == 200 and r.read() == b'{"ok":true}'
    unsigned = ws.driver.send_form({"command": "/poll", "text": "list"}, signed=False)
    assert unsigned.status == 401
    garbage = ws.driver.send_form({"payload": "{not json"})
    assert garbage.status == 400


def test_a_poll_runs_over_http(served: tuple[Workspace, str]) -> None:
    ws, _url = served
    reply = ws.driver.command(
        ws.user("facilitator-lead"), "/poll launch collaboration-stage", channel="#lmi-plenary"
    )
    assert reply.status == 200 and reply.text.startswith("Launched `collaboration-stage`")
    wait_until(lambda: ws.sandbox.messages("#lmi-plenary"))
    (message,) = ws.sandbox.messages("#lmi-plenary")
    voter = ws.user("abc-usd-supt")
    vote = ws.driver.click(voter, channel="#lmi-plenary", message_ts=message.ts, action_id="poll_vote_1")
    assert vote.status == 200
    with Session(ws.engine) as session:  # the ack came after the commit
        assert [r.choices for r in session.exec(select(Response))] == [[1]]
    wait_until(lambda: any("1 · 100%" in str(m.blocks) for m in ws.sandbox.messages("#lmi-plenary")))
    wait_until(lambda: any(e.user == voter for e in ws.sandbox.ephemerals))
