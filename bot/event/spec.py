"""The event file's shape: the models its sections validate into, the roster's `Person`,
and the `Event` the rest of the bot reads.

`Problem` and `EventFileError` are how loading reports what is wrong: every problem,
each with the file, line and field it concerns.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale
from babel.lists import format_list
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from bot.event.files import visible

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
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return visible(text)  # a key or value may hold an escape sequence meant for the terminal


class EventFileError(Exception):
    """The event file or roster has problems; `problems` lists them all, `warnings` what is
    doubtful but would work."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        self.problems = problems
        self.warnings = warnings or []
        super().__init__(problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


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
    RANKING = "ranking"  # put the options in order: mean rank and Borda points


class ResultsMode(StrEnum):
    LIVE = "live"
    HIDDEN = "hidden"


DEFAULT_RATING_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}


CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def _not_a_number(value: Any, what: str, error: type[ValueError] = ValueError) -> None:
    # A bare number would pass pydantic as seconds (since midnight or 1970, UTC): never what was meant.
    if isinstance(value, int | float):
        raise error(f"{value} is not a {what}")


def _clock_time(value: Any) -> Any:
    # An event-local wall time written "HH:MM" (or "H:MM"). The event file's YAML loader keeps an
    # unquoted 16:00 as a string; a bare number is not a time, nor is a time with a UTC offset.
    _not_a_number(value, 'time; write it as "HH:MM", e.g. "16:00"')
    if isinstance(value, str):
        match = CLOCK.match(value.strip())
        if match:
            return time(int(match[1]), int(match[2]))
    return value


def _wall_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give the event-local time with no UTC offset (the event's timezone applies)")
    return value


# Far enough either side of any real event; beyond them a reminder's UTC instant can fall
# outside what a datetime holds (year 1 or 9999), and the scheduler's timestamps go odd.
FIRST_YEAR = 1970
LAST_YEAR = 2199
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2}) +(\d{1,2}):(\d{2})$")


def _calendar_date(value: Any) -> Any:
    """'2026-04-17' (or YAML's own date) as a date; anything else is left to pydantic."""
    _not_a_number(value, "date; write it as YYYY-MM-DD")
    if isinstance(value, str):
        match = _DATE.match(value.strip())
        if match is None:
            raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD")
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date ({exc})") from None
    return value


class NotADateTime(ValueError):
    """Not written as a date and time at all (as opposed to a date and time that cannot be)."""


def local_datetime(value: Any) -> Any:
    """'2015-05-01 09:00' (event-local wall time) as a naive datetime."""
    _not_a_number(value, 'date and time; write it as "YYYY-MM-DD HH:MM"', NotADateTime)
    if isinstance(value, str):
        match = _DATE_TIME.match(value.strip())
        if match is None:
            raise NotADateTime(f'{value!r} is not a date and time; write it as "YYYY-MM-DD HH:MM"')
        try:
            year, month, day, hour, minute = (int(part) for part in match.groups())
            return datetime(year, month, day, hour, minute)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date and time ({exc})") from None
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError("give the event's local time without a UTC offset")
    return value


def in_range(value: Any) -> Any:
    """`value`, if its year is one an event can have."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        shown = value.isoformat(" ", "minutes") if isinstance(value, datetime) else value.isoformat()
        raise ValueError(f"{shown} is out of range: the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


EventDate = Annotated[date, BeforeValidator(_calendar_date), AfterValidator(in_range)]
LocalDateTime = Annotated[datetime, BeforeValidator(local_datetime), AfterValidator(in_range)]


class EventInfo(Strict):
    name: str = Field(min_length=1, max_length=150)
    short_name: str | None = Field(default=None, max_length=60)
    timezone: str
    days: list[EventDate] = Field(min_length=1)
    venue: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception:  # noqa: BLE001 - a folder, a path, a name too long, a bad file: all "unknown"
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


class TeamKindSpec(Strict):
    """A kind of team (district, county office, ...) and the nouns that count it."""

    id: str = Field(pattern=ID_PATTERN)
    singular: str = Field(min_length=1, max_length=60)  # "county office": "1 county office"
    plural: str = Field(min_length=1, max_length=60)  # "county offices": "3 county offices"


DEFAULT_TEAM_KIND = "district"
DEFAULT_TEAM_KINDS = [
    TeamKindSpec(id="district", singular="district team", plural="district teams"),
    TeamKindSpec(id="county_office", singular="county office", plural="county offices"),
]


class TeamSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=150)
    kind: str = DEFAULT_TEAM_KIND  # one of the team kinds' ids
    tags: list[Annotated[str, Field(pattern=ID_PATTERN)]] = []  # e.g. [new], for a session's audience


class TeamSize(Strict):
    """How many people on the roster a team may have (staff, with no team, are not counted)."""

    min: int | None = Field(default=None, ge=1, le=1000)
    max: int | None = Field(default=None, ge=1, le=1000)

    @field_validator("max")
    @classmethod
    def _max_not_below_min(cls, value: int | None, info: Any) -> int | None:
        low = info.data.get("min")
        if value is not None and low is not None and value < low:
            raise ValueError(f"max ({value}) is below min ({low})")
        return value


class AudienceSpec(Strict):
    """Who a session or poll is for. Each list given narrows it: a person is in the audience
    when their team is one of `teams`, of one of `team_kinds` and has one of `tags`, and their
    role is one of `roles` (lists not given do not narrow)."""

    teams: list[str] = []
    team_kinds: list[str] = []
    tags: list[str] = []
    roles: list[str] = []

    def narrows_teams(self) -> bool:
        return bool(self.teams or self.team_kinds or self.tags)

    def takes_team(self, team: TeamSpec) -> bool:
        """Whether a team passes the team lists (teams, team_kinds, tags)."""
        return (
            (not self.teams or team.id in self.teams)
            and (not self.team_kinds or team.kind in self.team_kinds)
            and (not self.tags or bool(set(self.tags) & set(team.tags)))
        )


QA_START, QA_END = "start", "end"


def _qa_moment(value: Any) -> Any:
    """A Q&A's `opens` or `closes`: "start" or "end" (of its session), an event-local "HH:MM"
    on the session's day, or "YYYY-MM-DD HH:MM"; None: only by /qa open or /qa close."""
    if value is None:
        return None
    _not_a_number(value, 'time; write "start", "end", "HH:MM" or "YYYY-MM-DD HH:MM"')
    if not isinstance(value, str):
        raise ValueError('write "start", "end", "HH:MM" or "YYYY-MM-DD HH:MM"')
    text = value.strip()
    if text in (QA_START, QA_END) or CLOCK.match(text):
        return text
    try:
        in_range(local_datetime(text))
    except NotADateTime:
        raise ValueError(f'{value!r} is not "start", "end", "HH:MM" or "YYYY-MM-DD HH:MM"') from None
    return text


def qa_moment(value: str, session: Any, zone: ZoneInfo) -> datetime:
    """When a Q&A's `opens` or `closes` (already checked by `_qa_moment`) falls, in UTC, for
    `session` (a SessionSpec) in the event's `zone`."""
    if value == QA_START:
        local = datetime.combine(session.day, session.start)
    elif value == QA_END:
        local = datetime.combine(session.day, session.end)
    elif match := CLOCK.match(value):
        local = datetime.combine(session.day, time(int(match[1]), int(match[2])))
    else:
        local = local_datetime(value)
    return local.replace(tzinfo=zone).astimezone(UTC)


class QaSpec(Strict):
    """A session's audience Q&A: when it opens and closes by itself, whether a moderator
    approves each question before it shows (and who moderates: by default the session's
    facilitators, else the organizers), and whether people may ask without their name."""

    opens: str | None = QA_START
    closes: str | None = QA_END
    moderated: bool = False
    anonymous: bool = True
    moderators: list[str] = []

    _moments = field_validator("opens", "closes", mode="before")(_qa_moment)


def _web_address(value: str) -> str:
    """An http(s) address as written: Slack links it, so it must be one a browser opens."""
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a web address") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not a web address; write it with http:// or https://")
    # Slack's link markup <url|title> ends at | or >; a space or a line break ends the link.
    if any(c in text for c in "<>|") or any(c.isspace() for c in text):
        raise ValueError(f"{value!r} holds a space or one of < > |; percent-encode it (%20, %7C)")
    return text


WebAddress = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_web_address)]


class PresenterSpec(Strict):
    """Who presents a session: a name, and the organization they come from."""

    name: str = Field(min_length=1, max_length=150)
    affiliation: str | None = Field(default=None, max_length=150)


class MaterialSpec(Strict):
    """A session's slides, handout or article: a title and the web address it lives at."""

    title: str = Field(min_length=1, max_length=150)
    url: WebAddress


def _session_qa(value: Any) -> Any:
    """A session's `qa:`: true is a Q&A that sets nothing of its own, false is none, else its keys."""
    if value is True:
        return {}
    if value is False:
        return None
    if value is None or isinstance(value, dict | QaSpec):
        return value
    keys = ", ".join(QaSpec.model_fields)
    raise ValueError(f"write true, false, or a mapping of its keys ({keys}), not {value!r}")


class SessionSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=150)
    day: EventDate
    start: time
    end: time
    kind: SessionKind
    room: str | None = None
    channel: str | None = None
    facilitators: list[str] = []
    role: str | None = None
    description: str | None = Field(default=None, max_length=2000)
    presenters: list[PresenterSpec] = Field(default=[], max_length=20)
    materials: list[MaterialSpec] = Field(default=[], max_length=20)  # may be added after the session
    reminders: list[int] | None = None  # minutes before; None: the event default ([] for meals)
    audience: AudienceSpec | None = None  # None: everyone the session's kind is for
    qa: QaSpec | None = None  # audience Q&A; `qa: true`: with the event's `qa:` defaults

    _times = field_validator("start", "end", mode="before")(_clock_time)
    _qa = field_validator("qa", mode="before")(lambda v: _session_qa(v))
    _offsets = field_validator("reminders")(lambda v: _check_offsets(v))
    _wall_times = field_validator("start", "end")(_wall_time)

    @field_validator("materials")
    @classmethod
    def _each_address_once(cls, value: list[MaterialSpec]) -> list[MaterialSpec]:
        # An address is what tells attendees a material is new: the same one twice is a slip.
        seen = Counter(m.url for m in value)
        twice = [url for url, n in seen.items() if n > 1]
        if twice:
            raise ValueError(f"{twice[0]} is listed twice")
        return value


def _check_offsets(value: list[int] | None) -> list[int] | None:
    if value is None:
        return None
    if any(m < 0 or m > 7 * 24 * 60 for m in value):
        raise ValueError("minutes before must be between 0 and 10080 (a week)")
    if len(set(value)) != len(value):
        raise ValueError("an offset is listed twice")
    return sorted(value, reverse=True)


class ReminderSettings(Strict):
    """When reminders go out, unless a session says otherwise."""

    minutes_before: list[int] = [15]
    dm_minutes_before: list[int] = [10]
    grace_minutes: int = Field(default=10, ge=0, le=240)

    _offsets = field_validator("minutes_before", "dm_minutes_before")(lambda v: _check_offsets(v))


class PreEventSpec(Strict):
    """A poll sent by DM to everyone before the event: when it opens, nudges, closes (event-local)."""

    opens: LocalDateTime
    nudges: list[LocalDateTime] = []
    closes: LocalDateTime


class HeadlineSettings(Strict):
    """Vision headlines: the session that collects them, and when collection closes."""

    session: str
    closes: LocalDateTime | None = None  # event-local; default: the end of that session


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


class BreakoutRoundSpec(Strict):
    """One breakout round's own goal (a round: the breakouts that start together), over the
    event's: `at` is the round's start, event-local."""

    at: LocalDateTime
    pairs: bool | None = None  # None: as the event's `breakouts:` says
    team_covers: int | None = Field(default=None, ge=1, le=100)  # different breakouts, in this round
    nudge: int | None = Field(default=None, ge=0, le=7 * 24 * 60)  # minutes before; None: the event's


class BreakoutSettings(Strict):
    """What teams aim for in the breakouts: nobody alone (`pairs`), and together this many
    different breakouts across the rounds (`team_covers`); `nudge`: minutes before each round
    when teams short of it are told by DM what is missing (None: no DM)."""

    pairs: bool = False
    team_covers: int | None = Field(default=None, ge=1, le=100)
    nudge: int | None = Field(default=None, ge=0, le=7 * 24 * 60)
    rounds: list[BreakoutRoundSpec] = Field(default=[], max_length=100)


def breakout_name(title: str) -> str:
    """What makes two breakouts the same one (offered in two rounds): their title, in any case
    and spacing."""
    return " ".join(title.split()).casefold()


class ClosingSettings(Strict):
    """What the closing session shows: the headlines wall and these word clouds."""

    wordclouds: list[str] = []  # open-text poll ids, or "headlines"


class DmSpec(Strict):
    """A poll sent by DM to everyone: `opens` is a session id (its start) or an event-local time."""

    opens: str
    nudges: list[LocalDateTime] = []
    closes: LocalDateTime | None = None


class PollScope(StrEnum):
    """Who answers a poll: each person, or each team once (any member, for the whole team)."""

    PERSON = "person"
    TEAM = "team"


FocusQuestion = Annotated[str, Field(min_length=1, max_length=500)]
MAX_FOCUS_QUESTIONS = 10


class OptionSpec(Strict):
    """An option written as a mapping: its label, and the focus questions a team that chooses
    it discusses next (the symposium's "set of corresponding focus questions")."""

    label: str
    focus_questions: list[FocusQuestion] = Field(default=[], max_length=MAX_FOCUS_QUESTIONS)


def _split_options(data: Any) -> tuple[Any, dict[int, tuple[str, ...]], list[Any]]:
    """A poll's raw fields with each option mapping ({label, focus_questions}) replaced by its
    label; the focus questions by option index; the option mappings' own errors, located."""
    if not isinstance(data, dict) or not isinstance(data.get("options"), list):
        return data, {}, []
    labels: list[Any] = []
    questions: dict[int, tuple[str, ...]] = {}
    errors: list[Any] = []
    for index, item in enumerate(data["options"]):
        if isinstance(item, OptionSpec):
            item = item.model_dump()
        if not isinstance(item, dict):
            labels.append(item)
            continue
        try:
            option = OptionSpec.model_validate(item)
        except ValidationError as exc:
            errors += [_relocated(e, ("options", index)) for e in exc.errors()]
            labels.append(item.get("label") if isinstance(item.get("label"), str) else "?")
            continue
        labels.append(option.label)
        if option.focus_questions:
            questions[index] = tuple(option.focus_questions)
    return {**data, "options": labels}, questions, errors


def _relocated(error: Any, prefix: tuple[str | int, ...]) -> Any:
    """A validation error as an error of the enclosing model, at `prefix` + its own location."""
    found = {"type": error["type"], "loc": (*prefix, *error["loc"]), "input": error.get("input")}
    if error.get("ctx"):
        found["ctx"] = error["ctx"]
    return found


if TYPE_CHECKING:
    OptionList = list[str]
else:
    # The file may write an option as a mapping (`OptionSpec`); once loaded, each is its label.
    OptionList = list[str | OptionSpec]


class PollSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    kind: PollKind
    options: OptionList = []
    labels: dict[int, str] | None = None
    session: str | None = None
    anonymous: bool = False
    results: ResultsMode = ResultsMode.LIVE
    pre_event: PreEventSpec | None = None
    dm: DmSpec | None = None
    statements: list[str] = []  # survey: agreement statements, each rated 1 to 5
    comments: str | None = None  # survey: the prompt for free-text comments
    audience: AudienceSpec | None = None  # None: its session's audience, or everyone
    scope: PollScope = PollScope.PERSON  # team: each team answers once, any member for all
    # Each option's focus questions, by option index: written per option ({label, focus_questions}).
    _focus: dict[int, tuple[str, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _options_with_focus_questions(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(data, dict) and "focus_questions" in data:
            raise ValidationError.from_exception_data(
                cls.__name__,
                [
                    {
                        "type": "value_error",
                        "loc": ("focus_questions",),
                        "input": data["focus_questions"],
                        "ctx": {"error": ValueError("give focus_questions under each option (label: ...)")},
                    }
                ],
            )
        plain, questions, errors = _split_options(data)
        try:
            spec = handler(plain)
        except ValidationError as exc:
            errors += [_relocated(e, ()) for e in exc.errors()]
            spec = None
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        if questions:
            spec._focus = questions
        return spec

    @property
    def focus_questions(self) -> dict[int, tuple[str, ...]]:
        """Each option's focus questions, by option index (options without any are left out)."""
        return self._focus

    def focus_for(self, label: str) -> tuple[str, ...]:
        """The focus questions of the option called `label` (none for an unknown label)."""
        index = next((i for i, option in enumerate(self.options) if option == label), None)
        return self.focus_questions.get(index, ()) if index is not None else ()


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
    line: int | None = field(default=None, compare=False)  # the roster line, for problems


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
    team_kinds: dict[str, TeamKindSpec] = field(default_factory=lambda: {k.id: k for k in DEFAULT_TEAM_KINDS})
    team_size: TeamSize | None = None
    qa: QaSpec = field(default_factory=QaSpec)  # what a session's `qa:` leaves out
    breakouts: BreakoutSettings | None = None  # the teams' goal in the breakout rounds
    warnings: list[Problem] = field(default_factory=list)  # doubtful but workable: `convene check` shows them
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

    def qa_of(self, session: SessionSpec) -> QaSpec | None:
        """A session's Q&A settings: its own `qa:` over the event's `qa:` defaults; None when the
        session has no Q&A in the event file (/qa open still opens one, with the defaults)."""
        own = session.qa
        if own is None:
            return None
        return self.qa.model_copy(update={k: getattr(own, k) for k in own.model_fields_set})

    # ------------------------------------------------------------ who a session or poll is for

    def audience(self, of: SessionSpec | PollSpec | None = None) -> list[Person]:
        """The people a session or poll is for, in roster order: the one rule behind every
        recipient list (reminders, DMs, nudges) and every "N of M answered" denominator.

        A session is for the people its kind gathers (a role_alike's role, team time's team
        members, everyone for the rest; a breakout's audience is who may choose it), narrowed
        by its `audience:`. A poll is for its session's audience (everyone, for a poll with no
        session), narrowed by its own `audience:`. `None`: everyone on the roster.
        """
        return [p for p in self.people.values() if self.is_for(p, of)]

    def is_for(self, person: Person, of: SessionSpec | PollSpec | None) -> bool:
        """Whether `person` is in the audience of a session or poll (see `audience`)."""
        if of is None:
            return True
        if isinstance(of, PollSpec):
            session = self.sessions.get(of.session) if of.session else None
            return (session is None or self.is_for(person, session)) and self._narrowed(person, of.audience)
        if of.kind == SessionKind.ROLE_ALIKE and person.role != of.role:
            return False
        if of.kind == SessionKind.TEAM_TIME and not person.teams:
            return False
        return self._narrowed(person, of.audience)

    def may_answer(self, person: Person | None, poll: PollSpec) -> bool:
        """Whether someone may answer a poll: its audience (`is_for`). Someone not on the roster
        (`None`: a guest in the channel) only when the poll is for everyone: no `audience:` of
        its own or its session's, and not a role-alike's or team time's."""
        if person is not None:
            return self.is_for(person, poll)
        session = self.sessions.get(poll.session) if poll.session else None
        if poll.audience is not None or session is not None and session.audience is not None:
            return False
        return session is None or session.kind not in (SessionKind.ROLE_ALIKE, SessionKind.TEAM_TIME)

    def _narrowed(self, person: Person, audience: AudienceSpec | None) -> bool:
        if audience is None:
            return True
        if audience.roles and person.role not in audience.roles:
            return False
        if not audience.narrows_teams():
            return True
        return any(t in self.teams and audience.takes_team(self.teams[t]) for t in person.teams)

    def audience_teams(self, of: SessionSpec | PollSpec | None = None) -> list[TeamSpec]:
        """The teams a session or poll is for (its `audience:` team lists; roles do not narrow
        teams), in the event file's order: the teams expected to send a headline, say."""
        narrowing = []
        if isinstance(of, PollSpec):
            narrowing.append(of.audience)
            of = self.sessions.get(of.session) if of.session else None
        if of is not None:
            narrowing.append(of.audience)
        return [t for t in self.teams.values() if all(a is None or a.takes_team(t) for a in narrowing)]

    # ------------------------------------------------------------ naming teams

    def team_kind(self, team: TeamSpec) -> TeamKindSpec:
        """A team's kind (the first kind, for a kind the event file does not list)."""
        return self.team_kinds.get(team.kind) or next(iter(self.team_kinds.values()))

    def team_noun(self, count: int, teams: Iterable[TeamSpec] | None = None) -> str:
        """The noun for `count` of these teams (by default, the event's): their kind's noun when
        they are all of one kind ("district teams"), else "team" or "teams"."""
        kinds = (
            {self.team_kind(t).id for t in (self.teams.values() if teams is None else teams)}
            or {self.team_kind(t).id for t in self.teams.values()}
            or set(self.team_kinds)
        )
        if len(kinds) == 1:
            kind = self.team_kinds[kinds.pop()]
            return kind.singular if _one(count) else kind.plural
        return "team" if _one(count) else "teams"

    def count_teams(self, teams: Iterable[TeamSpec] | None = None) -> str:
        """A count of teams by kind, in the kinds' order: "47 district teams and 3 county
        offices"; "0 district teams" when there are none."""
        chosen = list(self.teams.values() if teams is None else teams)
        counts = Counter(self.team_kind(t).id for t in chosen)
        parts = [
            f"{counts[k.id]} {k.singular if _one(counts[k.id]) else k.plural}"
            for k in self.team_kinds.values()
            if counts[k.id]
        ]
        return format_list(parts, locale=LOCALE) if parts else f"0 {self.team_noun(0, chosen)}"

    def staff_ids(self) -> set[str]:
        """Roster ids of organizers and of every facilitator, event-wide or per session."""
        ids = set(self.organizers) | set(self.facilitators)
        for session in self.sessions.values():
            ids.update(session.facilitators)
        return {self.person(ref).id for ref in ids if self.person(ref)}  # type: ignore[union-attr]


LOCALE = "en_US"


def _one(count: int) -> bool:
    """Whether `count` takes the singular (CLDR's plural rule, through Babel)."""
    return Locale.parse(LOCALE).plural_form(count) == "one"
