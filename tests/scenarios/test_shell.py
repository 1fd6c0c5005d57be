"""`convene shell`, driven as a person would: typed lines in, terminal text out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.devkit import Shell, Workspace
from bot.event import Event
from tests.kit.shell import (
    Terminal,
)


@pytest.fixture
def shell(example_event: Event, engine: Engine) -> Iterator[tuple[Shell, Terminal]]:
    with Workspace(example_event, engine=engine, settings={"refresh_interval": 0.5}) as ws:
        terminal = Terminal()
        yield Shell(ws, out=terminal.console, ask=terminal.ask), terminal


@pytest.fixture
def event_shell(example_event: Event, engine: Engine) -> Iterator[tuple[Shell, Terminal]]:
    """The shell as `convene shell` starts it: the clock before the event, moving on demand."""
    from bot.core import TravelClock
    from bot.devkit import shell_start

    clock = TravelClock(shell_start(example_event))
    with Workspace(example_event, engine=engine, clock=clock, settings={"refresh_interval": 0.5}) as ws:
        terminal = Terminal()
        yield Shell(ws, out=terminal.console, ask=terminal.ask), terminal


def test_a_facilitator_launches_and_three_participants_vote(shell: tuple[Shell, Terminal]) -> None:
    sh, term = shell
    sh.intro()
    assert "You are Priya Ibarra (organizer or facilitator) in #lmi-announcements." in term.take()
    sh.handle("/in #lmi-plenary")
    sh.handle("/poll launch capacity-project")
    out = term.take()
    assert "Launched capacity-project" in out
    assert "#lmi-plenary" in out and "[1] Vote" in out and "[5] Vote" in out
    for who, button in (
        ("Charles Orozco", "3"),
        ("abc-usd-board", "3"),
        ("emily.rios@abcusd.example.org", "5"),
    ):
        sh.handle(f"/as {who}")
        sh.handle(button)
    out = term.take()
    assert "Emily Rios pressed “Vote”" in out
    assert "3 responses" in out
    assert "Perhaps; we need to know more first  [3] Vote\n│ █████████████░░░░░░░ 2 · 67%" in out
    assert "Recorded your answer: No; it does not fit our district" in out


def test_forms_are_filled_field_by_field_and_errors_shown(shell: tuple[Shell, Terminal]) -> None:
    sh, term = shell
    sh.handle("/as cdef-events-lead")
    term.answers = [
        "Lunch?",
        "1",
        "Tacos",
        "",
        "",
        "",  # first try: one option only
        "Lunch today?",
        "1",
        "Tacos",
        "Salad",
        "",
        "",
        "",
    ]
    sh.handle("/poll new")
    out = term.take()
    assert "New poll" in out and "options: Give 2 to 10 options, one per line." in out
    assert "Launched lunch-today" in out
    assert "Poll: Lunch today?" in out and "[1] Vote" in out and "[2] Vote" in out
    assert term.answers == []


def test_helpful_answers_to_mistakes(shell: tuple[Shell, Terminal]) -> None:
    sh, term = shell
    sh.handle("/as Priya")
    assert "4 people match 'Priya': Priya Halvorsen" in term.take()
    sh.handle("/as Nobody Atall")
    assert "Nobody on the roster matches 'Nobody Atall'" in term.take()
    sh.handle("/in #nowhere")
    assert "No channel #nowhere" in term.take()
    sh.handle("7")
    assert "No button 7" in term.take()
    sh.handle("hello")
    assert "Only commands here" in term.take()
    sh.handle("/poll launch nope")
    assert "There is no poll nope. See /poll list." in term.take()
    assert sh.handle("/quit") is False


def test_moving_the_clock_through_day_one_shows_every_reminder_in_order(
    event_shell: tuple[Shell, Terminal],
) -> None:
    sh, term = event_shell
    sh.handle("/clock")
    assert "It is Friday, May 1, 2015, 8:00 AM (America/Los_Angeles). Next: 9:00 AM pre-event poll opens" in (
        term.take().replace("\n", " ")
    )
    sh.handle("/clock 2015-05-08 15:00")
    out = term.take()
    assert "direct message Convene · Fri 9:00 AM" in out  # the organizer's own pre-event DM
    assert "direct messages to other people" in out
    sh.handle("/clock 2015-05-08 20:30")
    out = term.take()
    times = [line for line in out.splitlines() if line.startswith("┌ #lmi-plenary")]
    assert times == [
        "┌ #lmi-plenary Convene · Fri 3:45 PM",  # reminder: welcome remarks
        "┌ #lmi-plenary Convene · Fri 4:15 PM",  # reminder: the first panel
        "┌ #lmi-plenary Convene · Fri 4:30 PM",  # the first panel's Q&A opens
        "┌ #lmi-plenary Convene · Fri 5:30 PM",  # reminder: the second panel
        "┌ #lmi-plenary · updated Convene · Fri 4:30 PM",  # the first Q&A closes
        "┌ #lmi-plenary Convene · Fri 5:45 PM",
        "┌ #lmi-plenary · updated Convene · Fri 5:45 PM",
    ]
    # Each message reads as it was when it was sent, not as later updates left it.
    opened = out.split("┌ #lmi-plenary Convene · Fri 4:30 PM")[1].split("└")[0]
    assert "Q&A: Charting the California Way panel" in opened and "closed" not in opened
    assert out.index("Welcome remarks starts at 4:00 PM") < out.index(
        "Charting the California Way panel starts"
    )
    sh.handle("/clock 10:00")
    assert "Clock: Saturday, May 9, 2015, 10:00 AM" in term.take()
    sh.handle("/clock yesterday")
    assert "Not a time: 'yesterday'" in term.take()


def test_headlines_and_the_closing_session_in_the_shell(event_shell: tuple[Shell, Terminal]) -> None:
    _headlines_and_closing(*event_shell)


def _headlines_and_closing(sh: Shell, term: Terminal) -> None:
    for person, text in (
        ("abc-usd-supt", "Partners lift graduation to 95 percent"),
        ("alhambra-usd-board", "Teachers and board co-design the budget"),
        ("beaumont-usd-teachers", "Spam spam"),
    ):
        sh.handle(f"/as {person}")
        term.answers = [text, ""]
        sh.handle("/headline")
    out = term.take()
    assert "Saved headline #3 for Beaumont Unified School District." in out
    sh.handle("/as cdef-events-lead")
    sh.handle("/headline hide 3")
    sh.handle("/closing")
    out = term.take()
    assert "Headline #3 is hidden from the wall and the word cloud." in out
    assert "the headlines word cloud (2 answers)" in out
    png = re.search(r"open it: (\S+wordcloud-headlines\S*\.png)", out.replace("\n", ""))
    assert png and Path(png.group(1)).read_bytes().startswith(b"\x89PNG")
    assert "“Teachers and board co-design the budget”" in out and "Spam" not in out.split("/closing")[-1]
    assert "📎 Word cloud: headlines" in out


def test_summary_now_in_the_shell_shows_the_digest_and_a_chart(event_shell: tuple[Shell, Terminal]) -> None:
    sh, term = event_shell
    sh.handle("/in #lmi-plenary")
    sh.handle("/poll launch capacity-project")
    for person, button in (("abc-usd-supt", "1"), ("abc-usd-board", "3")):
        sh.handle(f"/as {person}")
        sh.handle(button)
    sh.handle("/as cdef-events-lead")
    term.take()
    sh.handle("/summary now")
    out = term.take()
    assert "Daily digest: Friday, May 1: on its way to your direct messages." in out
    assert "• Superintendent: 1 of 47 answered a poll" in out
    assert "┌ direct message Convene\n│ 📎 capacity-project" in out


def test_help_shows_every_bot_command_and_an_unknown_command_is_explained(
    shell: tuple[Shell, Terminal],
) -> None:
    sh, term = shell
    sh.handle("/help")
    out = term.take()
    # Usage in square brackets is printed as typed, not swallowed as terminal markup.
    assert "/people [text]" in out and "close [id]" in out and "default shown in [brackets]" in out
    for command in ("/poll", "/headline", "/wordcloud", "/closing", "/summary", "/agenda"):
        assert f"  {command} " in out
    sh.handle("/press 3")
    out = term.take()
    assert "/press is not a command here" in out and "/help" in out
    assert "Unhandled request" not in out and "404" not in out


def test_a_number_presses_a_button_of_the_message_being_answered(shell: tuple[Shell, Terminal]) -> None:
    from sqlmodel import Session, select

    from storage.models import Response

    sh, term = shell
    sh.handle("/in #lmi-plenary")
    sh.handle("/poll launch capacity-project")
    sh.handle("/poll launch possible-here")  # a rating, below the first poll's five buttons
    out = term.take()
    rating = out[out.index("Poll: How confident are you") :]
    assert "[1] 1 Not at all confident" in rating and "[3] 3 Somewhat confident" in rating
    assert "[6]" not in rating
    sh.handle("/as abc-usd-supt")
    sh.handle("3")
    out = term.take()
    assert "pressed “3 Somewhat confident”" in out
    assert "Somewhat confident" in next(line for line in out.splitlines() if "Recorded your answer" in line)
    sh.handle("9")
    assert "No button 9; the last message with buttons has 1 to 5." in term.take()
    with Session(sh.ws.engine) as session:
        answers = {(r.poll_id, tuple(r.choices or [])) for r in session.exec(select(Response))}
    assert answers == {("possible-here", (2,))}  # the third point of the rating, not another poll's


def test_the_clock_hint_names_a_time_of_the_loaded_event(engine: Engine) -> None:
    from bot.event import load_event

    event = load_event(Path(__file__).resolve().parents[2] / "examples" / "quickstart" / "event.yaml")
    with Workspace(event, engine=engine) as ws:
        term = Terminal()
        sh = Shell(ws, out=term.console, ask=term.ask)
        sh.intro()
        sh.handle("/clock tomorrow")
        out = term.take()
    assert "/clock 2026-04-18 13:00" in out  # the last day, as its first session starts
    assert "Try /clock +15m, /clock 16:30 or /clock 2026-04-18 13:00." in out
    assert "2015" not in out


def test_the_home_tab_shows_the_day_and_its_breakout_selects_choose(
    event_shell: tuple[Shell, Terminal],
) -> None:
    """The Home tab is half the product (the event's mobile site, breakouts, focus questions):
    the shell shows it, a number opens its select or presses its button, and a choice shows
    the Home tab the bot publishes next."""
    sh, term = event_shell
    sh.handle("/clock 2015-05-09 08:00")
    sh.handle("/as abc-usd-board")
    term.take()
    sh.handle("/home")
    out = term.take()
    assert "┌ Home tab Convene · Benjamin Calloway" in out
    assert "Saturday, May 9, 10:00 AM  [1] Choose a breakout ▾" in out
    assert "Your team covers 0 of 6 breakouts (the goal is 4)" in out
    assert "Massachusetts Education Partnership (http://www.massedpartnership.org/)" in out  # a link

    term.answers = ["9", "2"]  # a number past the list is explained, then a good one taken
    sh.handle("1")
    out = term.take()
    assert "Give a number from 1 to 6." in out
    assert "Benjamin Calloway chose “Labor-Management Collaboration: Impact on Student Achievement”" in out
    assert "[1] Labor-Management Collaboration: Impact on Student Achievement ▾" in out
    assert "Your team covers 1 of 6 breakouts" in out
    sh.handle("/as cdef-events-lead")
    sh.handle("/coverage abc")
    assert "Impact on Student Achievement: Benjamin Calloway" in term.take()

    # Away from the Home tab, the bot's updates of it are not shown; back on it, it is.
    sh.handle("/as abc-usd-supt")
    sh.handle("/home")
    term.answers = ["2"]
    sh.handle("1")
    sh.handle("/as abc-usd-board")
    sh.handle("/in #lmi-plenary")
    term.take()
    sh.handle("/as abc-usd-supt")
    sh.handle("/home")
    term.answers = [""]  # Enter alone chooses nothing
    sh.handle("2")
    out = term.take()
    assert "Nothing chosen." in out and out.count("┌ Home tab") == 1

    # A button on the Home tab opens its form, as in Slack.
    button = next(b for b in sh.buttons if b.label == "Submit a headline")
    term.answers = ["/cancel"]
    sh.handle(str(sh.buttons.index(button) + 1))
    assert "Form closed; nothing was sent." in term.take()
