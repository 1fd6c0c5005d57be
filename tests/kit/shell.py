"""A terminal that feeds `convene shell` lines and keeps what it printed."""

from __future__ import annotations

import io

from rich.console import Console


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

