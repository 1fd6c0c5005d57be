"""How dates, times, counts and shares read (bot.core.formatting), and the property that one
poll's shown percentages add up to 100."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import formatting

LA = ZoneInfo("America/Los_Angeles")


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2018, 6, day, hour, minute, tzinfo=LA)


def test_a_range_across_noon_names_each_half_of_the_day() -> None:
    assert formatting.time_range(at(11, 15), at(12, 15)) == "11:15 AM–12:15 PM"
    assert formatting.time_range(at(9), at(10)) == "9:00–10:00 AM"
    assert formatting.time_range(at(13), at(14, 30)) == "1:00–2:30 PM"
    assert (
        formatting.time_range(at(23), at(1, day=26)) == "Monday, June 25, 11:00 PM–Tuesday, June 26, 1:00 AM"
    )


def test_times_use_plain_spaces() -> None:
    assert formatting.clock(at(15, 30)) == "3:30 PM"
    assert formatting.clock_seconds(at(15, 30)) == "3:30:00 PM"
    assert "\u202f" not in formatting.time_range(at(11), at(12, 30))


@pytest.mark.parametrize(
    ("ds", "shown"),
    [
        ([date(2018, 6, 25), date(2018, 6, 26), date(2018, 6, 27)], "June 25–27, 2018"),
        ([date(2018, 6, 25)], "June 25, 2018"),
        ([date(2018, 6, 30), date(2018, 7, 1)], "June 30–July 1, 2018"),
        ([date(2018, 6, 25), date(2018, 6, 26), date(2018, 7, 9)], "June 25–26 and July 9, 2018"),
        ([date(2018, 7, 9), date(2018, 6, 25), date(2018, 8, 1)], "June 25, July 9, and August 1, 2018"),
        ([date(2018, 12, 31), date(2019, 1, 1)], "Dec 31, 2018–Jan 1, 2019"),
    ],
)
def test_an_events_days(ds: list[date], shown: str) -> None:
    assert formatting.days(ds) == shown


def test_days_and_deadlines() -> None:
    assert formatting.day(date(2018, 6, 25)) == "Monday, June 25"
    assert formatting.full_day(date(2018, 6, 25)) == "Monday, June 25, 2018"
    assert formatting.short_day(date(2018, 6, 25)) == "Mon, Jun 25"
    closes = at(15, 30, day=26)
    assert formatting.deadline(closes, now=at(9, day=26)) == "3:30 PM"
    assert formatting.deadline(closes, now=at(20, day=25)) == "Tuesday, June 26, 3:30 PM"
    # "Today" is the event's day: 8 PM on the 25th in California is already the 26th in UTC.
    assert formatting.deadline(at(21, day=25), now=at(20, day=25).astimezone(UTC)) == "9:00 PM"


def test_counts_follow_the_plural_rule() -> None:
    assert formatting.count(1, "headline", "headlines") == "1 headline"
    assert formatting.count(0, "headline", "headlines") == "0 headlines"
    assert formatting.count(4, "team", "teams") == "4 teams"
    assert formatting.count(1250, "response", "responses") == "1,250 responses"
    assert formatting.plural(1, "has", "have") == "has"


def test_iso_times_carry_the_events_offset() -> None:
    moment = datetime(2015, 5, 8, 16, 14, 3, 123456, tzinfo=UTC)
    assert formatting.iso(moment, LA) == "2015-05-08T09:14:03-07:00"
    assert formatting.iso(datetime(2015, 12, 8, 16, 14, tzinfo=UTC), LA) == "2015-12-08T08:14:00-08:00"


def test_shares_of_a_poll_that_rounds_to_99() -> None:
    # 1, 1, 3, 2, 1 of 8 rounds to 12 + 12 + 38 + 25 + 12 = 99 one by one.
    assert formatting.shares([1, 1, 3, 2, 1], 8) == [13, 12, 38, 25, 12]
    assert formatting.shares([1, 1, 1], 3) == [34, 33, 33]
    assert formatting.shares([0, 0, 0], 0) == [0, 0, 0]


def test_shares_of_choose_all_that_apply_are_each_of_the_respondents() -> None:
    assert formatting.shares([4, 3, 1], 4) == [100, 75, 25]


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12).filter(any))
def test_shares_that_split_the_total_add_up_to_100(counts: list[int]) -> None:
    total = sum(counts)
    shown = formatting.shares(counts, total)
    assert sum(shown) == 100
    for count, share in zip(counts, shown, strict=True):
        assert abs(share - 100 * count / total) < 1  # never more than a point from the exact share
        if count == 0:
            assert share == 0
