"""Disclosure control on hand-worked tables: how answers split into groups, in which order,
and which groups of an anonymous poll are hidden: every group under 5 people, and more
until no group of 1 to 4 can be worked out by subtracting shown groups from a shown total
or side (roles and sides are published together)."""

from __future__ import annotations

import itertools

from bot.polls.disclosure import Group, groups, split, suppress, withheld
from storage.models import Poll

SIDES = ["Management", "Labor", "Other"]


def answers(**sizes: int) -> dict[str, list[list[int]]]:
    """`sizes` people per group, each answering option 0."""
    return {label: [[0]] * n for label, n in sizes.items()}


def shown(table: list[Group]) -> dict[str, int | None]:
    return {g.label: g.respondents for g in table}


def test_groups_count_each_choice_and_each_respondent() -> None:
    table = groups(
        {"Management": [[0], [1], [0, 2]], "Labor": [[2], [9], [-1]]}, 3, anonymous=False, order=SIDES
    )
    assert [(g.label, g.respondents, g.counts) for g in table] == [
        ("Management", 3, [2, 1, 1]),
        ("Labor", 3, [0, 0, 1]),  # an index outside the options counts as an answer but no choice
    ]
    assert table[0].percent(0) == 67
    assert table[1].percent(2) == 33


def test_groups_follow_the_given_order_and_unlisted_ones_come_last_as_found() -> None:
    table = groups(answers(Zeta=1, Other=1, Alpha=1, Labor=1), 1, anonymous=False, order=SIDES)
    assert [g.label for g in table] == ["Labor", "Other", "Zeta", "Alpha"]


def test_a_named_poll_shows_every_group_however_small() -> None:
    table = groups(answers(Management=12, Labor=1, Other=2), 1, anonymous=False, order=SIDES)
    assert shown(table) == {"Management": 12, "Labor": 1, "Other": 2}
    assert not any(g.hidden for g in table)


def test_an_anonymous_poll_with_no_group_under_five_hides_nothing() -> None:
    table = groups(answers(Management=12, Labor=7, Other=5), 1, anonymous=True, order=SIDES)
    assert shown(table) == {"Management": 12, "Labor": 7, "Other": 5}


def test_one_small_group_hides_the_next_smallest_too() -> None:
    # Total 22: with Other (3) hidden alone, 22 - 12 - 7 would give it away, so Labor goes too.
    table = groups(answers(Management=12, Labor=7, Other=3), 1, anonymous=True, order=SIDES)
    assert shown(table) == {"Management": 12, "Labor": None, "Other": None}
    assert [g.hidden for g in table] == [False, True, True]
    assert table[1].counts is None and table[1].percent(0) is None


def test_two_small_groups_hide_only_themselves() -> None:
    table = groups(answers(Management=12, Labor=4, Other=2), 1, anonymous=True, order=SIDES)
    assert shown(table) == {"Management": 12, "Labor": None, "Other": None}


def test_one_small_group_beside_a_single_other_hides_both() -> None:
    table = groups(answers(Management=9, Labor=4), 1, anonymous=True, order=SIDES)
    assert shown(table) == {"Management": None, "Labor": None}


def test_a_lone_small_group_is_hidden() -> None:
    assert shown(groups(answers(Other=3), 1, anonymous=True, order=SIDES)) == {"Other": None}


def test_between_equally_small_shown_groups_the_first_in_order_is_hidden() -> None:
    table = groups(answers(Other=6, Labor=6, Management=9, Staff=1), 1, anonymous=True, order=SIDES)
    assert shown(table) == {"Management": 9, "Labor": None, "Other": 6, "Staff": None}


def test_suppress_works_in_place_on_given_groups() -> None:
    table = [
        Group("North", 20, [10, 10]),
        Group("South", 8, [4, 4]),
        Group("East", 6, [3, 3]),
        Group("West", 2, [2, 0]),
    ]
    suppress(table)
    assert shown(table) == {"North": 20, "South": 8, "East": None, "West": None}
    assert table[0].counts == [10, 10]


def test_agree_is_the_share_of_fours_and_fives_of_a_shown_group() -> None:
    assert Group("Labor", 8, [1, 1, 0, 2, 4]).agree() == 75
    assert Group("Labor", 0, [0, 0, 0, 0, 0]).agree() is None
    assert Group("Labor", None, None).agree() is None


# Two levels: roles within sides, published together (the report shows both, summaries the sides).
ROLE_SIDE = {
    "Superintendent": "Management",
    "Board member": "Management",
    "Teachers president": "Labor",
    "Classified president": "Labor",
    "Not on the roster": "Other",
}
ROLES = list(ROLE_SIDE)


def two_level(**sizes: int) -> tuple[dict[str, int | None], dict[str, int | None]]:
    table = split(
        answers(**{k.replace("_", " "): v for k, v in sizes.items()}),
        1,
        anonymous=True,
        order=ROLES,
        parent_of=ROLE_SIDE.__getitem__,
        parent_order=SIDES,
    )
    return shown(table.groups), shown(table.parents)


def test_a_side_less_its_shown_role_never_gives_away_a_small_role() -> None:
    # 6 superintendents, 5 board members, 5 teachers' presidents, 1 classified president.
    # Showing Labor (6) and Teachers (5) would give the classified president's answer by
    # subtraction: Teachers is hidden with it, Labor stays, Management and its roles stay.
    roles, sides = two_level(Superintendent=6, Board_member=5, Teachers_president=5, Classified_president=1)
    assert roles == {
        "Superintendent": 6,
        "Board member": 5,
        "Teachers president": None,
        "Classified president": None,
    }
    assert sides == {"Management": 11, "Labor": 6}


def test_a_small_side_takes_a_shown_side_with_it() -> None:
    # Labor is 3 people: hidden, its roles too; 17 - 14 would give it back, so Management goes.
    roles, sides = two_level(Superintendent=9, Board_member=5, Teachers_president=2, Classified_president=1)
    assert sides == {"Management": None, "Labor": None}
    assert roles["Teachers president"] is None and roles["Classified president"] is None
    # Management's roles are both shown: together they give Management (14) back, and with
    # it Labor (17 - 14 = 3). One of them must go, so nothing derivable is under five.
    assert roles["Superintendent"] is None or roles["Board member"] is None


def test_hidden_roles_of_a_shown_side_are_zero_or_five_together() -> None:
    # Two small roles in one side: 2 + 3 = 5 hidden together, nothing more needs hiding.
    roles, sides = two_level(Superintendent=7, Board_member=6, Teachers_president=2, Classified_president=3)
    assert roles == {
        "Superintendent": 7,
        "Board member": 6,
        "Teachers president": None,
        "Classified president": None,
    }
    assert sides == {"Management": 13, "Labor": 5}


def test_a_total_under_five_shows_no_group() -> None:
    roles, sides = two_level(Superintendent=2, Teachers_president=2)
    assert set(roles.values()) == {None} and set(sides.values()) == {None}


def test_every_published_cell_is_zero_or_at_least_five_however_it_is_combined() -> None:
    # A brute-force reader: from the shown cells, work out every cell that follows by
    # subtraction (side = total - other sides, role = side - other roles, side = its roles),
    # and check nothing worked out, nor any difference, is a group of 1 to 4.
    # Every way of putting 0 to 8 people in each of the four roles.
    for sizes in itertools.product(range(9), repeat=4):
        names = ["Superintendent", "Board member", "Teachers president", "Classified president"]
        data = {n: s for n, s in zip(names, sizes, strict=True) if s}
        if sum(sizes) < 5:
            continue  # the total itself is small: the poll shows no counts at all (withheld)
        table = split(
            answers(**data),
            1,
            anonymous=True,
            order=ROLES,
            parent_of=ROLE_SIDE.__getitem__,
            parent_order=SIDES,
        )
        known = {g.label: g.respondents for g in [*table.groups, *table.parents] if not g.hidden}
        truth = dict(data) | {
            side: sum(n for r, n in data.items() if ROLE_SIDE[r] == side) for side in ("Management", "Labor")
        }
        total = sum(data.values())
        for _ in range(3):
            for side in ("Management", "Labor"):
                kids = [r for r in data if ROLE_SIDE[r] == side]
                unknown = [r for r in kids if r not in known]
                if side in known and len(unknown) == 1:
                    known[unknown[0]] = truth[unknown[0]]
                if side in known and unknown:
                    rest = known[side] - sum(known[r] for r in kids if r in known)  # type: ignore[operator]
                    assert not 0 < rest < 5, (sizes, side, rest)
                if side not in known and kids and not unknown:
                    known[side] = truth[side]
            sides_present = [s for s in ("Management", "Labor") if truth.get(s)]
            missing = [s for s in sides_present if s not in known]
            if len(missing) == 1:
                known[missing[0]] = truth[missing[0]]
            rest = total - sum(known[s] for s in sides_present if s in known)  # type: ignore[misc]
            assert not 0 < rest < 5, (sizes, rest)
        assert all(not 0 < n < 5 for n in known.values() if n is not None), (sizes, known)


def test_an_anonymous_poll_under_five_answers_withholds_its_counts() -> None:
    rating = Poll(id="p", question="Useful?", kind="rating", anonymous=True)
    assert [withheld(rating, n) for n in (0, 1, 4, 5)] == [False, True, True, False]
    named = Poll(id="p", question="Useful?", kind="rating", anonymous=False)
    assert not withheld(named, 1)
    written = Poll(id="p", question="Why?", kind="open_text", anonymous=True)
    assert not withheld(written, 1)  # written answers are not counts


def test_a_groups_shares_add_up_to_100() -> None:
    group = Group("Labor", 8, [1, 1, 3, 2, 1])
    assert [group.percent(i) for i in range(5)] == [13, 12, 38, 25, 12]
    assert group.agree() == 37
