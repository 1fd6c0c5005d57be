"""The event file: an organizer's YAML description of the event plus a roster CSV.

`load_event(path)` returns an `Event` or raises `EventFileError` carrying every
problem found, each with the file, line and field it concerns, so an organizer
can fix them all in one pass.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from bot.event.yaml_lines import YamlSource

Loc = tuple[str | int, ...]

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
CHANNEL_NAME = re.compile(r"^#?[a-z0-9][a-z0-9_-]{0,79}$")

# Slack's own limits that a poll definition must respect to render at all.
MAX_OPTIONS = 10
MAX_OPTION_CHARS = 75
MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the event file or roster, located for a human."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class EventFileError(Exception):
    """The event file or roster has problems; `problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Strict(BaseModel):
    # A typo in a key ("facilitator:") must be an error, not silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class SessionKind(StrEnum):
    PLENARY = "plenary"
    BREAKOUT = "breakout"
    ROLE_ALIKE = "role_alike"
    TEAM_TIME = "team_time"
    MEAL = "meal"
    CLOSING = "closing"


class PollKind(StrEnum):
    SINGLE = "single_choice"
    MULTIPLE = "multiple_choice"
    RATING = "rating"
    OPEN_TEXT = "open_text"
    SURVEY = "survey"  # several questions in one form: agreement statements, interests, comments


class ResultsMode(StrEnum):
    LIVE = "live"
    HIDDEN = "hidden"


DEFAULT_RATING_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}


CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def _clock_time(value: Any) -> Any:
    # An event-local wall time written "HH:MM" (or "H:MM"). The event file's YAML loader keeps an
    # unquoted 16:00 as a string; a bare number is not a time (pydantic would read it as seconds
    # past midnight, UTC), nor is a time with a UTC offset.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f'{value} is not a time; write it as "HH:MM", e.g. "16:00"')
    if isinstance(value, str):
        match = CLOCK.match(value.strip())
        if match:
            return time(int(match[1]), int(match[2]))
    return value


def _wall_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give the event-local time with no UTC offset (the event's timezone applies)")
    return value


class EventInfo(Strict):
    name: str = Field(min_length=1, max_length=150)
    short_name: str | None = Field(default=None, max_length=60)
    timezone: str
    days: list[date] = Field(min_length=1)
    venue: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as America/Los_Angeles)"
            ) from None
        return value


class Side(StrEnum):
    """Which side of the table a role sits on, for labor/management breakdowns."""

    LABOR = "labor"
    MANAGEMENT = "management"


class RoleSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, max_length=75)
    side: Side | None = None


class TeamSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=150)


class SessionSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=150)
    day: date
    start: time
    end: time
    kind: SessionKind
    room: str | None = None
    channel: str | None = None
    facilitators: list[str] = []
    role: str | None = None
    description: str | None = Field(default=None, max_length=2000)
    reminders: list[int] | None = None  # minutes before; None: the event default ([] for meals)

    _times = field_validator("start", "end", mode="before")(_clock_time)
    _offsets = field_validator("reminders")(lambda v: _check_offsets(v))
    _wall_times = field_validator("start", "end")(_wall_time)


def _check_offsets(value: list[int] | None) -> list[int] | None:
    if value is None:
        return None
    if any(m < 0 or m > 7 * 24 * 60 for m in value):
        raise ValueError("minutes before must be between 0 and 10080 (a week)")
    if len(set(value)) != len(value):
        raise ValueError("an offset is listed twice")
    return sorted(value, reverse=True)


def _local_datetime(value: Any) -> Any:
    """'2015-05-01 09:00' (event-local wall time) as a naive datetime."""
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            raise ValueError(f'{value!r} is not a date and time; write it as "YYYY-MM-DD HH:MM"') from None
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError("give the event's local time without a UTC offset")
    return value


class ReminderSettings(Strict):
    """When reminders go out, unless a session says otherwise."""

    minutes_before: list[int] = [15]
    dm_minutes_before: list[int] = [10]
    grace_minutes: int = Field(default=10, ge=0, le=240)

    _offsets = field_validator("minutes_before", "dm_minutes_before")(lambda v: _check_offsets(v))


class PreEventSpec(Strict):
    """A poll sent by DM to everyone before the event: when it opens, nudges, closes (event-local)."""

    opens: datetime
    nudges: list[datetime] = []
    closes: datetime

    _when = field_validator("opens", "closes", mode="before")(_local_datetime)
    _nudge_when = field_validator("nudges", mode="before")(
        lambda v: [_local_datetime(x) for x in v] if isinstance(v, list) else v
    )


class HeadlineSettings(Strict):
    """Vision headlines: the session that collects them, and when collection closes."""

    session: str
    closes: datetime | None = None  # event-local; default: the end of that session

    _when = field_validator("closes", mode="before")(_local_datetime)


class CloudSettings(Strict):
    """How word clouds look, and which words they leave out."""

    width: int = Field(default=1600, ge=200, le=4000)
    height: int = Field(default=900, ge=200, le=4000)
    background: str = "white"
    colormap: str = "viridis"
    font: str | None = None  # a .ttf/.otf file, relative to the event file
    stop_words: list[str] = []


class SummarySettings(Strict):
    """When organizers get summaries by DM."""

    after_session_minutes: int | None = Field(default=10, ge=0, le=24 * 60)  # None: no per-session summaries
    digest_after_minutes: int | None = Field(default=30, ge=0, le=24 * 60)  # after the day's last session


class ClosingSettings(Strict):
    """What the closing session shows: the headlines wall and these word clouds."""

    wordclouds: list[str] = []  # open-text poll ids, or "headlines"


class DmSpec(Strict):
    """A poll sent by DM to everyone: `opens` is a session id (its start) or an event-local time."""

    opens: str
    nudges: list[datetime] = []
    closes: datetime | None = None

    _nudge_when = field_validator("nudges", mode="before")(
        lambda v: [_local_datetime(x) for x in v] if isinstance(v, list) else v
    )
    _close_when = field_validator("closes", mode="before")(_local_datetime)


class PollSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    kind: PollKind
    options: list[str] = []
    labels: dict[int, str] | None = None
    session: str | None = None
    anonymous: bool = False
    results: ResultsMode = ResultsMode.LIVE
    pre_event: PreEventSpec | None = None
    dm: DmSpec | None = None
    statements: list[str] = []  # survey: agreement statements, each rated 1 to 5
    comments: str | None = None  # survey: the prompt for free-text comments


DEFAULT_ROLES = [
    RoleSpec(id="superintendent", label="Superintendent", side=Side.MANAGEMENT),
    RoleSpec(id="board_member", label="School board member", side=Side.MANAGEMENT),
    RoleSpec(id="teachers_union_president", label="Teachers union president", side=Side.LABOR),
    RoleSpec(id="classified_union_president", label="Classified union president", side=Side.LABOR),
    RoleSpec(id="other", label="Other"),
]


@dataclass(frozen=True)
class Person:
    """A roster row."""

    id: str
    name: str
    email: str | None
    slack_id: str | None
    team: str | None  # the first (usually only) team
    role: str
    teams: tuple[str, ...] = ()  # every team, for people who belong to several


@dataclass
class Event:
    """A validated event: what the rest of the bot reads."""

    path: Path
    info: EventInfo
    roles: dict[str, RoleSpec]
    teams: dict[str, TeamSpec]
    people: dict[str, Person]
    organizers: list[str]
    facilitators: list[str]
    channels: dict[str, str]
    sessions: dict[str, SessionSpec]
    polls: dict[str, PollSpec]
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    headlines: HeadlineSettings | None = None
    wordcloud: CloudSettings = field(default_factory=CloudSettings)
    closing: ClosingSettings = field(default_factory=ClosingSettings)
    summaries: SummarySettings = field(default_factory=SummarySettings)
    _by_email: dict[str, Person] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_email = {p.email.lower(): p for p in self.people.values() if p.email}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.info.timezone)

    @property
    def title(self) -> str:
        return self.info.short_name or self.info.name

    def person(self, ref: str) -> Person | None:
        """A person by roster id, email or Slack user id."""
        if ref in self.people:
            return self.people[ref]
        if ref.lower() in self._by_email:
            return self._by_email[ref.lower()]
        return next((p for p in self.people.values() if p.slack_id == ref), None)

    def local(self, day: date, at: time) -> datetime:
        """An event-local wall time as an aware datetime in the event's zone."""
        return datetime.combine(day, at, tzinfo=self.tz)

    def session_start(self, session: SessionSpec) -> datetime:
        return self.local(session.day, session.start).astimezone(UTC)

    def session_end(self, session: SessionSpec) -> datetime:
        return self.local(session.day, session.end).astimezone(UTC)

    def agenda(self) -> list[SessionSpec]:
        """Sessions in time order."""
        return sorted(self.sessions.values(), key=lambda s: (s.day, s.start, s.end, s.id))

    def staff_ids(self) -> set[str]:
        """Roster ids of organizers and of every facilitator, event-wide or per session."""
        ids = set(self.organizers) | set(self.facilitators)
        for session in self.sessions.values():
            ids.update(session.facilitators)
        return {self.person(ref).id for ref in ids if self.person(ref)}  # type: ignore[union-attr]


# --------------------------------------------------------------------------- loading


ROSTER_COLUMNS = ("id", "name", "email", "slack_id", "team", "role")
REQUIRED_ROSTER_COLUMNS = ("id", "name", "team", "role")
TOP_LEVEL = {
    "event": "the event's name, time zone and days",
    "roles": "the role list",
    "teams": "the teams (districts)",
    "roster": "the roster CSV path",
    "organizers": "organizer roster ids or emails",
    "facilitators": "event-wide facilitator ids or emails",
    "channels": "channels by purpose",
    "sessions": "the agenda",
    "polls": "the polls",
    "reminders": "when reminders go out (minutes before, grace for late sends)",
    "headlines": "which session collects vision headlines, and when collection closes",
    "wordcloud": "word cloud size, colours, font and extra stop words",
    "closing": "what the closing session shows",
    "summaries": "when organizers get summaries (minutes after each session, the daily digest)",
}


class _Collector:
    def __init__(self, source_name: str, src: YamlSource | None) -> None:
        self.name = source_name
        self.src = src
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str, *, label: str | None = None) -> None:
        line = self.src.line(loc) if self.src else None
        self.problems.append(Problem(self.name, line, label or _format_loc(loc, self._item_id(loc)), message))

    def _item_id(self, loc: Loc) -> Any:
        """For `sessions[3]`-style locations, a function naming the item by its id."""
        data = self.src.data if self.src else None
        if len(loc) < 2 or not isinstance(data, dict) or not isinstance(data.get(loc[0]), list):
            return None
        items = data[loc[0]]

        def label_of(i: int) -> str | None:
            item = items[i] if i < len(items) else None
            return item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None

        return label_of

    def validate(self, adapter: TypeAdapter[Any], value: Any, loc: Loc, label_of: Any = None) -> Any:
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            for err in exc.errors():
                where = (*loc, *err["loc"])
                self.add(where, _friendly(err), label=_format_loc(where, label_of))
            return None


def _format_loc(loc: Loc, label_of: Any = None) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            if label_of is not None and out.count("[") == 1:
                ident = label_of(part)
                if ident:
                    out += f" ({ident})"
        else:
            out += f".{part}" if out else str(part)
    return out


def _friendly(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field (check the spelling)"
    if kind == "missing":
        return "required field is missing"
    if kind == "string_pattern_mismatch":
        return "must be lower-case letters, digits, '-' or '_' (at most 64)"
    msg = str(err["msg"])
    return msg[len("Value error, ") :] if msg.startswith("Value error, ") else msg


def load_event(path: str | Path, *, check_colormap: bool = True) -> Event:
    """Load and validate an event file and its roster; raise EventFileError listing every problem.

    `check_colormap=False` skips the one check that loads matplotlib (about 30 MB):
    for `convene serve`'s worker processes, whose parent has checked the whole file.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise EventFileError([Problem(name, None, "", "file not found")])
    try:
        src = YamlSource.load(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise EventFileError(
            [Problem(name, line, "", f"not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None
    out = _Collector(name, src)
    data = src.data
    if not isinstance(data, dict):
        raise EventFileError(
            [Problem(name, 1, "", "expected a mapping with 'event', 'sessions', 'polls', ...")]
        )

    for key in data:
        if key not in TOP_LEVEL:
            out.add((key,), f"unknown section; expected one of: {', '.join(TOP_LEVEL)}")

    info = out.validate(TypeAdapter(EventInfo), data.get("event"), ("event",)) if "event" in data else None
    if "event" not in data:
        out.add((), "missing the 'event' section (name, timezone, days)", label="event")

    roles = (
        _validate_list(out, data, "roles", RoleSpec) if "roles" in data else list(enumerate(DEFAULT_ROLES))
    )
    teams = _validate_list(out, data, "teams", TeamSpec)
    sessions = _validate_list(out, data, "sessions", SessionSpec)
    polls = _validate_list(out, data, "polls", PollSpec)
    organizers = out.validate(TypeAdapter(list[str]), data.get("organizers", []), ("organizers",)) or []
    facilitators = out.validate(TypeAdapter(list[str]), data.get("facilitators", []), ("facilitators",)) or []
    channels = out.validate(TypeAdapter(dict[str, str]), data.get("channels", {}), ("channels",)) or {}
    reminders = out.validate(TypeAdapter(ReminderSettings), data.get("reminders") or {}, ("reminders",))
    headlines = (
        out.validate(TypeAdapter(HeadlineSettings), data["headlines"], ("headlines",))
        if data.get("headlines") is not None
        else None
    )
    cloud = out.validate(TypeAdapter(CloudSettings), data.get("wordcloud") or {}, ("wordcloud",))
    closing = out.validate(TypeAdapter(ClosingSettings), data.get("closing") or {}, ("closing",))
    summaries = out.validate(TypeAdapter(SummarySettings), data.get("summaries") or {}, ("summaries",))

    role_ids = _unique(out, "roles", roles)
    team_ids = _unique(out, "teams", teams)
    _unique(out, "sessions", sessions)
    _unique(out, "polls", polls)

    people: dict[str, Person] = {}
    roster_ref = data.get("roster")
    if roster_ref is None:
        out.add((), "missing 'roster: <file>.csv' (the people attending)", label="roster")
    elif not isinstance(roster_ref, str):
        out.add(("roster",), "must be the path of a CSV file, relative to the event file")
    else:
        roster_path = (path.parent / roster_ref).resolve()
        people, roster_problems = load_roster(
            roster_path, display=str(path.parent / roster_ref), roles=set(role_ids), teams=set(team_ids)
        )
        out.problems.extend(roster_problems)

    event_days = set(info.days) if info else set()
    _check_channels(out, channels)
    _check_people_refs(out, ("organizers",), organizers, people)
    _check_people_refs(out, ("facilitators",), facilitators, people)
    _check_sessions(out, sessions, event_days, people, set(role_ids), channels)
    # A session that failed validation is still in the file: a poll naming it is not "unknown".
    raw = data.get("sessions")
    raw_sessions: list[Any] = raw if isinstance(raw, list) else []
    session_ids = {s.id for _, s in sessions} | {
        item["id"] for item in raw_sessions if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    _check_polls(out, polls, session_ids)
    _check_closing(out, path, headlines, cloud, closing, sessions, polls, check_colormap=check_colormap)
    if info is not None and len(set(info.days)) != len(info.days):
        out.add(("event", "days"), "a day is listed twice")

    if out.problems:
        raise EventFileError(out.problems)
    assert info is not None
    return Event(
        path=path,
        info=info,
        roles={r.id: r for _, r in roles},
        teams={t.id: t for _, t in teams},
        people=people,
        organizers=[people_ref_id(people, r) for r in organizers],
        facilitators=[people_ref_id(people, r) for r in facilitators],
        channels={k: v.lstrip("#") for k, v in channels.items()},
        sessions={s.id: s for _, s in sessions},
        polls={p.id: p for _, p in polls},
        reminders=reminders or ReminderSettings(),
        headlines=headlines,
        wordcloud=cloud or CloudSettings(),
        closing=closing or ClosingSettings(),
        summaries=summaries or SummarySettings(),
    )


def _validate_list(out: _Collector, data: dict[str, Any], key: str, model: type[Strict]) -> list[Any]:
    """Validate each item on its own, so one bad session does not hide the others' problems."""
    raw = data.get(key, [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        out.add((key,), "must be a list")
        return []
    adapter = TypeAdapter(model)
    items = []

    def label_of(i: int) -> str | None:
        item = raw[i] if i < len(raw) else None
        return item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None

    for index, item in enumerate(raw):
        value = out.validate(adapter, item, (key, index), label_of)
        if value is not None:
            items.append((index, value))
    return items


def _unique(out: _Collector, key: str, items: Iterable[tuple[int, Any]]) -> list[str]:
    seen: dict[str, int] = {}
    for index, item in items:
        if item.id in seen:
            out.add((key, index, "id"), f"duplicate id {item.id!r} (first used at {key}[{seen[item.id]}])")
        else:
            seen[item.id] = index
    return list(seen)


def people_ref_id(people: dict[str, Person], ref: str) -> str:
    """Resolve a roster reference (id or email) to a roster id."""
    if ref in people:
        return ref
    lowered = ref.lower()
    for person in people.values():
        if person.email and person.email.lower() == lowered:
            return person.id
    return ref


def _check_people_refs(out: _Collector, loc: Loc, refs: list[str], people: dict[str, Person]) -> None:
    if not people:
        return
    for index, ref in enumerate(refs):
        if people_ref_id(people, ref) not in people:
            out.add((*loc, index), f"{ref!r} is not in the roster (use a roster id or email)")


def _check_channels(out: _Collector, channels: dict[str, str]) -> None:
    for purpose, name in channels.items():
        if not CHANNEL_NAME.match(name):
            out.add(
                ("channels", purpose), f"{name!r} is not a valid Slack channel name (lower-case, no spaces)"
            )


def _check_sessions(
    out: _Collector,
    sessions: list[tuple[int, SessionSpec]],
    days: set[date],
    people: dict[str, Person],
    roles: set[str],
    channels: dict[str, str],
) -> None:
    for index, s in sessions:
        if days and s.day not in days:
            listed = ", ".join(str(d) for d in sorted(days))
            out.add(("sessions", index, "day"), f"{s.day} is not one of the event's days ({listed})")
        if s.end <= s.start:
            out.add(("sessions", index, "end"), f"ends at {s.end:%H:%M}, not after its start {s.start:%H:%M}")
        if s.channel and not CHANNEL_NAME.match(s.channel) and s.channel.lstrip("#") not in channels:
            out.add(("sessions", index, "channel"), f"{s.channel!r} is not a valid Slack channel name")
        _check_people_refs(out, ("sessions", index, "facilitators"), s.facilitators, people)
        if s.kind == SessionKind.ROLE_ALIKE and s.role is None:
            out.add(("sessions", index, "role"), "a role_alike session needs the role it gathers")
        if s.role is not None and s.role not in roles:
            out.add(
                ("sessions", index, "role"), f"unknown role {s.role!r} (roles: {', '.join(sorted(roles))})"
            )
    # Two sessions cannot share a room at the same time.
    by_room: dict[tuple[date, str], list[tuple[int, SessionSpec]]] = {}
    for index, s in sessions:
        if s.room:
            by_room.setdefault((s.day, s.room.strip().lower()), []).append((index, s))
    for group in by_room.values():
        group.sort(key=lambda pair: pair[1].start)
        for (_, a), (j, b) in zip(group, group[1:], strict=False):
            if b.start < a.end:
                out.add(
                    ("sessions", j, "start"),
                    f"overlaps {a.id!r} ({a.start:%H:%M}-{a.end:%H:%M}) in room {b.room!r}",
                )


def _check_polls(out: _Collector, polls: list[tuple[int, PollSpec]], session_ids: set[str]) -> None:
    for index, p in polls:
        loc: Loc = ("polls", index)
        if p.pre_event is not None:
            pre = p.pre_event
            if p.session is not None:
                out.add(
                    (*loc, "session"), "a pre_event poll is sent by DM before the event; it has no session"
                )
            if pre.closes <= pre.opens:
                out.add((*loc, "pre_event", "closes"), "closes before it opens")
            for i, nudge in enumerate(pre.nudges):
                if not pre.opens < nudge < pre.closes:
                    out.add((*loc, "pre_event", "nudges", i), "a nudge must fall between opens and closes")
        if p.session is not None and p.session not in session_ids:
            out.add((*loc, "session"), f"unknown session {p.session!r}")
        if p.dm is not None:
            if p.pre_event is not None:
                out.add((*loc, "dm"), "give either pre_event or dm, not both")
            if p.dm.opens not in session_ids:
                try:
                    _local_datetime(p.dm.opens)
                except ValueError:
                    out.add(
                        (*loc, "dm", "opens"),
                        f'{p.dm.opens!r} is neither a session id nor a "YYYY-MM-DD HH:MM" time',
                    )
        if p.kind == PollKind.SURVEY:
            if not 1 <= len(p.statements) <= MAX_OPTIONS:
                out.add((*loc, "statements"), f"a survey needs 1 to {MAX_OPTIONS} statements to rate")
            if len(p.options) > MAX_OPTIONS or any(
                len(o) > MAX_OPTION_CHARS or not o.strip() for o in p.options
            ):
                out.add(
                    (*loc, "options"),
                    f"a survey takes at most {MAX_OPTIONS} interest options of at most "
                    f"{MAX_OPTION_CHARS} characters",
                )
        elif p.statements or p.comments:
            out.add(
                (*loc, "statements" if p.statements else "comments"),
                "statements and comments are for surveys",
            )
        if p.kind in (PollKind.SINGLE, PollKind.MULTIPLE):
            if not 2 <= len(p.options) <= MAX_OPTIONS:
                out.add((*loc, "options"), f"a {p.kind} poll needs 2 to {MAX_OPTIONS} options")
            seen: set[str] = set()
            for i, option in enumerate(p.options):
                if not option.strip():
                    out.add((*loc, "options", i), "empty option")
                elif len(option) > MAX_OPTION_CHARS:
                    out.add(
                        (*loc, "options", i), f"longer than {MAX_OPTION_CHARS} characters (Slack's limit)"
                    )
                if option.strip().lower() in seen:
                    out.add((*loc, "options", i), f"duplicate option {option!r}")
                seen.add(option.strip().lower())
        elif p.options and p.kind != PollKind.SURVEY:
            out.add((*loc, "options"), f"a {p.kind} poll takes no options")
        if p.labels is not None:
            if p.kind != PollKind.RATING:
                out.add((*loc, "labels"), "labels are only for rating polls")
            for key in p.labels:
                if key not in range(1, 6):
                    out.add((*loc, "labels"), f"label key {key} is outside 1..5")


def _check_closing(
    out: _Collector,
    path: Path,
    headlines: HeadlineSettings | None,
    cloud: CloudSettings | None,
    closing: ClosingSettings | None,
    sessions: list[tuple[int, SessionSpec]],
    polls: list[tuple[int, PollSpec]],
    *,
    check_colormap: bool,
) -> None:
    session_ids = {s.id for _, s in sessions}
    if headlines is not None and headlines.session not in session_ids:
        out.add(("headlines", "session"), f"unknown session {headlines.session!r}")
    if cloud is not None and cloud.font and not (path.parent / cloud.font).is_file():
        out.add(("wordcloud", "font"), f"font file {cloud.font!r} not found (relative to the event file)")
    if cloud is not None and check_colormap:
        try:
            from matplotlib import colormaps

            if cloud.colormap not in colormaps:
                out.add(
                    ("wordcloud", "colormap"),
                    f"unknown colormap {cloud.colormap!r} (e.g. viridis, plasma, Blues, tab10)",
                )
        except ImportError:  # pragma: no cover - matplotlib comes with wordcloud
            pass
    if closing is not None:
        text_polls = {p.id for _, p in polls if p.kind == PollKind.OPEN_TEXT}
        for i, name in enumerate(closing.wordclouds):
            if name == "headlines":
                if headlines is None:
                    out.add(("closing", "wordclouds", i), "add a 'headlines:' section to collect headlines")
            elif name not in text_polls:
                out.add(("closing", "wordclouds", i), f"{name!r} is not an open-text poll (or 'headlines')")


def load_roster(
    path: Path, *, display: str, roles: set[str], teams: set[str]
) -> tuple[dict[str, Person], list[Problem]]:
    """Read the roster CSV; return people by id and the problems found (line numbers are the file's)."""
    problems: list[Problem] = []

    def bad(line: int | None, fld: str, message: str) -> None:
        problems.append(Problem(display, line, fld, message))

    if not path.is_file():
        bad(None, "", "roster file not found")
        return {}, problems
    people: dict[str, Person] = {}
    emails: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            bad(1, "", "empty roster; expected a header row: " + ",".join(ROSTER_COLUMNS))
            return {}, problems
        columns = [h.strip().lower() for h in header]
        unknown = [c for c in columns if c not in ROSTER_COLUMNS]
        missing = [c for c in REQUIRED_ROSTER_COLUMNS if c not in columns]
        if unknown:
            bad(
                1,
                "header",
                f"unknown column(s) {', '.join(unknown)}; columns are {', '.join(ROSTER_COLUMNS)}",
            )
        if missing:
            bad(1, "header", f"missing column(s) {', '.join(missing)}")
        if unknown or missing:
            return {}, problems
        for row in _rows(reader):
            line, values = row
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                bad(
                    line,
                    "",
                    f"{len(values)} fields where the header has {len(columns)}"
                    + (
                        " (a stray comma? quote values that contain commas)"
                        if len(values) > len(columns)
                        else ""
                    ),
                )
                continue
            rec = {c: v.strip() for c, v in zip(columns, values, strict=True)}
            pid, email, slack_id = rec["id"], rec.get("email") or None, rec.get("slack_id") or None
            if not re.match(ID_PATTERN, pid):
                bad(line, "id", f"{pid!r} must be lower-case letters, digits, '-' or '_'")
            elif pid in people:
                bad(line, "id", f"duplicate id {pid!r}")
            if not rec["name"]:
                bad(line, "name", "required")
            if email and not EMAIL.match(email):
                bad(line, "email", f"{email!r} is not an email address")
            elif email and email.lower() in emails:
                bad(line, "email", f"{email} already used on line {emails[email.lower()]}")
            if slack_id and not SLACK_USER_ID.match(slack_id):
                bad(line, "slack_id", f"{slack_id!r} is not a Slack user id (like U024BE7LH)")
            if not email and not slack_id:
                bad(line, "email", "give an email (to look the person up in Slack) or a slack_id")
            # Someone on two district teams lists both: "north-usd; south-usd".
            member_of = tuple(t.strip() for t in rec["team"].split(";") if t.strip())
            for team in member_of:
                if team not in teams:
                    bad(line, "team", f"unknown team {team!r}")
            role = rec["role"] or "other"
            if role not in roles:
                bad(line, "role", f"unknown role {role!r} (roles: {', '.join(sorted(roles))})")
            if email:
                emails.setdefault(email.lower(), line)
            first = member_of[0] if member_of else None
            people.setdefault(pid, Person(pid, rec["name"], email, slack_id, first, role, member_of))
    return people, problems


def _rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on (a quoted value may span lines)."""
    start = reader.line_num + 1
    for values in reader:
        yield start, values
        start = reader.line_num + 1
