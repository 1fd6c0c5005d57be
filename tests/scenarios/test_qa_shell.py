"""Audience Q&A in `convene shell`, as a facilitator and two participants would use it: typed
lines in, terminal text out, the real bot behind them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import TravelClock
from bot.devkit import Shell, Workspace
from bot.event import Event
from storage.models import Question, Upvote
from tests.kit.shell import Terminal

DURING_PANEL = datetime(2015, 5, 9, 0, 50, tzinfo=UTC)  # 5:50 PM Friday: "What IS Possible" is on
ORGANIZER = "cdef-events-lead"
ASKER = "Charles Orozco"
VOTER = "Emily Rios"


@pytest.fixture
def shell(example_event: Event, engine: Engine) -> Iterator[tuple[Shell, Terminal]]:
    with Workspace(
        example_event, engine=engine, clock=TravelClock(DURING_PANEL), settings={"refresh_interval": 0.5}
    ) as ws:
        terminal = Terminal()
        yield Shell(ws, out=terminal.console, ask=terminal.ask), terminal


def run(sh: Shell, term: Terminal, line: str, *answers: str) -> str:
    term.answers = list(answers)
    sh.handle(line)
    assert term.answers == [], f"{line}: prompts left unanswered"
    return term.take()


def last_message(out: str) -> str:
    """The last Q&A message shown in the output, from its frame's top to its bottom."""
    start = out.rindex("┌ #lmi-plenary")
    return out[start : out.index("└", start)]


def number_of(out: str, text: str) -> str:
    """The number the shell gave the Upvote button beside a question (ties rank in random order)."""
    line = next(line for line in reversed(out.splitlines()) if text in line and "▲ Upvote" in line)
    return line.split("[")[1].split("]")[0]


def question(sh: Shell, text: str) -> Question:
    with Session(sh.ws.engine) as session:
        return session.exec(select(Question).where(Question.text == text)).one()


def test_open_ask_upvote_take_back_moderate_display_and_close(shell: tuple[Shell, Terminal]) -> None:
    sh, term = shell
    run(sh, term, f"/as {ORGANIZER}")
    run(sh, term, "/in #lmi-plenary")
    out = run(sh, term, "/qa open")
    assert "Opened Q&A for What IS Possible panel in this channel" in out
    message = last_message(out)
    assert "Q&A: What IS Possible panel" in message and "No questions yet: be the first to ask." in message
    # Nothing to take back yet: the message offers only Ask.
    assert "[1] Ask a question" in message and "Take back" not in message

    run(sh, term, f"/as {ASKER}")
    out = run(sh, term, "1", "How do you keep the partnership going?", "", "")
    assert "Charles Orozco pressed “Ask a question”" in out
    assert "Your question (several lines; an empty line ends)" in out
    assert "1. Ask anonymously: your name is not shown or stored" in out
    asked = question(sh, "How do you keep the partnership going?")
    assert f"Your question is up under What IS Possible panel (#{asked.id})" in out
    message = last_message(out)
    assert "▲ 0 · How do you keep the partnership going?  [1] ▲ Upvote" in message
    assert f"#{asked.id} · Charles Orozco" in message and "Take back" not in message
    out = run(sh, term, "1")
    assert "That is your own question, so your upvote does not count for it" in out
    # A second question, anonymous: named nowhere.
    out = run(sh, term, "2", "And what did it cost?", "", "1")
    assert "Your anonymous question is up" in out and "Your name is not stored with it." in out
    assert "anonymous" in last_message(out)

    run(sh, term, f"/as {VOTER}")
    out = run(sh, term, "/show")
    out = run(sh, term, number_of(out, "How do you keep"))
    assert "Upvoted: How do you keep the partnership going?" in out
    message = last_message(out)
    assert "▲ 1 · How do you keep the partnership going?  [1] ▲ Upvote" in message
    assert "[4] Take back an upvote" in message
    out = run(sh, term, "1")
    assert "Already upvoted (it counts once): How do you keep the partnership going?" in out
    out = run(sh, term, "4", "1")
    assert "Take back your upvote for (numbers, comma-separated)" in out
    assert "Took back your upvote for:\n│ • How do you keep the partnership going?" in out
    assert "Take back" not in last_message(out)  # no upvote left on the list
    run(sh, term, number_of(out, "How do you keep"))
    with Session(sh.ws.engine) as session:
        assert len(session.exec(select(Upvote)).all()) == 1

    run(sh, term, f"/as {ORGANIZER}")
    out = run(sh, term, "/qa queue")
    assert "Q&A: What IS Possible panel (open) · 0 waiting · 2 shown" in out
    assert "cannot be pressed here: use the command it names" in out
    cost = question(sh, "And what did it cost?")
    out = run(sh, term, f"/qa dismiss {cost.id}")
    assert f"Dismissed by Priya Ibarra: And what did it cost? (#{cost.id})" in out
    assert "(1 direct message to other people; /as someone, then /dms, to see theirs)" in out
    out = run(sh, term, f"/qa answered {asked.id}")
    message = last_message(out)
    assert "Answered\n│ ✓ How do you keep the partnership going? · ▲ 1" in message
    assert "what did it cost" not in message
    out = run(sh, term, "/qa display")
    assert "For the room's screen (read-only; it follows the questions live, with no names):" in out
    out = run(sh, term, "/qa close")
    assert "Closed Q&A for What IS Possible panel. Its message now shows the final list." in out
    message = last_message(out)
    assert "Q&A closed: What IS Possible panel" in message and "this Q&A is closed" in message
    assert "[1]" not in message
    assert "No button 1; no message above has buttons." in run(sh, term, "1")

    # The anonymous asker hears privately, by a DM the shell points out when they act again.
    out = run(sh, term, f"/as {ASKER}")
    assert "(1 direct message came for you while you were someone else: /dms shows them)" in out
    out = run(sh, term, "/dms")
    assert "┌ direct message" in out
    assert "Your question for What IS Possible panel was not shown by the moderators" in out
    assert "/dms" not in run(sh, term, f"/as {ASKER}")  # pointed out once


def test_mistyped_and_refused_qa_commands_teach(shell: tuple[Shell, Terminal]) -> None:
    sh, term = shell
    run(sh, term, "/in #lmi-plenary")
    out = run(sh, term, "/qa opne")
    assert "I don't know /qa opne." in out and "/qa open [session]" in out and "/qa close" in out
    assert "/qa open [session]" in run(sh, term, "/qa")
    out = run(sh, term, "/help")
    hint = "open [session] | close | display | queue | approve <#> | dismiss <#> | answered <#> | help"
    assert f"/qa {hint}" in out
    run(sh, term, "/in #lmi-announcements")
    out = run(sh, term, "/qa open")
    assert "No session meets in this channel. Name one: /qa open <session>." in out
    run(sh, term, f"/as {VOTER}")
    run(sh, term, "/in #lmi-plenary")
    assert "Only facilitators and organizers can open Q&A." in run(sh, term, "/qa open")
