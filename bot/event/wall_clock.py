"""Event-local wall times the clocks skip or repeat.

On a spring-forward day 02:30 never happens; on a fall-back day 01:30 happens twice. The
bot reads every wall time as its first occurrence (`fold=0`), so a skipped time would go
out at some other hour, and a repeated one might not be the one meant: the first is an
error, the second a warning that says which is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_time


@dataclass(frozen=True)
class ClockChange:
    """What is wrong with one wall time: `skipped` (an error) or repeated (a warning)."""

    skipped: bool
    message: str


def clock_change(local: datetime, zone: ZoneInfo, zone_name: str) -> ClockChange | None:
    """None for an ordinary wall time; otherwise whether the clocks skip or repeat it, in words."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    when = f"{local:%H:%M}"
    on = f"on {local.date().isoformat()} in {zone_name}"
    # A time that exists comes back unchanged from UTC; a skipped one comes back shifted.
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local:
        return ClockChange(
            False, f"{when} happens twice {on}; the first ({first.tzname()}, {_offset(first)}) is used"
        )
    before, after = _jump(first, second, zone)
    same_day = before.date() == after.date() == local.date()
    shown = [f"{w:%H:%M}" if same_day else w.isoformat(" ", "minutes") for w in (before, after)]
    return ClockChange(True, f"{when} does not exist {on}: the clocks go from {shown[0]} to {shown[1]}")


def _jump(first: datetime, second: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The wall times either side of the change that skips `first`'s wall time."""
    lo, hi = sorted((first.astimezone(UTC), second.astimezone(UTC)))
    start_offset = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):  # the first instant with the new offset
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == start_offset:
            lo = mid
        else:
            hi = mid
    change = hi.replace(microsecond=0)
    naive = change.replace(tzinfo=None)
    end_offset = change.astimezone(zone).utcoffset()
    assert start_offset is not None and end_offset is not None
    return naive + start_offset, naive + end_offset


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_on(day: date, zone: ZoneInfo) -> str:
    """The zone's abbreviation on `day` ("PDT"), and on a day the clocks change, both with
    the wall time of the change ("PDT until 2:00 AM, then PST"): what `convene check` shows
    beside each day, so a time on the wrong side of a change can be seen."""
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    first = start.astimezone(zone)
    names, changes = [first.tzname() or ""], []
    moment = start
    while moment < end:  # zones change on the quarter hour at the finest
        nxt = moment + timedelta(minutes=15)
        before, after = moment.astimezone(zone), nxt.astimezone(zone)
        if before.utcoffset() != after.utcoffset():
            changes.append(before + (nxt - moment))  # the old offset's wall time at the change
            names.append(after.tzname() or "")
        moment = nxt
    shown = names[0]
    for when, name in zip(changes, names[1:], strict=True):
        shown += f" until {format_time(when.replace(tzinfo=None), 'short', locale='en_US')}, then {name}"
    return shown
