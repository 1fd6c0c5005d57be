"""`convene shell`, driven as a person would: typed lines in, terminal text out."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rich.console import Console
from sqlalchemy.engine import Engine

from bot.event import Event
from bot.shell import Shell
from bot.workspace import Workspace


class Terminal:
    """Feeds answers to prompts and keeps what was printed."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.console = Console(file=self.buffer, width=150, color_system=None, highlight=False)
        self.answers: list[str] = []

    def ask(self, prompt: str) -> str:
        self.console.print(prompt, end="")
        answer = self.answers.pop(0)
        self.console.print(answer)
        return answer

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


@pytest.fixture
def shell(example_event: Event, engine: Engine) -> Iterator[tuple[Shell, Terminal]]:
    with Workspace(example_event, engine=engine, settings={"refresh_interval": 0.5}) as ws:
        terminal = Terminal()
        yield Shell(ws, out=terminal.console, ask=terminal.ask), terminal


def test_a_facilitator_launches_and_three_participants_vote(shell: tuple[Shell, Terminal]) -> None:
    sh, term = shell
    sh.intro()
    assert "You are Priya Ibarra (organizer or facilitator) in #lmi-announcements." in term.take()
    sh.handle("/in #lmi-plenary")
    sh.handle("/poll launch collaboration-stage")
    out = term.take()
    assert "Launched collaboration-stage" in out
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
    assert "Collaborating on specific projects  [3] Vote\n│ █████████████░░░░░░░ 2 · 67%" in out
    assert "Recorded your answer: Mature partnership that has outlasted leadership changes" in out


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
