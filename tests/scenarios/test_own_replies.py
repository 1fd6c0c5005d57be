"""A vote's confirmation is posted by the process that took the vote, once the vote has
committed; if that process dies first, the leader takes the reply over and it still arrives,
once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock, utc
from bot.delivery.outbox import Kind
from bot.devkit import Workspace
from bot.devkit.sandbox import Message
from bot.event import Event
from storage.models import Outbox
from tests.kit import EXAMPLE, ROOT, wait_until
from tests.kit.serve import serving

# Claims, takeovers and exactly-once sends: what the database can change.
pytestmark = pytest.mark.database

# A process that takes one vote and is killed the moment the vote has committed, before its
# confirmation goes out.
VOTE_THEN_DIE = """
import os, signal, sys
from pydantic import SecretStr
from bot.app import Services
from bot.core import Settings

api_url, token, event, poll_id, user, response_url = sys.argv[1:]
settings = Settings(  # the database from DATABASE_URL
    slack_api_url=api_url, slack_bot_token=SecretStr(token), slack_signing_secret=SecretStr("unused")
)
services = Services.build(settings, event, migrate=False)
services.directory.resolve(services.client)
services.send_own_replies()
assert services.own_replies is not None

def killed(claimed):
    print("committed", claimed.id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

services.own_replies.send_claimed = killed
reply_to = {"response_url": response_url, "user": user}
services.polls.vote(poll_id=poll_id, user_id=user, choices=[1], reply_to=reply_to)
print("not killed", flush=True)
"""


def reply_rows(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox).where(Outbox.kind == Kind.RESPOND.value)))


def confirmations(ws: Workspace, user: str) -> list[str]:
    return [e.text for e in ws.sandbox.ephemerals if e.user == user and e.source == "response_url"]


def launched_with_own_replies(ws: Workspace) -> Message:
    """The poll launched and posted, in a workspace whose process sends its votes' confirmations."""
    ws.services.send_own_replies()
    facilitator = ws.user("facilitator-lead")
    assert (
        ws.driver.command(facilitator, "/poll launch capacity-project", channel="#lmi-plenary").status == 200
    )
    ws.deliver()
    (message,) = ws.sandbox.messages("#lmi-plenary")
    return message


def test_the_process_that_takes_a_vote_posts_its_confirmation_itself_once(ws: Workspace) -> None:
    message = launched_with_own_replies(ws)
    voters = [ws.user(p.id) for p in ws.event.people.values() if p.team][:30]
    for i, voter in enumerate(voters):
        click = ws.driver.click(
            voter, channel="#lmi-plenary", message_ts=message.ts, action_id=f"poll_vote_{i % 5}"
        )
        assert click.status == 200
    # A double click: each click gets its confirmation, the person's two in order.
    again = ws.driver.click(voters[0], channel="#lmi-plenary", message_ts=message.ts, action_id="poll_vote_0")
    assert again.status == 200

    # No leader sends here (nothing drains the outbox): the confirmations go out all the same,
    # and each reply row is recorded as sent (private: deleted) by the process that queued it.
    wait_until(lambda: all(confirmations(ws, voter) for voter in voters) and not reply_rows(ws.engine))
    wait_until(lambda: len(confirmations(ws, voters[0])) == 2)
    first, second = confirmations(ws, voters[0])
    assert first.startswith("Recorded your answer") and second.startswith("Already recorded")
    assert all(len(confirmations(ws, voter)) == 1 for voter in voters[1:])

    ws.deliver()  # the leader's pass finds no reply to send
    time.sleep(0.3)
    assert len(ws.sandbox.calls_to("response_url")) == len(voters) + 1
    assert all(len(confirmations(ws, voter)) == 1 for voter in voters[1:])


def test_a_vote_whose_process_dies_before_confirming_is_confirmed_once_by_the_leader(
    example_event: Event, engine: Engine, tmp_path: Path
) -> None:
    with serving(example_event, engine, tmp_path) as (ws, _url, log):
        facilitator = ws.user("facilitator-lead")
        reply = ws.driver.command(facilitator, "/poll launch capacity-project", channel="#lmi-plenary")
        assert reply.status == 200
        wait_until(lambda: ws.sandbox.messages("#lmi-plenary"))
        (message,) = ws.sandbox.messages("#lmi-plenary")
        voter = ws.user(next(p.id for p in example_event.people.values() if p.team))
        response_url = ws.sandbox.new_response_url(
            channel_id=message.channel, user_id=voter, message_ts=message.ts
        )
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                VOTE_THEN_DIE,
                ws.sandbox.api_url,
                ws.sandbox.bot_token,
                str(EXAMPLE),
                "capacity-project",
                voter,
                response_url,
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
        assert child.stdout.startswith("committed")
        (row,) = reply_rows(engine)  # committed, claimed by the dead process, not sent
        assert row.status == "sending" and (row.claimed_by or "").startswith("own-")
        assert confirmations(ws, voter) == []

        # The leader takes the stale claim over (after 20 s) and sends the reply.
        wait_until(lambda: confirmations(ws, voter), timeout=60)
        wait_until(lambda: not reply_rows(engine))
        time.sleep(1.5)  # a second copy would arrive now
        (text,) = confirmations(ws, voter)
        assert text.startswith("Recorded your answer")
        assert "took over 1 replies" in log.read_text()


def test_a_confirmation_waits_while_slack_holds_replies_back_then_goes_once(
    ws: Workspace, clock: ManualClock
) -> None:
    message = launched_with_own_replies(ws)
    voter = ws.user(next(p.id for p in ws.event.people.values() if p.team))
    # As after a 429 to a response_url: replies are held for 5 s, for every sender of this process.
    ws.services.dispatcher.pacer.hold("response_url", None, 5, whole_method=True)
    click = ws.driver.click(voter, channel="#lmi-plenary", message_ts=message.ts, action_id="poll_vote_1")
    assert click.status == 200

    # Not posted: back in the queue, due when the hold ends.
    wait_until(lambda: [r.status for r in reply_rows(ws.engine)] == ["pending"])
    (row,) = reply_rows(ws.engine)
    assert row.not_before is not None and utc(row.not_before) >= clock.now() + timedelta(seconds=4)
    ws.deliver()
    assert ws.sandbox.calls_to("response_url") == [] and confirmations(ws, voter) == []

    clock.advance(timedelta(seconds=6))
    ws.deliver()
    ws.deliver()
    (text,) = confirmations(ws, voter)
    assert text.startswith("Recorded your answer")
    assert reply_rows(ws.engine) == []
