"""Any event file and any roster, however broken: `load_event` returns an event or raises
`EventFileError` whose every problem names the file (and a line within it), quickly;
`convene check` exits 0 or 1 and prints no traceback.

The files are the small valid event of `test_event_checks` changed at random: a value
anywhere replaced by a scalar, list or mapping of another kind, random text, huge numbers,
odd dates and times, any time zone and the days its clocks change; the YAML text cut,
spliced with anchors, aliases, tags, brackets, duplicate keys, tabs and stray bytes, nested
thousands deep; rosters with stray commas and quotes, NULs, byte order marks, other
encodings, missing and extra columns.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli import app
from bot.event import Event, EventFileError, load_event, plan
from tests.kit.event_checks import EVENT, ROSTER

BASE: dict[str, Any] = yaml.safe_load(EVENT)
SECONDS = 5.0  # per example, generously: a hang or a blow-up takes far longer


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="event-properties-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write(folder: Path, event: bytes | str, roster: bytes | str = ROSTER) -> Path:
    (folder / "roster.csv").write_bytes(roster.encode() if isinstance(roster, str) else roster)
    path = folder / "event.yaml"
    path.write_bytes(event.encode("utf-8", "surrogatepass") if isinstance(event, str) else event)
    return path


def answers_cleanly(path: Path) -> Event | None:
    """The property every file must have; the event if it loaded."""
    started = time.monotonic()
    try:
        event: Event | None = load_event(path, check_colormap=False)
    except EventFileError as exc:
        event = None
        assert exc.problems
        lines, roster_lines = line_count(path), line_count(path.parent / "roster.csv")
        for problem in exc.problems + exc.warnings:
            text = str(problem)
            assert problem.message.strip(), text
            assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text), repr(text)
            if problem.file == str(path):
                assert problem.line is None or 1 <= problem.line <= lines, text
            elif problem.file == str(path.parent / "roster.csv"):
                assert problem.line is None or 1 <= problem.line <= roster_lines, text
            else:  # the roster the file names, which is not there
                assert problem.line is None, text
    if event is not None:
        jobs = plan(event)  # every instant fits in a datetime
        assert all(job.at.tzinfo is UTC for job in jobs)
        for session in event.sessions.values():
            local = event.local(session.day, session.start)
            assert local.astimezone(UTC).astimezone(event.tz).replace(tzinfo=None) == local.replace(
                tzinfo=None
            )
    assert time.monotonic() - started < SECONDS
    return event


def line_count(path: Path) -> int:
    """At most how many lines an editor (or YAML, which also breaks at NEL, LS and PS) sees."""
    data = path.read_bytes()
    breaks = (b"\n", b"\r", "\x85".encode(), "\u2028".encode(), "\u2029".encode())
    return sum(data.count(b) for b in breaks) + 1


# --------------------------------------------------------------------------- values of every kind

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**60),
    st.floats(),
    st.text(max_size=30),
    st.text(st.characters(codec="utf-8"), max_size=10),
    st.sampled_from(["", " ", "~", "null", "yes", "no", "on", ".inf", "0x1F", "0o7", "1_000", "1e999"]),
    st.dates(),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.sampled_from(
        ["24:00", "23:60", "9:5", "-1:00", "00:00", "12:00Z", "2026-02-30", "0001-01-01", "9999-12-31"]
    ),
    st.sampled_from(["\x00", "\x1b[2J", "\u202e", "\ufeff", "\ud800", "\t", "line\nbreak", "a" * 3000]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4),
    ),
    max_leaves=12,
)


def places(data: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path in `data`, the document itself included (a mapping's keys, not its items)."""
    yield here
    if isinstance(data, dict):
        for key, value in data.items():
            yield from places(value, (*here, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from places(value, (*here, index))


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {**data, head: replaced(data[head], rest, value)}
    copy = list(data)
    copy[head] = replaced(data[head], rest, value)
    return copy


@st.composite
def changed_documents(draw: st.DrawFn) -> Any:
    data = BASE
    for _ in range(draw(st.integers(1, 4))):
        data = replaced(data, draw(st.sampled_from(list(places(data)))), draw(values))
    if draw(st.booleans()) and isinstance(data, dict):  # and a section or key that should not be there
        data = {**data, draw(st.text(max_size=10)): draw(values)}
    return data


def dumped(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)


@given(data=changed_documents())
def test_any_value_anywhere(folder: Path, data: Any) -> None:
    answers_cleanly(write(folder, dumped(data)))


# --------------------------------------------------------------------------- time zones and clock changes

transition_days = st.sampled_from(
    [date(2026, 3, 8), date(2026, 11, 1), date(2026, 3, 29), date(2026, 10, 25), date(2026, 4, 5)]
    + [date(2026, 10, 4), date(2011, 12, 30), date(2011, 12, 29), date(1970, 1, 1), date(2199, 12, 31)]
)
zones = st.one_of(
    st.timezone_keys(),
    st.sampled_from(
        ["America", "Pacific", "Etc", "right", "posix", "", "UTC", "Factory", "../etc", "A" * 300]
    ),
    st.text(max_size=20),
)
clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


def test_any_time_zone_and_any_wall_time(folder: Path) -> None:
    loaded = []  # files that loaded: their wall times are checked

    # One file that loads, with a session starting at a wall time that happens twice.
    @example(zone="America/Los_Angeles", day=date(2026, 11, 1), start="01:30", end="02:30", nudge="08:00")
    @given(zone=zones, day=st.one_of(transition_days, st.dates()), start=clock, end=clock, nudge=clock)
    def load(zone: str, day: date, start: str, end: str, nudge: str) -> None:
        data = replaced(BASE, ("event", "timezone"), zone)
        data = replaced(data, ("event", "days"), [day])
        for index in range(len(data["sessions"])):
            data = replaced(data, ("sessions", index, "day"), day)
        data = replaced(data, ("sessions", 0, "start"), start)
        data = replaced(data, ("sessions", 0, "end"), end)
        # The week before the day: the pre-event poll opens, is nudged the day before, closes.
        before, week = day - timedelta(days=1), day - timedelta(days=7)
        window = {"opens": f"{week.isoformat()} 00:00", "closes": f"{before.isoformat()} 23:59"}
        for key, value in window.items():
            data = replaced(data, ("polls", 0, "pre_event", key), value)
        data = replaced(data, ("polls", 0, "pre_event", "nudges"), [f"{before.isoformat()} {nudge}"])
        event = answers_cleanly(write(folder, dumped(data)))
        if event is not None:
            loaded.append(event)
            # Loaded: every wall time exists, and each one that happens twice was warned of.
            zone_info = ZoneInfo(event.info.timezone)
            for s in event.sessions.values():
                for at in (s.start, s.end):
                    local = datetime.combine(s.day, at)
                    fold0, fold1 = local.replace(tzinfo=zone_info), local.replace(tzinfo=zone_info, fold=1)
                    if fold0.utcoffset() != fold1.utcoffset():
                        assert any(f"{at:%H:%M} happens twice" in w.message for w in event.warnings)

    load()
    assert loaded, "no file loaded: the check of its wall times never ran"


# --------------------------------------------------------------------------- the YAML text itself

SNIPPETS = [
    "&a ",
    "*a",
    "&a [*a]",
    "? ",
    "? [a, b]\n: c\n",
    "[",
    "]",
    "{",
    "}",
    "<<: ",
    "<<: *a\n",
    "!!python/object ",
    "!!binary ",
    "!!set ",
    "!x ",
    "!!int ",
    "\t",
    ": ",
    ":",
    "- ",
    "-",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    '"',
    "'",
    "\\",
    "\\x00",
    '"\\0"',
    '"\\ud800"',
    "\x00",
    "\x07",
    "\x85",
    "\ufeff",
    "\ufffe",
    "#",
    "|",
    ">",
    "|-\n  ",
    ",",
    "\n",
    "\r",
    "\r\n",
    "  ",
    "roster: x.csv\n",
    "event:\n",
    "sessions: 5\n",
    '    start: "02:30"\n',
    "1e999",
    "99999999999999999999999999",
    "0001-01-01",
    "9999-12-31",
    "2026-13-45",
    "{a: 1, a: 2}",
]


@st.composite
def spliced_texts(draw: st.DrawFn) -> bytes:
    text = EVENT
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "insert", "delete", "repeat-line"]))
        if action == "insert":
            text = text[:at] + draw(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=5))) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        else:  # a line given twice: a duplicate key, or a list item twice
            lines = text.splitlines(keepends=True) or [""]
            n = min(at, len(lines) - 1)
            text = "".join(lines[: n + 1] + lines[n : n + 1] + lines[n + 1 :])
    data = text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 2))):  # a stray byte: not UTF-8 any more
        at = draw(st.integers(0, len(data)))
        data = data[:at] + bytes([draw(st.integers(0x80, 0xFF))]) + data[at:]
    return data


@given(data=spliced_texts())
def test_any_splice_of_the_yaml_text(folder: Path, data: bytes) -> None:
    answers_cleanly(write(folder, data))


@st.composite
def huge_or_deep(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["flow", "block", "mapping", "laughs", "chain", "wide"]))
    n = draw(st.integers(1, 30_000))
    if kind == "flow":
        return "x: " + draw(st.sampled_from(["[", "{a: ", "[{a: "])) * n + "\n"
    if kind == "block":
        return "x:\n  " + "- " * n + "a\n"
    if kind == "mapping":
        return "".join(f"{' ' * i}k{i}:\n" for i in range(min(n, 2000)))
    if kind == "laughs":
        width = draw(st.integers(2, 12))
        text = f"a0: &a0 [{', '.join(['lol'] * width)}]\n"
        for i in range(1, draw(st.integers(2, 12))):
            text += f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]\n"
        return text
    if kind == "chain":  # each alias one level deeper than the last
        text = "a0: &a0 [x]\n"
        for i in range(1, min(n, 200)):
            text += f"a{i}: &a{i} [*a{i - 1}]\n"
        return text
    return "x: [" + ", ".join(["1"] * min(n, 200_000)) + "]\n"


@given(text=huge_or_deep())
def test_any_depth_or_breadth_of_nesting(folder: Path, text: str) -> None:
    answers_cleanly(write(folder, text))


# --------------------------------------------------------------------------- rosters

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", ",", '"', '""', '"a,b"', "\x00", "\ufeff", "\n", "\r\n", "\x1b[31m", "a" * 200]),
    st.sampled_from(["river-usd", "river-usd; nowhere", "superintendent", "other", "U024BE7LH", "x@y.org"]),
)


@st.composite
def rosters(draw: st.DrawFn) -> bytes:
    header = draw(
        st.one_of(
            st.just("id,name,email,slack_id,team,role"),
            st.lists(
                st.sampled_from(["id", "name", "email", "slack_id", "team", "role", "Role ", "x", ""]),
                max_size=8,
            ).map(",".join),
        )
    )
    rows = [header] + ROSTER.splitlines()[1:]
    for _ in range(draw(st.integers(0, 6))):
        rows.insert(draw(st.integers(1, len(rows))), ",".join(draw(st.lists(cells, max_size=8))))
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(rows) + draw(st.sampled_from(["\n", "", '"']))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    data = text.encode(encoding, "replace")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=3)) + data[at:]
    return data


@given(roster=rosters())
def test_any_roster(folder: Path, roster: bytes) -> None:
    answers_cleanly(write(folder, EVENT, roster))


# --------------------------------------------------------------------------- convene check itself


@given(event=st.one_of(changed_documents().map(dumped).map(str.encode), spliced_texts()), roster=rosters())
def test_convene_check_exits_0_or_1_and_prints_no_traceback(
    folder: Path, event: bytes, roster: bytes
) -> None:
    path = write(folder, event, roster)
    started = time.monotonic()
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.stderr.startswith("error "), result.stderr
    assert time.monotonic() - started < SECONDS
