"""Loading and checking the event file: an organizer's YAML description of the event
plus a roster CSV.

`load_event(path)` returns an `Event` or raises `EventFileError` carrying every
problem found, each with the file, line and field it concerns, so an organizer
can fix them all in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from bot.event.files import UnreadableFile, is_file, is_folder, read_text
from bot.event.roster import load_roster
from bot.event.spec import (
    CHANNEL_NAME,
    DEFAULT_ROLES,
    DEFAULT_TEAM_KINDS,
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    BreakoutSettings,
    ClosingSettings,
    CloudSettings,
    Event,
    EventFileError,
    EventInfo,
    HeadlineSettings,
    NotADateTime,
    Person,
    PollKind,
    PollScope,
    PollSpec,
    Problem,
    QaSpec,
    ReminderSettings,
    RoleSpec,
    SessionKind,
    SessionSpec,
    Strict,
    SummarySettings,
    TeamKindSpec,
    TeamSize,
    TeamSpec,
    breakout_name,
    in_range,
    local_datetime,
    qa_moment,
)
from bot.event.wall_clock import clock_change
from bot.event.yaml_lines import YamlError, YamlSource

Loc = tuple[str | int, ...]

# The example event's file is 22 KB; one of this size is checked in about a second.
MAX_EVENT_FILE_BYTES = 1_000_000

TOP_LEVEL = {
    "event": "the event's name, time zone and days",
    "roles": "the role list",
    "team_kinds": "the kinds of team (district, county office, ...) and the nouns that count them",
    "teams": "the teams (districts), each with its kind and tags",
    "team_size": "how many people a team may have on the roster (min, max)",
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
    "qa": "what a session's audience Q&A does unless the session says otherwise",
    "breakouts": "what teams aim for in the breakout rounds (pairs, how many breakouts) and when they hear",
}


class _Collector:
    def __init__(self, source_name: str, src: YamlSource | None) -> None:
        self.name = source_name
        self.src = src
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, loc: Loc, message: str, *, label: str | None = None, line: int | None = None) -> None:
        self.problems.append(self._at(loc, message, label, line))

    def warn(self, loc: Loc, message: str) -> None:
        self.warnings.append(self._at(loc, message, None, None))

    def _at(self, loc: Loc, message: str, label: str | None, line: int | None) -> Problem:
        if line is None and self.src:
            line = self.src.line(loc)
        return Problem(self.name, line, label or _format_loc(loc, self._item_id(loc)), message)

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


def load_event(path: str | Path, *, check_colormap: bool = True, check_team_size: bool = True) -> Event:
    """Load and validate an event file and its roster; raise EventFileError listing every problem.

    `check_colormap=False` skips the one check that loads matplotlib (about 30 MB):
    for `convene serve`'s worker processes, whose parent has checked the whole file.
    `check_team_size=False` leaves `team_size` unchecked: for a rehearsal's generated roster.
    """
    path = Path(path)
    name = str(path)
    if not is_file(path):
        raise EventFileError([Problem(name, None, "", "file not found")])
    try:
        src = YamlSource.parse(path, read_text(path, limit=MAX_EVENT_FILE_BYTES, what="an event file"))
    except UnreadableFile as exc:
        raise EventFileError([Problem(name, exc.line, "", exc.message)]) from None
    except YamlError as exc:
        raise EventFileError([Problem(name, exc.line, _format_loc(exc.path), exc.message)]) from None
    out = _Collector(name, src)
    data = src.data
    if not isinstance(data, dict):
        raise EventFileError(
            [Problem(name, 1, "", "expected a mapping with 'event', 'sessions', 'polls', ...")]
        )
    for issue in src.issues:
        out.add(issue.path, issue.message, line=issue.line)

    for key in data:
        if key not in TOP_LEVEL:
            out.add((key,), f"unknown section; expected one of: {', '.join(TOP_LEVEL)}")

    info = out.validate(TypeAdapter(EventInfo), data.get("event"), ("event",)) if "event" in data else None
    if "event" not in data:
        out.add((), "missing the 'event' section (name, timezone, days)", label="event")

    roles = (
        _validate_list(out, data, "roles", RoleSpec) if "roles" in data else list(enumerate(DEFAULT_ROLES))
    )
    team_kinds = (
        _validate_list(out, data, "team_kinds", TeamKindSpec)
        if "team_kinds" in data
        else list(enumerate(DEFAULT_TEAM_KINDS))
    )
    teams = _validate_list(out, data, "teams", TeamSpec)
    team_size = (
        out.validate(TypeAdapter(TeamSize), data["team_size"], ("team_size",))
        if data.get("team_size") is not None
        else None
    )
    sessions = _validate_list(out, data, "sessions", SessionSpec)
    polls = _validate_list(out, data, "polls", PollSpec)
    organizers = out.validate(TypeAdapter(list[str]), data.get("organizers", []), ("organizers",)) or []
    facilitators = out.validate(TypeAdapter(list[str]), data.get("facilitators", []), ("facilitators",)) or []
    channels = out.validate(TypeAdapter(dict[str, str]), data.get("channels", {}), ("channels",)) or {}
    reminders = out.validate(TypeAdapter(ReminderSettings), _section(data, "reminders"), ("reminders",))
    headlines = (
        out.validate(TypeAdapter(HeadlineSettings), data["headlines"], ("headlines",))
        if data.get("headlines") is not None
        else None
    )
    cloud = out.validate(TypeAdapter(CloudSettings), _section(data, "wordcloud"), ("wordcloud",))
    closing = out.validate(TypeAdapter(ClosingSettings), _section(data, "closing"), ("closing",))
    summaries = out.validate(TypeAdapter(SummarySettings), _section(data, "summaries"), ("summaries",))
    qa_defaults = out.validate(TypeAdapter(QaSpec), _section(data, "qa"), ("qa",))
    breakouts = (
        out.validate(TypeAdapter(BreakoutSettings), data["breakouts"], ("breakouts",))
        if data.get("breakouts") is not None
        else None
    )

    role_ids = _unique(out, "roles", roles)
    kind_ids = _unique(out, "team_kinds", team_kinds)
    team_ids = _unique(out, "teams", teams)
    _unique(out, "sessions", sessions)
    _unique(out, "polls", polls)

    people: dict[str, Person] = {}
    roster_ref = data.get("roster")
    if roster_ref is None:
        out.add((), "missing 'roster: <file>.csv' (the people attending)", label="roster")
    elif not isinstance(roster_ref, str) or not roster_ref.strip() or is_folder(path.parent / roster_ref):
        out.add(("roster",), "must be the path of a CSV file, relative to the event file")
    else:
        roster_path = path.parent / roster_ref
        # A team or role that failed its own check is still in the file: its problem is reported
        # there, once, not again on every roster row that names it.
        people, roster_problems = load_roster(
            roster_path,
            display=str(roster_path),
            roles=set(role_ids) | _raw_ids(data, "roles"),
            teams=set(team_ids) | _raw_ids(data, "teams"),
        )
        out.problems.extend(roster_problems)

    event_days = set(info.days) if info else set()
    _check_channels(out, channels)
    _check_people_refs(out, ("organizers",), organizers, people)
    _check_people_refs(out, ("facilitators",), facilitators, people)
    _check_sessions(out, sessions, event_days, people, set(role_ids) | _raw_ids(data, "roles"), channels)
    _check_teams(
        out,
        teams,
        set(kind_ids) | _raw_ids(data, "team_kinds"),
        team_size if check_team_size else None,
        people,
    )
    _check_audiences(
        out,
        [*(("sessions", i, s) for i, s in sessions), *(("polls", i, p) for i, p in polls)],
        teams=set(team_ids) | _raw_ids(data, "teams"),
        kinds=set(kind_ids) | _raw_ids(data, "team_kinds"),
        tags={tag for _, t in teams for tag in t.tags},
        roles=set(role_ids) | _raw_ids(data, "roles"),
    )
    # A session that failed validation is still in the file: a poll naming it is not "unknown".
    raw = data.get("sessions")
    raw_sessions: list[Any] = raw if isinstance(raw, list) else []
    session_ids = {s.id for _, s in sessions} | {
        item["id"] for item in raw_sessions if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    _check_polls(out, polls, session_ids)
    _check_team_polls(out, polls, has_teams=bool(teams) or bool(_raw_ids(data, "teams")))
    if qa_defaults is not None and info is not None:
        _check_qa(out, sessions, qa_defaults, people, ZoneInfo(info.timezone))
    _check_closing(out, path, headlines, cloud, closing, sessions, polls, check_colormap=check_colormap)
    if breakouts is not None:
        _check_breakouts(out, breakouts, sessions)
    if info is not None and len(set(info.days)) != len(info.days):
        out.add(("event", "days"), "a day is listed twice")
    if info is not None:
        _check_wall_times(out, info.timezone, sessions, polls, headlines, session_ids)

    if out.problems:
        raise EventFileError(out.problems, out.warnings)
    assert info is not None
    event = Event(
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
        team_kinds={k.id: k for _, k in team_kinds},
        team_size=team_size,
        qa=qa_defaults or QaSpec(),
        breakouts=breakouts,
        warnings=out.warnings,
    )
    if people:
        for key, index, item in [
            *(("sessions", i, s) for i, s in sessions),
            *(("polls", i, p) for i, p in polls),
        ]:
            if item.audience is not None and not event.audience(item):
                out.warn((key, index, "audience"), "nobody on the roster is in this audience")
    return event


def _section(data: dict[str, Any], key: str) -> Any:
    """A settings section, `{}` (all defaults) when absent or empty."""
    value = data.get(key)
    return {} if value is None else value


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


def _raw_ids(data: dict[str, Any], key: str) -> set[str]:
    """The ids written in a list section, valid items or not."""
    raw = data.get(key)
    items: list[Any] = raw if isinstance(raw, list) else []
    return {item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)}


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


def _check_teams(
    out: _Collector,
    teams: list[tuple[int, TeamSpec]],
    kinds: set[str],
    size: TeamSize | None,
    people: dict[str, Person],
) -> None:
    for index, team in teams:
        if team.kind not in kinds:
            out.add(
                ("teams", index, "kind"),
                f"unknown team kind {team.kind!r} (team kinds: {', '.join(sorted(kinds))})",
            )
    if size is None or not people:
        return
    members: dict[str, list[Person]] = {}
    for person in people.values():
        for team_id in person.teams:
            members.setdefault(team_id, []).append(person)
    roster = _roster_display(out)
    for index, team in teams:
        on_team = sorted(members.get(team.id, []), key=lambda p: p.line or 0)
        lines = ", ".join(str(p.line) for p in on_team if p.line)
        if size.max is not None and len(on_team) > size.max:
            first_extra = on_team[size.max]
            out.problems.append(
                Problem(
                    roster,
                    first_extra.line,
                    "team",
                    f"{team.id!r} has {len(on_team)} people on the roster (lines {lines}); "
                    f"team_size allows at most {size.max}",
                )
            )
        if size.min is not None and len(on_team) < size.min:
            out.add(
                ("teams", index),
                f"{len(on_team)} {'person' if len(on_team) == 1 else 'people'} on the roster"
                + (f" (lines {lines})" if lines else "")
                + f"; team_size asks for at least {size.min}",
            )


def _roster_display(out: _Collector) -> str:
    """The roster's name as its problems show it: beside the event file."""
    data = out.src.data if out.src else None
    ref = data.get("roster") if isinstance(data, dict) else None
    return str(Path(out.name).parent / ref) if isinstance(ref, str) else out.name


def _check_audiences(
    out: _Collector,
    items: list[tuple[str, int, SessionSpec | PollSpec]],
    *,
    teams: set[str],
    kinds: set[str],
    tags: set[str],
    roles: set[str],
) -> None:
    """Every team, team kind, tag and role an `audience:` names exists."""
    for key, index, item in items:
        if item.audience is None:
            continue
        audience = item.audience
        for field_name, names, known, what in (
            ("teams", audience.teams, teams, "team"),
            ("team_kinds", audience.team_kinds, kinds, "team kind"),
            ("roles", audience.roles, roles, "role"),
        ):
            for i, name in enumerate(names):
                if name not in known:
                    out.add(
                        (key, index, "audience", field_name, i),
                        f"unknown {what} {name!r} ({field_name}: {', '.join(sorted(known)) or 'none'})",
                    )
        for i, tag in enumerate(audience.tags):
            if tag not in tags:
                shown = f"tags in use: {', '.join(sorted(tags))}" if tags else "no team has tags"
                out.add(
                    (key, index, "audience", "tags", i),
                    f"no team has the tag {tag!r} ({shown}; give a team `tags: [{tag}]`)",
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
                opens = _dm_opens(p.dm.opens)
                if opens is None:
                    out.add(
                        (*loc, "dm", "opens"),
                        f'{p.dm.opens!r} is neither a session id nor a "YYYY-MM-DD HH:MM" time',
                    )
                elif isinstance(opens, str):
                    out.add((*loc, "dm", "opens"), opens)
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
        if p.kind in (PollKind.SINGLE, PollKind.MULTIPLE, PollKind.RANKING):
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


def _check_team_polls(out: _Collector, polls: list[tuple[int, PollSpec]], *, has_teams: bool) -> None:
    """A team poll is one choice per team, named and answered where its session meets; focus
    questions go with the options of a team poll."""
    for index, p in polls:
        loc: Loc = ("polls", index)
        if p.scope != PollScope.TEAM:
            for option in sorted(p.focus_questions):
                out.add(
                    (*loc, "options", option, "focus_questions"),
                    "focus questions go to the team that chooses this option: give the poll `scope: team`",
                )
            continue
        if p.kind != PollKind.SINGLE:
            out.add((*loc, "kind"), "a team poll is single_choice: each team names one answer")
        if p.anonymous:
            out.add(
                (*loc, "anonymous"),
                "a team poll shows teammates who gave the team's answer; it cannot be anonymous",
            )
        for key in ("pre_event", "dm"):
            if getattr(p, key) is not None:
                out.add(
                    (*loc, key), "a team poll is answered in its session's channel; give it a session instead"
                )
        if not has_teams:
            out.add((*loc, "scope"), "the event has no teams to answer a team poll (add a 'teams:' section)")


def _check_qa(
    out: _Collector,
    sessions: list[tuple[int, SessionSpec]],
    defaults: QaSpec,
    people: dict[str, Person],
    zone: ZoneInfo,
) -> None:
    """Every session's Q&A: moderators on the roster, a channel to open in on schedule, and a
    close after the open."""
    _check_people_refs(out, ("qa", "moderators"), defaults.moderators, people)
    for index, s in sessions:
        own = s.qa
        if own is None:
            continue
        given = own.model_fields_set
        qa = defaults.model_copy(update={k: getattr(own, k) for k in given})
        _check_people_refs(out, ("sessions", index, "qa", "moderators"), own.moderators, people)
        if qa.opens is not None and not s.channel:
            out.add(
                ("sessions", index, "qa"),
                "Q&A opens in the session's channel: give the session a `channel:`, or "
                "`opens: ~` to open it only with /qa open",
            )
        if qa.opens is not None and qa.closes is not None:
            opens, closes = qa_moment(qa.opens, s, zone), qa_moment(qa.closes, s, zone)
            if closes <= opens:
                where = "closes" if "closes" in given or "opens" not in given else "opens"
                out.add(
                    ("sessions", index, "qa", where),
                    f"Q&A closes ({qa.closes}) before it opens ({qa.opens})",
                )


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
    if cloud is not None and cloud.font and not is_file(path.parent / cloud.font):
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


def _check_breakouts(
    out: _Collector, goal: BreakoutSettings, sessions: list[tuple[int, SessionSpec]]
) -> None:
    """A goal the breakouts can meet: rounds that exist, and no more different breakouts
    than are offered (across the rounds, or in a round)."""
    rounds: dict[datetime, set[str]] = {}
    for _, s in sessions:
        if s.kind == SessionKind.BREAKOUT:
            rounds.setdefault(datetime.combine(s.day, s.start), set()).add(breakout_name(s.title))
    if not rounds:
        out.add(("breakouts",), "there are no breakout sessions (kind: breakout) for this goal")
        return
    offered = set().union(*rounds.values())
    if goal.team_covers is not None and goal.team_covers > len(offered):
        out.add(
            ("breakouts", "team_covers"),
            f"{goal.team_covers} is more than the {len(offered)} different breakouts offered",
        )
    starts = ", ".join(f"{at:%Y-%m-%d %H:%M}" for at in sorted(rounds))
    seen: set[datetime] = set()
    for i, own in enumerate(goal.rounds):
        loc: Loc = ("breakouts", "rounds", i)
        if own.at not in rounds:
            out.add((*loc, "at"), f"no breakouts start at {own.at:%Y-%m-%d %H:%M} (rounds start at {starts})")
            continue
        if own.at in seen:
            out.add((*loc, "at"), f"the round at {own.at:%Y-%m-%d %H:%M} is listed twice")
        seen.add(own.at)
        if own.team_covers is not None and own.team_covers > len(rounds[own.at]):
            out.add(
                (*loc, "team_covers"),
                f"{own.team_covers} is more than the {len(rounds[own.at])} breakouts in this round",
            )


def _dm_opens(text: str) -> datetime | str | None:
    """A dm's `opens` read as a time: the time, what is wrong with it, or None if it is not one."""
    try:
        opens: datetime = in_range(local_datetime(text))
    except NotADateTime:
        return None
    except ValueError as exc:  # 2026-02-30, or year 9999
        return str(exc)
    return opens


def _check_wall_times(
    out: _Collector,
    zone_name: str,
    sessions: list[tuple[int, SessionSpec]],
    polls: list[tuple[int, PollSpec]],
    headlines: HeadlineSettings | None,
    session_ids: set[str],
) -> None:
    """Every event-local wall time the clocks skip (an error) or repeat (a warning)."""
    zone = ZoneInfo(zone_name)
    for loc, local in _wall_times(sessions, polls, headlines, session_ids):
        change = clock_change(local, zone, zone_name)
        if change is not None and change.skipped:
            out.add(loc, change.message)
        elif change is not None:
            out.warn(loc, change.message)


def _wall_times(
    sessions: list[tuple[int, SessionSpec]],
    polls: list[tuple[int, PollSpec]],
    headlines: HeadlineSettings | None,
    session_ids: set[str],
) -> Iterator[tuple[Loc, datetime]]:
    for index, s in sessions:
        yield ("sessions", index, "start"), datetime.combine(s.day, s.start)
        yield ("sessions", index, "end"), datetime.combine(s.day, s.end)
    for index, p in polls:
        for key, sent in (("pre_event", p.pre_event), ("dm", p.dm)):
            if sent is None:
                continue
            opens = sent.opens if isinstance(sent.opens, datetime) else None
            if isinstance(sent.opens, str) and sent.opens not in session_ids:
                found = _dm_opens(sent.opens)
                opens = found if isinstance(found, datetime) else None
            if opens is not None:
                yield ("polls", index, key, "opens"), opens
            for i, nudge in enumerate(sent.nudges):
                yield ("polls", index, key, "nudges", i), nudge
            if sent.closes is not None:
                yield ("polls", index, key, "closes"), sent.closes
    if headlines is not None and headlines.closes is not None:
        yield ("headlines", "closes"), headlines.closes
