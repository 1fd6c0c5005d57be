"""`convene serve` as a real process: uvicorn, signature checks, /healthz, and a poll
launched and answered over HTTP, with the sandbox standing in for Slack."""

from __future__ import annotations

import urllib.request

import pytest
from sqlmodel import Session, select

from bot.devkit import Workspace
from storage.models import Response
from tests.kit import wait_until

pytestmark = pytest.mark.slow


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
