"""Disclosure control: how answers to a poll are split into groups, and which groups of an
anonymous poll are too small to show."""

from __future__ import annotations

from dataclasses import dataclass

MIN_CELL = 5  # the smallest group an anonymous result is shown for
FEWER = "fewer than 5"


@dataclass
class Group:
    """One group's answers; `counts` is None when the group is too small to show."""

    label: str
    respondents: int | None
    counts: list[int] | None

    @property
    def hidden(self) -> bool:
        return self.counts is None

    def percent(self, index: int) -> int | None:
        if self.counts is None or not self.respondents:
            return None
        return round(100 * self.counts[index] / self.respondents)

    def agree(self) -> int | None:
        """For ratings: the share of 4s and 5s."""
        if self.counts is None or not sum(self.counts):
            return None
        return round(100 * sum(self.counts[3:]) / sum(self.counts))


def groups(
    answers: dict[str, list[list[int]]], size: int, *, anonymous: bool, order: list[str]
) -> list[Group]:
    groups = []
    for label in sorted(answers, key=lambda g: order.index(g) if g in order else len(order)):
        counts = [0] * size
        for choices in answers[label]:
            for i in choices:
                if 0 <= i < size:
                    counts[i] += 1
        groups.append(Group(label=label, respondents=len(answers[label]), counts=counts))
    if anonymous:
        suppress(groups)
    return groups


def suppress(groups: list[Group]) -> None:
    """Hide every group under five people, and one more when a single hidden group could
    otherwise be worked out by subtracting the shown ones from the total."""
    small = [g for g in groups if (g.respondents or 0) < MIN_CELL]
    for g in small:
        g.respondents, g.counts = None, None
    if len(small) == 1:
        shown = [g for g in groups if not g.hidden]
        if shown:
            smallest = min(shown, key=lambda g: g.respondents or 0)
            smallest.respondents, smallest.counts = None, None
