"""Ranking polls: the rule for a ranking (every option once, every position filled), its
results (mean rank and Borda points per option, best first), and its form and lines.

A ranking is stored as a response's `choices`, in order: `[2, 0, 1]` puts option 2 first.
For splits by side, role and team, a ranking counts as the (option, position) cells it fills
(`cells`), so the same disclosure control that guards every other poll's groups guards
these; `standings` reads a group's cells back as mean ranks and points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import FieldErrors, UserError, formatting
from bot.slack import mrkdwn, truncate
from bot.slack.blocks import context, input_block, modal, option, section

RANK_BLOCK = "rank_{}"  # the form's block for each position, from 0


def rank_block(position: int) -> str:
    return RANK_BLOCK.format(position)


def place(position: int, size: int) -> str:
    """What the form calls a position (from 0): "1 (first)", "2", ..., "5 (last)"."""
    if position == 0:
        return "1 (first)"
    return f"{position + 1} (last)" if position == size - 1 else str(position + 1)


def check_ranking(picked: Sequence[int | None] | None, labels: Sequence[str]) -> list[int]:
    """A ranking as submitted (the option chosen at each position, None where none was), if it
    puts every option at exactly one position; else FieldErrors naming each position to fix."""
    size = len(labels)
    if picked is None or len(picked) != size:
        raise UserError(f"Put all {size} options in order, one per position, in the ranking form.")
    errors: dict[str, str] = {}
    first_at: dict[int, int] = {}
    for position, choice in enumerate(picked):
        if choice is None:
            errors[rank_block(position)] = f"Choose the option for position {position + 1}."
        elif not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < size:
            errors[rank_block(position)] = "That option is not part of this poll."
        elif choice in first_at:
            errors[rank_block(position)] = (
                f"“{truncate(labels[choice], 60)}” is already at position {first_at[choice] + 1}; "
                "use each option once."
            )
        else:
            first_at[choice] = position
    if errors:
        raise FieldErrors(errors)
    return [c for c in picked if c is not None]


def ranking_text(labels: Sequence[str], ranking: Sequence[int] | None) -> str:
    """A ranking in words, as typed: "1. Webinars; 2. Study tours; ..." (for the export)."""
    return "; ".join(f"{n}. {labels[i]}" for n, i in enumerate(ranking or [], 1) if 0 <= i < len(labels))


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class Standing:
    """One option's place in the results."""

    index: int  # the option's index in the poll
    label: str
    mean_rank: float  # 1 is first
    points: int  # Borda: n - 1 for each first place, ..., 0 for each last

    def share(self, respondents: int, size: int) -> int:
        """Its points out of the most it could have (everyone ranking it first), in percent."""
        most = respondents * (size - 1)
        return round(100 * self.points / most) if most else 0


@dataclass(frozen=True)
class Ranking:
    """A ranking poll's results: how many ranked, and each option's standing, best first."""

    respondents: int
    size: int
    standings: list[Standing]

    def share(self, standing: Standing) -> int:
        return standing.share(self.respondents, self.size)


def cell_count(size: int) -> int:
    """How many (option, position) cells a ranking of `size` options has."""
    return size * size


def cells(ranking: Sequence[int] | None, size: int) -> list[int]:
    """The cells a ranking fills: option * size + position."""
    return [i * size + position for position, i in enumerate(ranking or []) if 0 <= i < size]


def standings(labels: Sequence[str], counts: Sequence[int], respondents: int) -> Ranking:
    """Results from cell counts (how many put option i at position p, at i * size + p)."""
    size = len(labels)
    out = []
    for i, label in enumerate(labels):
        row = counts[i * size : (i + 1) * size]
        ranked = sum(row)
        rank_sum = sum((p + 1) * n for p, n in enumerate(row))
        points = sum((size - 1 - p) * n for p, n in enumerate(row))
        out.append(Standing(i, label, rank_sum / ranked if ranked else 0.0, points))
    out.sort(key=lambda s: (-s.points, s.index))
    return Ranking(respondents=respondents, size=size, standings=out)


def rank(labels: Sequence[str], rankings: Iterable[Sequence[int] | None]) -> Ranking:
    """Results of these rankings."""
    size = len(labels)
    counts = [0] * cell_count(size)
    respondents = 0
    for ranking in rankings:
        respondents += 1
        for cell in cells(ranking, size):
            counts[cell] += 1
    return standings(labels, counts, respondents)


def standing_figures(standing: Standing) -> str:
    """A standing's figures: "mean rank 1.8 · 24 points"."""
    return f"mean rank {standing.mean_rank:.1f} · {formatting.count(standing.points, 'point', 'points')}"


def order_in_brief(result: Ranking, top: int = 3) -> str:
    """The first few options in order, as mrkdwn: "1. A · 2. B · 3. C"."""
    return " · ".join(f"{n}. {mrkdwn(s.label)}" for n, s in enumerate(result.standings[:top], 1))


# ------------------------------------------------------------------ the form


def rank_modal(
    question: str,
    labels: Sequence[str],
    *,
    metadata: dict[str, Any],
    current: Sequence[int] | None,
    anonymous: bool,
) -> dict[str, Any]:
    """The ranking form: one select per position, pre-set to the person's current ranking."""
    size = len(labels)
    options = [option(str(i), label) for i, label in enumerate(labels)]
    previous = list(current or [])
    blocks: list[dict[str, Any]] = [
        section(f"*{mrkdwn(truncate(question, 2998))}*"),
        context(
            f"Put the {size} options in order, best first: each option once. "
            f"First place earns {formatting.count(size - 1, 'point', 'points')}, last place none."
        ),
    ]
    for position in range(size):
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": "option",
            "placeholder": {"type": "plain_text", "text": "Choose an option"},
            "options": options,
        }
        if len(previous) == size and 0 <= previous[position] < size:
            element["initial_option"] = options[previous[position]]
        blocks.append(input_block(rank_block(position), f"Position {place(position, size)}", element))
    if anonymous:
        blocks.append(context("Anonymous: your name is not stored with your ranking."))
    return modal("poll_rank", "Rank the options", "Save", metadata, blocks)
