"""What every Q&A view shows: a Q&A's questions ranked by upvotes, with who asked."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.models import Qa, Question


@dataclass(frozen=True)
class Ranked:
    """One question as the views show it: its upvotes, and who asked (None: anonymous)."""

    question: Question
    upvotes: int
    asker: str | None


@dataclass
class Board:
    """A Q&A's questions, ranked: open ones by upvotes, then answered ones; how many wait for
    a moderator."""

    qa: Qa
    title: str
    open: list[Ranked] = field(default_factory=list)
    answered: list[Ranked] = field(default_factory=list)
    pending: list[Ranked] = field(default_factory=list)
    dismissed: list[Ranked] = field(default_factory=list)

    @property
    def shown(self) -> int:
        return len(self.open) + len(self.answered)

    @property
    def upvotes(self) -> int:
        return sum(r.upvotes for r in [*self.open, *self.answered])
