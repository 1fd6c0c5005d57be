"""Disclosure control on hand-worked tables: how answers split into groups, in which order,
and which groups of an anonymous poll are hidden (under 5 people, plus the next smallest
when exactly one is hidden, so subtracting from the total cannot reveal it)."""

from __future__ import annotations

from bot.polls.disclosure import Group, groups, suppress

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
