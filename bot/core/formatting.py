"""How dates, times, counts and shares read, everywhere the bot writes them: Slack messages,
summaries, the report, the export and the command line.

Babel does the work from CLDR's data for the event's locale (US English), so plurals,
month and day names, and ranges of times and dates follow the locale's rules, not
hand-made patterns. Times and dates are given already in the event's zone (an aware
datetime keeps its own zone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_decimal

LOCALE = Locale.parse("en_US")


def _tidy(text: str) -> str:
    """CLDR puts a narrow no-break space before AM/PM and thin spaces around a range's dash:
    people copy these times into searches and commands, and read them in terminals and
    spreadsheets, where plain spaces and a bare dash ("9:00–10:00 AM") serve better."""
    return (
        text.replace("\u2009–\u2009", "–")
        .replace("\u2009-\u2009", "–")
        .replace("\u202f", " ")
        .replace("\u00a0", " ")
        .replace("\u2009", " ")
    )


# ------------------------------------------------------------------ counts


def number(n: int) -> str:
    """A whole number with the locale's grouping: 1,250."""
    return format_decimal(n, locale=LOCALE)


def plural(n: int, one: str, other: str) -> str:
    """The word for `n` of something: `one` or `other` by the locale's plural rule."""
    return one if LOCALE.plural_form(abs(n)) == "one" else other


def count(n: int, one: str, other: str) -> str:
    """`n` and its noun: "1 headline", "4 headlines", "1,250 responses"."""
    return f"{number(n)} {plural(n, one, other)}"


def listing(items: Iterable[str], style: Literal["standard", "or"] = "standard") -> str:
    """Words in a list: "A, B, and C" (`style="or"`: "A, B, or C")."""
    return format_list(list(items), style=style, locale=LOCALE)


def shares(counts: Sequence[int], total: int) -> list[int]:
    """Whole percentages of `total` for each count, as one poll's results show them.

    When the counts split the total (each respondent counted once: single choice, a
    rating), the shares are rounded by largest remainder so that they add up to exactly
    100; ties go to the larger count, then to the earlier answer. When they do not
    (choose all that apply), each is rounded on its own. No respondents: all 0.
    """
    if total <= 0:
        return [0] * len(counts)
    if sum(counts) != total:
        return [round(100 * c / total) for c in counts]
    floors = [100 * c // total for c in counts]
    left = 100 - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (-(100 * counts[i] % total), -counts[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


# ------------------------------------------------------------------ times and dates


def clock(moment: datetime | time) -> str:
    """A time of day: "3:30 PM"."""
    return _tidy(format_time(moment, "short", locale=LOCALE))


def clock_seconds(moment: datetime | time) -> str:
    """A time of day to the second: "3:30:05 PM"."""
    return _tidy(format_time(moment, "medium", locale=LOCALE))


def time_range(start: datetime, end: datetime) -> str:
    """A session's times: "9:00–10:00 AM", "11:15 AM–12:15 PM" (across noon, each its own
    half of the day); a range that ends on another day names both days."""
    if start.date() != end.date():
        return f"{day_and_clock(start)}–{day_and_clock(end)}"
    return _tidy(format_interval(start, end, "hm", locale=LOCALE))


def day(d: date) -> str:
    """A day of the event without its year: "Monday, June 25"."""
    # CLDR's "MMMMEd" names the weekday short ("Mon"); ICU widens it for "MMMMEEEEd", Babel
    # does not, so the full weekday is asked for by pattern.
    return _tidy(format_date(d, "EEEE, MMMM d", locale=LOCALE))


def full_day(d: date) -> str:
    """A day with its year: "Monday, June 25, 2018"."""
    return _tidy(format_date(d, "full", locale=LOCALE))


def short_day(d: date) -> str:
    """A day in a listing: "Mon, Jun 25"."""
    return _tidy(format_skeleton("MMMEd", d, locale=LOCALE))


def days(ds: Iterable[date]) -> str:
    """An event's days: "June 25–27, 2018"; days that are not contiguous, in runs:
    "June 25–26 and July 9, 2018"; across years, each run with its year."""
    ordered = sorted(set(ds))
    if not ordered:
        return ""
    runs: list[tuple[date, date]] = []
    for d in ordered:
        if runs and d - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    one_year = ordered[0].year == ordered[-1].year
    skeleton = "MMMMd" if one_year else "yMMMd"
    shown = [
        _tidy(format_skeleton(skeleton, a, locale=LOCALE))
        if a == b
        else _tidy(format_interval(a, b, skeleton, locale=LOCALE))
        for a, b in runs
    ]
    text = listing(shown)
    return f"{text}, {format_date(ordered[0], 'y', locale=LOCALE)}" if one_year else text


def day_and_clock(moment: datetime) -> str:
    """A day and a time: "Tuesday, June 26, 3:30 PM" (the locale's way of joining them)."""
    joined = str(LOCALE.datetime_formats["medium"]).replace("'", "")
    return joined.replace("{1}", day(moment.date())).replace("{0}", clock(moment))


def deadline(at: datetime, now: datetime) -> str:
    """When something closes, as the person reading on `now` needs it: the time alone
    today ("3:30 PM"), with its day on any other day ("Tuesday, June 26, 3:30 PM").
    `at` is in the event's zone; `now` is converted to it."""
    zone = at.tzinfo
    today = now.astimezone(zone).date() if zone is not None else now.date()
    return clock(at) if at.date() == today else day_and_clock(at)


def iso(moment: datetime, zone: tzinfo) -> str:
    """An instant in ISO 8601 with the zone's offset: "2015-05-08T09:14:03-07:00"."""
    return moment.astimezone(zone).isoformat(timespec="seconds")
