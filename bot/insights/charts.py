"""Charts as PNG images, for summaries and the report (matplotlib, no display needed)."""

from __future__ import annotations

import io
import textwrap
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from bot.insights.results import Participation, PollResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@cache
def _pyplot() -> Any:
    """matplotlib's pyplot, drawing to memory (there is no screen on a server), imported on first
    use so that processes which never draw a chart never load it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


BLUE, ORANGE, GREY = "#1f77b4", "#ff7f0e", "#9aa5b1"


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # Fixed metadata keeps the bytes identical for identical input.
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buffer.getvalue()


def _wrap(label: str, width: int = 32) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def share_axis(result: PollResult) -> str:
    """What a choice or rating chart's bars measure, as its axis says it: "% of respondents
    (n = 12)", or for a team poll "% of district teams (n = 12)"."""
    return f"% of {result.counted} (n = {result.tally.respondents})"


def results_chart(result: PollResult) -> bytes | None:
    """Horizontal bars of a choice or rating poll's answers; by side too when both sides show."""
    if not result.labels or not result.tally.respondents or result.tally.withheld:
        return None
    if result.tally.ranking is not None:
        return ranking_chart(result)
    sides = [g for g in result.by_side if not g.hidden and g.label in ("Management", "Labor")]
    options = range(len(result.labels))
    if len(sides) == 2:
        bars = tuple(
            (f"{g.label} (n = {g.respondents})", tuple(g.percent(i) or 0 for i in options)) for g in sides
        )
        axis = "% of each side's respondents"
    else:
        bars = (("", tuple(result.tally.percent(i) for i in options)),)
        axis = share_axis(result)
    return _results_png(result.poll.question, tuple(result.labels), bars, axis)


# Summaries and the report show a poll's chart again each time they are made, mostly with the
# same results: each chart is drawn once for what it shows (its title, labels and values), and
# its PNG (the same bytes for the same input) kept for the next time.
DRAWN = 256


@lru_cache(maxsize=DRAWN)
def _results_png(
    question: str, options: tuple[str, ...], bars: tuple[tuple[str, tuple[Any, ...]], ...], axis: str
) -> bytes:
    """`bars`: (legend label, each option's percent) of one series, or two side by side."""
    labels = [_wrap(label) for label in options][::-1]
    fig, ax = _pyplot().subplots(figsize=(8, 0.55 * len(labels) + 1.4))
    if len(bars) == 2:
        height = 0.38
        for offset, (legend, percents), colour in zip(
            (height / 2, -height / 2), bars, (BLUE, ORANGE), strict=True
        ):
            ax.barh(
                [y + offset for y in range(len(labels))],
                list(percents)[::-1],
                height=height,
                color=colour,
                label=legend,
            )
        ax.legend(loc="lower right", frameon=False)
    else:
        ax.barh(range(len(labels)), list(bars[0][1])[::-1], color=BLUE)
    ax.set_xlabel(axis)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlim(0, 100)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(_wrap(question, 70), loc="left", fontsize=11)
    return _png(fig)


def ranking_chart(result: PollResult) -> bytes | None:
    """Horizontal bars of a ranking poll's points, best first (at the top)."""
    ranking = result.tally.ranking
    if ranking is None or not ranking.respondents:
        return None
    shown = tuple((s.label, ranking.share(s), s.mean_rank) for s in ranking.standings[::-1])
    return _ranking_png(result.poll.question, shown, ranking.respondents)


@lru_cache(maxsize=DRAWN)
def _ranking_png(question: str, shown: tuple[tuple[str, Any, float], ...], respondents: int) -> bytes:
    """`shown`: (option, share of the most points, mean rank), bottom bar first."""
    fig, ax = _pyplot().subplots(figsize=(8, 0.55 * len(shown) + 1.4))
    bars = ax.barh(range(len(shown)), [share for _, share, _ in shown], color=BLUE)
    for bar, (_, _, mean_rank) in zip(bars, shown, strict=True):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"mean rank {mean_rank:.1f}",
            va="center",
        )
    ax.set_yticks(range(len(shown)), [_wrap(label) for label, _, _ in shown])
    ax.set_xlim(0, 125)
    ax.set_xlabel(f"% of the most points an option could have (n = {respondents})")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(_wrap(question, 70), loc="left", fontsize=11)
    return _png(fig)


def participation_chart(participation: Participation) -> bytes | None:
    """The share of each role that answered at least one named poll."""
    rows = tuple((label, done, total) for label, done, total in participation.by_role if total)
    return _participation_png(rows) if rows else None


@lru_cache(maxsize=DRAWN)
def _participation_png(rows: tuple[tuple[str, int, int], ...]) -> bytes:
    labels = [_wrap(label, 28) for label, _, _ in rows][::-1]
    values = [100 * done / total for _, done, total in rows][::-1]
    fig, ax = _pyplot().subplots(figsize=(8, 0.55 * len(rows) + 1.4))
    bars = ax.barh(range(len(rows)), values, color=BLUE)
    for bar, (_, done, total) in zip(bars, rows[::-1], strict=True):
        ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, f"{done} of {total}", va="center")
    ax.set_yticks(range(len(rows)), labels)
    ax.set_xlim(0, 110)
    ax.set_xlabel("% who answered at least one poll")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Participation by role", loc="left", fontsize=11)
    return _png(fig)
