"""`convene run` (Socket Mode) as its command line starts it: the room's-screen links it hands
out are served by it. Slack's socket is played by a stand-in that hands Bolt each request as
Socket Mode does (unsigned, already parsed); the sandbox is the Web API."""

from __future__ import annotations

import json
import re
import socket
import traceback
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import slack_bolt.adapter.socket_mode
from slack_bolt import App, BoltRequest
from typer.testing import CliRunner

from bot.cli import app
from bot.core import SystemClock
from bot.devkit import SlackSandbox, free_port, seed_sandbox
from bot.devkit.simulate import SlackDriver, Transport
from bot.devkit.workspace import sandbox_user_id
from bot.event import Event
from tests.kit import EXAMPLE


def socket_mode(bolt: App) -> Transport:
    """Deliver a request the way Socket Mode's handler does: the payload itself, no signature."""

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        form = dict(parse_qsl(body.decode()))
        payload = json.loads(form["payload"]) if "payload" in form else form
        response = bolt.dispatch(BoltRequest(body=payload, mode="socket_mode"))
        return response.status, response.body

    return send


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def slack(example_event: Event, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SlackSandbox:
    sandbox = SlackSandbox(clock=SystemClock()).start()
    seed_sandbox(sandbox, example_event)
    monkeypatch.chdir(tmp_path)  # no stray .env file
    for name in ("CONVENE_PUBLIC_URL", "CONVENE_DISPLAY_PORT"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'convene.db'}",
        "SLACK_API_URL": sandbox.api_url,
        "SLACK_BOT_TOKEN": sandbox.bot_token,
        "SLACK_APP_TOKEN": "xapp-1-sandbox",
        "SLACK_SIGNING_SECRET": "sandbox-secret",
        "CONVENE_FILES_DIR": str(tmp_path / "files"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield sandbox
    sandbox.stop()


def test_a_display_link_handed_out_under_run_answers(
    slack: SlackSandbox, example_event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    seen: dict[str, Any] = {}
    facilitator = example_event.person("facilitator-lead")
    assert facilitator is not None

    class SlackSocket:
        """Stands in for Socket Mode's connection: while `run` is up, a facilitator asks for a link."""

        def __init__(self, bolt: App, app_token: str) -> None:
            self.bolt = bolt

        def start(self) -> None:
            driver = SlackDriver(sandbox=slack, signing_secret="unused", transport=socket_mode(self.bolt))
            user = facilitator.slack_id or sandbox_user_id(facilitator.id)
            reply = driver.command(user, "/poll display capacity-project", channel="#lmi-plenary")
            seen["reply"] = reply.text
            link = re.search(r"https?://\S+/display/[\w-]+", reply.text)
            if link:
                seen["link"] = link.group(0)
                seen["page"] = get(seen["link"])
                seen["data"] = get(seen["link"] + "/data.json")
                seen["wrong"] = get(seen["link"] + "x/data.json")

    monkeypatch.setattr(slack_bolt.adapter.socket_mode, "SocketModeHandler", SlackSocket)
    result = CliRunner().invoke(app, ["run", str(EXAMPLE), "--port", str(port)])
    assert result.exit_code == 0, (
        "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else result.output
    )
    assert f"Room's-screen pages: http://127.0.0.1:{port}/display/" in result.output
    assert seen.get("link", "").startswith(f"http://127.0.0.1:{port}/display/"), seen.get("reply")
    status, page = seen["page"]
    assert status == 200 and b"<title>Convene display</title>" in page
    status, data = seen["data"]
    assert (
        status == 200 and "Would your district join a California District Capacity Project" in data.decode()
    )
    assert seen["wrong"][0] == 404
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass  # stopped with the bot: the port is free again


def test_run_on_a_port_in_use_says_so(slack: SlackSandbox) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["run", str(EXAMPLE), "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is in use: choose another with --port" in result.output
    assert "Traceback" not in result.output
