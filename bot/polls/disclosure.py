"""Disclosure control: how answers to a poll are split into groups, and which groups of an
anonymous poll may be shown.

Every figure about an anonymous poll passes through `split`, which sees every
partition published for that poll at once (the total, the sides, the roles
within each side) and hides cells until no group of 1 to 4 people can be read
or worked out from what is shown: not by itself, and not by subtracting shown
groups from a shown total or side (complementary suppression). A shown group
shows its size, its counts and its shares; a hidden one shows none of them, so
percentages never give a hidden count back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.core import formatting
from storage.models import Poll

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
        return formatting.shares(self.counts, self.respondents)[index]

    def agree(self) -> int | None:
        """For ratings: the share of 4s and 5s (the sum of their shown shares)."""
        if self.counts is None or not sum(self.counts):
            return None
        return sum(formatting.shares(self.counts, sum(self.counts))[3:])


@dataclass
class Split:
    """A poll's answers by group: `groups` under the total, and for a two-level split their
    `parents` (sides, each the sum of its roles)."""

    groups: list[Group]
    parents: list[Group] = field(default_factory=list)


def split(
    answers: dict[str, list[list[int]]],
    size: int,
    *,
    anonymous: bool,
    order: list[str],
    parent_of: Callable[[str], str] | None = None,
    parent_order: list[str] | None = None,
) -> Split:
    """Count each group's answers (`answers`: label -> each respondent's chosen indexes) and,
    for an anonymous poll, hide what must not be shown.

    With `parent_of`, groups nest in parents (a role in its side) and both levels are
    published, so both are protected together.
    """
    groups = _count(answers, size, order)
    parents: list[Group] = []
    children: dict[str, list[Group]] = {}
    if parent_of is not None:
        by_parent: dict[str, list[list[int]]] = {}
        for label, rows in answers.items():
            by_parent.setdefault(parent_of(label), []).extend(rows)
        parents = _count(by_parent, size, parent_order or [])
        for g in groups:
            children.setdefault(parent_of(g.label), []).append(g)
    if anonymous:
        total = sum(len(rows) for rows in answers.values())
        constraints: list[Constraint] = [(None, parents or groups)]
        constraints += [(p, children.get(p.label, [])) for p in parents]
        _protect(total, constraints)
    return Split(groups=groups, parents=parents)


def groups(
    answers: dict[str, list[list[int]]], size: int, *, anonymous: bool, order: list[str]
) -> list[Group]:
    """One partition under the total (`split` without parents)."""
    return split(answers, size, anonymous=anonymous, order=order).groups


def withheld(poll: Poll, respondents: int) -> bool:
    """Whether an anonymous poll's counts must not be shown at all: under five answers, the
    total is itself a small group. Its count of answers, and written answers, still show."""
    return poll.anonymous and poll.kind != "open_text" and 0 < respondents < MIN_CELL


def suppress(groups: list[Group]) -> None:
    """Hide, in place, what an anonymous poll must not show of one partition under its total."""
    _protect(sum(g.respondents or 0 for g in groups), [(None, groups)])


def _count(answers: dict[str, list[list[int]]], size: int, order: list[str]) -> list[Group]:
    out = []
    for label in sorted(answers, key=lambda g: order.index(g) if g in order else len(order)):
        counts = [0] * size
        for choices in answers[label]:
            for i in choices:
                if 0 <= i < size:
                    counts[i] += 1
        out.append(Group(label=label, respondents=len(answers[label]), counts=counts))
    return out


# A constraint: a parent (None for the total, which is always published) is the sum of its children.
Constraint = tuple[Group | None, list[Group]]


def _protect(total: int, constraints: list[Constraint]) -> None:
    """Hide groups until no group, or sum of hidden groups, of 1 to 4 people can be worked out."""
    cells = {id(g): g for _parent, kids in constraints for g in kids} | {
        id(p): p for p, _kids in constraints if p is not None
    }
    size = {key: g.respondents or 0 for key, g in cells.items()}
    hidden = {key for key, n in size.items() if 0 < n < MIN_CELL}
    while True:
        known = _derivable(constraints, hidden)
        leak = _first_leak(constraints, known, size)
        if leak is None:
            break
        choice = _to_hide(leak, constraints, hidden, size)
        if choice is None:
            break  # the total itself is under five: nothing below it is shown anyway
        hidden.add(choice)
    if total < MIN_CELL:
        hidden |= {key for key, n in size.items() if n > 0}
    for key in hidden:
        cells[key].respondents, cells[key].counts = None, None


def _to_hide(
    leak: Constraint, constraints: list[Constraint], hidden: set[int], size: dict[int, int]
) -> int | None:
    """What to hide next to stop a leak: the smallest shown group beside the ones it gives away;
    failing that the shown parent; failing that the smallest shown group of a hidden group
    that its own parts give back; failing that (the parent is hidden but worked out from
    above) the smallest shown group beside the parent."""
    parent, kids = leak

    def smallest(groups: list[Group]) -> int | None:
        shown = [g for g in groups if id(g) not in hidden and size[id(g)] > 0]
        return id(min(shown, key=lambda g: size[id(g)])) if shown else None

    if (choice := smallest(kids)) is not None:
        return choice
    if parent is not None and id(parent) not in hidden:
        return id(parent)
    for whole, parts in constraints:
        if whole is not None and any(g is whole for g in kids) and (choice := smallest(parts)) is not None:
            return choice
    if parent is None:
        return None
    for grand, siblings in constraints:
        if any(g is parent for g in siblings):
            return _to_hide((grand, siblings), constraints, hidden, size)
    return None


def _derivable(constraints: list[Constraint], hidden: set[int]) -> set[int]:
    """The cells a reader knows: the shown ones, and every hidden one that is the only unknown
    in some constraint (a parent less its other children, or the sum of its children)."""
    cells = [g for parent, kids in constraints for g in [*kids, *([parent] if parent else [])]]
    known = {id(g) for g in cells if id(g) not in hidden}
    changed = True
    while changed:
        changed = False
        for parent, kids in constraints:
            members = [id(g) for g in kids] + ([id(parent)] if parent is not None else [])
            unknown = [m for m in members if m not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                changed = True
    return known


def _first_leak(constraints: list[Constraint], known: set[int], size: dict[int, int]) -> Constraint | None:
    """The first constraint that gives away a group of 1 to 4 people, or the sum of several."""
    for parent, kids in constraints:
        if parent is not None and id(parent) not in known:
            continue
        unknown = _sizes(size, (id(g) for g in kids if id(g) not in known))
        revealed = _sizes(size, (id(g) for g in kids if id(g) in known and size[id(g)] > 0))
        if 0 < sum(unknown) < MIN_CELL or any(0 < n < MIN_CELL for n in revealed):
            return parent, kids
    return None


def _sizes(size: dict[int, int], keys: Iterable[int]) -> list[int]:
    return [size[k] for k in keys]
