"""Hosts that start at the same moment on one PostgreSQL database.

Each `convene serve` matches the roster to Slack on start and saves what it found. Two
hosts that both look before either saves must both start: the second save is the
same fact, not a conflict that ends the process.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import SlackSandbox
from bot.devkit.workspace import seed_sandbox
from bot.event import Event
from bot.people import Directory
from storage.models import Identity

# The PostgreSQL pass of CI runs these: hosts racing to save the same rows.
pytestmark = pytest.mark.database


def test_two_hosts_saving_the_same_identities_both_start(
    example_event: Event, engine: Engine, clock: ManualClock
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes its write lock at BEGIN, so its saves cannot interleave; PostgreSQL's can")
    with SlackSandbox() as sandbox:
        seed_sandbox(sandbox, example_event)
        client = WebClient(token=sandbox.bot_token, base_url=sandbox.api_url)
        first = Directory(event=example_event, engine=engine, clock=clock, client=client)
        # The second host's own engine: just before it saves, the first host looks and saves.
        second_engine = create_engine(engine.url)
        second = Directory(event=example_event, engine=second_engine, clock=clock, client=client)
        first.reload()
        second.reload()
        interleaved = threading.Event()

        @event.listens_for(second_engine, "before_cursor_execute")
        def first_saves_meanwhile(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO IDENTITY") and not interleaved.is_set():
                interleaved.set()
                runner = threading.Thread(target=first.resolve, args=(client,))
                runner.start()
                runner.join(timeout=30)

        try:
            unmatched = second.resolve(client)
        finally:
            second_engine.dispose()
        assert interleaved.is_set()
        assert len(unmatched) == len(first.resolve(client))
    with Session(engine) as session:
        saved = session.exec(select(Identity)).all()
    assert saved and len({i.person_id for i in saved}) == len(saved)
