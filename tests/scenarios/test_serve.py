"""`convene serve` as a real process: uvicorn, signature checks, /healthz and /readyz, a poll
launched and answered over HTTP, with the sandbox standing in for Slack, and how it starts
when Slack refuses its token or cannot be reached."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.devkit import SlackSandbox, Workspace, free_port
from bot.devkit.workspace import seed_sandbox
from bot.event import Event
from storage.models import Response
from tests.kit import EXAMPLE, wait_until
from tests.kit.serve import serving

pytestmark = pytest.mark.slow


def test_serve_answers_health_checks_and_refuses_unsigned_requests(served: tuple[Workspace, str]) -> None:
    ws, url = served
    with urllib.request.urlopen(f"{url}/healthz") as r:
        assert r.status == 200 and r.read() == b'{"ok":true}'
    wait_until(lambda: readiness(url) == (200, {"ready": True}))
    unsigned = ws.driver.send_form({"command": "/poll", "text": "list"}, signed=False)
    assert unsigned.status == 401
    garbage = ws.driver.send_form({"payload": "{not json"})
    assert garbage.status == 400


def test_a_poll_runs_over_http(served: tuple[Workspace, str]) -> None:
    ws, _url = served
    reply = ws.driver.command(
        ws.user("facilitator-lead"), "/poll launch capacity-project", channel="#lmi-plenary"
    )
    assert reply.status == 200 and reply.text.startswith("Launched `capacity-project`")
    wait_until(lambda: ws.sandbox.messages("#lmi-plenary"))
    (message,) = ws.sandbox.messages("#lmi-plenary")
    voter = ws.user("abc-usd-supt")
    vote = ws.driver.click(voter, channel="#lmi-plenary", message_ts=message.ts, action_id="poll_vote_1")
    assert vote.status == 200
    with Session(ws.engine) as session:  # the ack came after the commit
        assert [r.choices for r in session.exec(select(Response))] == [[1]]
    wait_until(lambda: any("1 · 100%" in str(m.blocks) for m in ws.sandbox.messages("#lmi-plenary")))
    wait_until(lambda: any(e.user == voter for e in ws.sandbox.ephemerals))


def readiness(url: str) -> tuple[int, dict[str, object]]:
    """/readyz's status and what it says."""
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize("fault", ["invalid_auth", "account_inactive"])
def test_a_token_slack_refuses_is_one_line_and_a_failed_start(
    example_event: Event, engine: Engine, tmp_path: Path, fault: str
) -> None:
    with SlackSandbox() as sandbox:
        seed_sandbox(sandbox, example_event)
        token = sandbox.bot_token
        if fault == "invalid_auth":
            token = "xoxb-not-the-token"
        else:
            sandbox.deactivate_user(sandbox.bot_user_id)
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "SLACK_API_URL": sandbox.api_url,
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
            "CONVENE_FILES_DIR": str(tmp_path / "files"),
        }
        command = [sys.executable, "-m", "bot.cli", "serve", str(EXAMPLE), "--port", str(free_port())]
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"still serving with a token Slack refuses: {exc.stderr!r}") from None
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode != 0
    assert len(lines) == 1, lines
    assert fault in lines[0] and "SLACK_BOT_TOKEN" in lines[0]


@contextlib.contextmanager
def forwarding(port: int, to: int) -> Iterator[None]:
    """Connections to loopback `port` carried to `to`: Slack coming back at the address the server
    was given."""
    listener = socket.create_server(("127.0.0.1", port))
    listener.settimeout(0.2)
    stop = threading.Event()

    def pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", to))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_slack_out_of_reach_at_start_is_asked_again_while_the_server_serves(
    example_event: Event, engine: Engine, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens here yet: every call is refused
    unreachable = {"SLACK_API_URL": f"http://127.0.0.1:{port}/api/"}
    with serving(example_event, engine, tmp_path, env=unreachable) as (ws, url, log_path):
        tries = lambda: log_path.read_text().count("trying again in")  # noqa: E731
        wait_until(lambda: tries() >= 3, timeout=60)
        status, said = readiness(url)
        assert status == 503 and set(said["not"]) >= {"slack"}, said  # type: ignore[arg-type]
        sandbox_port = int(ws.sandbox.api_url.split(":")[2].split("/")[0])
        with forwarding(port, sandbox_port):
            wait_until(lambda: readiness(url) == (200, {"ready": True}), timeout=60)
            reply = ws.driver.command(
                ws.user("facilitator-lead"), "/poll launch capacity-project", channel="#lmi-plenary"
            )
            assert reply.status == 200 and reply.text.startswith("Launched `capacity-project`")
            wait_until(lambda: ws.sandbox.messages("#lmi-plenary"))
        log = log_path.read_text()
    assert "Traceback" not in log and "Failed to send a request" not in log, log
    said_per_try = [line for line in log.splitlines() if "Slack cannot be reached" in line]
    assert len(said_per_try) >= 4 and all("(Connection refused)" in line for line in said_per_try)
    # One line per attempt, each numbered, none folded into a count of alike lines.
    attempts = [int(n) for n in re.findall(r"\(attempt (\d+)\)", log)]
    assert len(attempts) >= 3 and attempts == list(range(1, len(attempts) + 1)), log
    assert "more like this" not in log, log
