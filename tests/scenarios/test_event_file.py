"""The event file and roster: every problem `convene check` promises to catch, located by
file, line and field, and the agenda it prints for a good file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time as time_module
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.event import Event, Problem, load_event
from tests.kit.event_file import (
    EVENT,
    ROSTER,
    edit,
    only_problem,
    problems,
    write,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "symposium-2015" / "event.yaml"
DEFAULT_ROLE_LIST = (
    "board_member, classified_union_president, other, superintendent, teachers_union_president"
)


ROLES = """\
roles:
  - {id: lead, label: Team lead}
  - {id: member, label: Member}
"""


def with_session(event: str, block: str) -> str:
    """`event` with one more session (given as YAML lines) at the end of the agenda."""
    return edit(event, "polls:\n", block + "polls:\n")


# --------------------------------------------------------------------------- a good file


def test_minimal_event_loads(tmp_path: Path) -> None:
    event = load_event(write(tmp_path).event)

    assert isinstance(event, Event)
    assert event.title == "Summit"
    assert event.info.days == [date(2024, 3, 9), date(2024, 3, 11)]
    assert list(event.teams) == ["north", "south"]
    assert len(event.people) == 6
    assert sorted(event.roles) == DEFAULT_ROLE_LIST.split(", ")
    assert [s.id for s in event.agenda()] == ["welcome", "role-supts", "closing"]
    assert event.sessions["welcome"].start == time(16, 0)
    assert event.sessions["role-supts"].facilitators == ["fac-1"]
    assert event.polls["mood"].options == ["Ready", "Curious", "Tired"]
    assert event.polls["useful"].labels == {1: "Not at all", 5: "Very"}
    ben = event.person("U0NORTH01")
    assert ben is not None and ben.id == "north-union" and ben.email is None
    assert event.person("ANA@north.example.org") == event.people["north-supt"]
    assert event.staff_ids() == {"org-lead", "fac-1"}


def test_roles_section_replaces_the_defaults(tmp_path: Path) -> None:
    roster = ROSTER.replace(",superintendent", ",lead").replace(",teachers_union_president", ",member")
    roster = roster.replace(",board_member", ",member").replace(",,other", ",,member")
    event = edit(EVENT, "teams:\n", ROLES + "teams:\n").replace("role: superintendent", "role: lead")
    loaded = load_event(write(tmp_path, event, roster).event)

    assert list(loaded.roles) == ["lead", "member"]
    assert loaded.people["north-union"].role == "member"

    # A default role is no longer known, and an empty role means "other".
    files = write(
        tmp_path,
        event,
        edit(roster, "Fay Lee,fay@staff.example.org,,,member", "Fay Lee,fay@staff.example.org,,,"),
    )
    assert only_problem(files) == Problem(
        files.roster, 7, "role", "unknown role 'other' (roles: lead, member)"
    )


def test_organizers_and_facilitators_may_be_emails(tmp_path: Path) -> None:
    event = edit(EVENT, "organizers: [org-lead]", "organizers: [EVE@staff.example.org]")
    loaded = load_event(write(tmp_path, event).event)
    assert loaded.organizers == ["org-lead"]


def test_unquoted_times_are_read_as_clock_times(tmp_path: Path) -> None:
    # YAML 1.1 would read an unquoted 16:00 as the base-60 integer 960.
    event = edit(EVENT, 'start: "16:00"\n    end: "16:30"', "start: 16:00\n    end: 16:30")
    event = edit(event, 'start: "09:00"', "start: 9:05")
    event = edit(event, 'end: "10:00"', 'end: "9:55"')
    loaded = load_event(write(tmp_path, event).event)

    assert (loaded.sessions["welcome"].start, loaded.sessions["welcome"].end) == (time(16, 0), time(16, 30))
    assert (loaded.sessions["closing"].start, loaded.sessions["closing"].end) == (time(9, 5), time(9, 55))


def test_quoted_comma_in_a_roster_value_is_fine(tmp_path: Path) -> None:
    roster = ROSTER + 'north-board,"Moss, Gil Jr.",gil@north.example.org,,north,board_member\n'
    loaded = load_event(write(tmp_path, roster=roster).event)
    assert loaded.people["north-board"].name == "Moss, Gil Jr."
    assert loaded.people["north-board"].team == "north"


def test_session_start_converts_across_daylight_saving_time(tmp_path: Path) -> None:
    event = load_event(write(tmp_path).event)
    # Saturday 2024-03-09 is still EST (UTC-5); clocks go forward on Sunday the 10th, so
    # Monday the 11th is EDT (UTC-4).
    assert event.session_start(event.sessions["welcome"]) == datetime(2024, 3, 9, 21, 0, tzinfo=UTC)
    assert event.session_start(event.sessions["closing"]) == datetime(2024, 3, 11, 13, 0, tzinfo=UTC)
    assert event.session_end(event.sessions["closing"]) == datetime(2024, 3, 11, 14, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- the event file


def test_poll_for_an_unknown_session(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "session: welcome\n", "session: welcom\n"))
    assert only_problem(files) == Problem(
        files.ev, files.line("session: welcom"), "polls[0] (mood).session", "unknown session 'welcom'"
    )


@pytest.mark.parametrize("room", ["Hall", "hall"])
def test_overlapping_sessions_in_one_room(tmp_path: Path, room: str) -> None:
    event = edit(EVENT, 'start: "16:30"', 'start: "16:15"')
    event = edit(event, "    room: Hall\n    facilitators", f"    room: {room}\n    facilitators")
    files = write(tmp_path, event)
    assert only_problem(files) == Problem(
        files.ev,
        files.line('start: "16:15"'),
        "sessions[1] (role-supts).start",
        f"overlaps 'welcome' (16:00-16:30) in room '{room}'",
    )


def test_back_to_back_or_other_room_is_no_overlap(tmp_path: Path) -> None:
    # welcome ends at 16:30 in the Hall and role-supts starts there at 16:30.
    event = with_session(
        EVENT,
        '  - {id: side, title: Side room, day: 2024-03-09, start: "16:00", end: "17:00", kind: meal,'
        " room: Annex}\n",
    )
    assert len(load_event(write(tmp_path, event).event).sessions) == 4


DUPLICATE_SESSION = (
    '  - {id: closing, title: Second closing, day: 2024-03-11, start: "11:00", end: "12:00", kind: closing}\n'
)
DUPLICATE_POLL = "  - {id: mood, question: Once more, kind: open_text}\n"


@pytest.mark.parametrize(
    ("change", "needle", "field", "message"),
    [
        (
            lambda text: with_session(text, DUPLICATE_SESSION),
            "Second closing",
            "sessions[3] (closing).id",
            "duplicate id 'closing' (first used at sessions[2])",
        ),
        (
            lambda text: text + DUPLICATE_POLL,
            "Once more",
            "polls[2] (mood).id",
            "duplicate id 'mood' (first used at polls[0])",
        ),
        (
            lambda text: edit(text, "roster:", "  - {id: north, name: Northern}\nroster:"),
            "Northern",
            "teams[2] (north).id",
            "duplicate id 'north' (first used at teams[0])",
        ),
    ],
    ids=["session", "poll", "team"],
)
def test_duplicate_ids_in_the_event_file(
    tmp_path: Path, change: Callable[[str], str], needle: str, field: str, message: str
) -> None:
    files = write(tmp_path, change(EVENT))
    assert only_problem(files) == Problem(files.ev, files.line(needle), field, message)


def test_bad_time_zone(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "America/New_York", "Mars/Olympus_Mons"))
    assert only_problem(files) == Problem(
        files.ev,
        4,
        "event.timezone",
        "unknown time zone 'Mars/Olympus_Mons' (use an IANA name such as America/Los_Angeles)",
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('end: "10:00"', 'end: "08:30"', "ends at 08:30, not after its start 09:00"),
        ('end: "10:00"', 'end: "09:00"', "ends at 09:00, not after its start 09:00"),
    ],
    ids=["before", "equal"],
)
def test_session_end_not_after_start(tmp_path: Path, old: str, new: str, message: str) -> None:
    files = write(tmp_path, edit(EVENT, old, new))
    assert only_problem(files) == Problem(files.ev, files.line(new), "sessions[2] (closing).end", message)


def test_session_on_a_day_that_is_not_an_event_day(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "day: 2024-03-11", "day: 2024-03-10"))
    assert only_problem(files) == Problem(
        files.ev,
        files.line("day: 2024-03-10"),
        "sessions[2] (closing).day",
        "2024-03-10 is not one of the event's days (2024-03-09, 2024-03-11)",
    )


def test_unknown_key_in_a_session(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "    facilitators: [fac-1]\n", "    facilitator: [fac-1]\n"))
    assert only_problem(files) == Problem(
        files.ev,
        files.line("facilitator: [fac-1]"),
        "sessions[1] (role-supts).facilitator",
        "unknown field (check the spelling)",
    )


def test_unknown_top_level_section(tmp_path: Path) -> None:
    files = write(tmp_path, EVENT + "sesions: []\n")
    assert only_problem(files) == Problem(
        files.ev,
        files.line("sesions:"),
        "sesions",
        "unknown section; expected one of: event, roles, team_kinds, teams, team_size, roster, organizers, "
        "facilitators, channels, sessions, polls, reminders, headlines, wordcloud, closing, summaries, qa, "
        "breakouts",
    )


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "title: Closing circle", "title: Closing: circle"))
    problem = only_problem(files)
    assert problem == Problem(
        files.ev,
        files.line("Closing: circle"),
        "",
        "not valid YAML: mapping values are not allowed in this context",
    )
    assert (
        str(problem)
        == f"{files.ev}:{problem.line}: not valid YAML: mapping values are not allowed in this context"
    )


@pytest.mark.parametrize(
    ("time_text", "message"),
    [
        ("900", '900 is not a time; write it as "HH:MM", e.g. "16:00"'),
        ("9", '9 is not a time; write it as "HH:MM", e.g. "16:00"'),
        ("24:00", "Input should be in a valid time format, hour value is outside expected range of 0-23"),
        ('"16:00Z"', "give the event-local time with no UTC offset (the event's timezone applies)"),
    ],
)
def test_a_start_that_is_not_a_wall_clock_time(tmp_path: Path, time_text: str, message: str) -> None:
    files = write(tmp_path, edit(EVENT, 'start: "16:00"', f"start: {time_text}"))
    assert only_problem(files) == Problem(
        files.ev, files.line(f"start: {time_text}"), "sessions[0] (welcome).start", message
    )


def test_role_alike_session_without_a_role(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "    role: superintendent\n", ""))
    # No `role:` line to point at, so the session's own line.
    assert only_problem(files) == Problem(
        files.ev,
        files.line("id: role-supts"),
        "sessions[1] (role-supts).role",
        "a role_alike session needs the role it gathers",
    )


def test_session_for_an_unknown_role(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "role: superintendent", "role: superintendents"))
    assert only_problem(files) == Problem(
        files.ev,
        files.line("role: superintendents"),
        "sessions[1] (role-supts).role",
        f"unknown role 'superintendents' (roles: {DEFAULT_ROLE_LIST})",
    )


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "ref"),
    [
        (
            "organizers: [org-lead]",
            "organizers: [org-lead, nobody]",
            "organizers:",
            "organizers[1]",
            "nobody",
        ),
        (
            "facilitators: [fac-1]\nsessions",
            "facilitators:\n  - fac-1\n  - ghost@staff.example.org\nsessions",
            "- ghost@",
            "facilitators[1]",
            "ghost@staff.example.org",
        ),
        (
            "    facilitators: [fac-1]\n",
            "    facilitators: [fac-2]\n",
            "[fac-2]",
            "sessions[1] (role-supts).facilitators[0]",
            "fac-2",
        ),
    ],
    ids=["organizer", "facilitator", "session-facilitator"],
)
def test_staff_not_in_the_roster(
    tmp_path: Path, old: str, new: str, needle: str, field: str, ref: str
) -> None:
    files = write(tmp_path, edit(EVENT, old, new))
    assert only_problem(files) == Problem(
        files.ev, files.line(needle), field, f"{ref!r} is not in the roster (use a roster id or email)"
    )


# --------------------------------------------------------------------------- polls

OPTIONS = "    options:\n      - Ready\n      - Curious\n      - Tired\n"


def options_block(options: list[str]) -> str:
    return "    options:\n" + "".join(f'      - "{o}"\n' for o in options)


@pytest.mark.parametrize(
    ("kind", "count"), [("single_choice", 1), ("single_choice", 11), ("multiple_choice", 1)]
)
def test_choice_poll_needs_two_to_ten_options(tmp_path: Path, kind: str, count: int) -> None:
    event = edit(EVENT, OPTIONS, options_block([f"Option {n}" for n in range(1, count + 1)]))
    files = write(tmp_path, edit(event, "kind: single_choice", f"kind: {kind}"))
    assert only_problem(files) == Problem(
        files.ev, files.line("options:"), "polls[0] (mood).options", f"a {kind} poll needs 2 to 10 options"
    )


def test_choice_poll_with_ten_options_and_a_75_character_option_is_fine(tmp_path: Path) -> None:
    options = [f"Option {n}" for n in range(1, 10)] + ["x" * 75]
    loaded = load_event(write(tmp_path, edit(EVENT, OPTIONS, options_block(options))).event)
    assert loaded.polls["mood"].options[-1] == "x" * 75


def test_option_over_75_characters(tmp_path: Path) -> None:
    long = "A" * 76
    files = write(tmp_path, edit(EVENT, "      - Curious\n", f"      - {long}\n"))
    assert only_problem(files) == Problem(
        files.ev, files.line(long), "polls[0] (mood).options[1]", "longer than 75 characters (Slack's limit)"
    )


def test_duplicate_and_empty_options(tmp_path: Path) -> None:
    event = edit(EVENT, "      - Tired\n", '      - READY\n      - ""\n')
    files = write(tmp_path, event)
    assert problems(files) == [
        Problem(files.ev, files.line("- READY"), "polls[0] (mood).options[2]", "duplicate option 'READY'"),
        Problem(files.ev, files.line('- ""'), "polls[0] (mood).options[3]", "empty option"),
    ]


def test_rating_labels_outside_one_to_five(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "{1: Not at all, 5: Very}", "{0: Never, 3: Sometimes, 6: Always}"))
    line = files.line("labels:")
    assert problems(files) == [
        Problem(files.ev, line, "polls[1] (useful).labels", "label key 0 is outside 1..5"),
        Problem(files.ev, line, "polls[1] (useful).labels", "label key 6 is outside 1..5"),
    ]


def test_labels_on_a_choice_poll(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, OPTIONS, OPTIONS + "    labels: {1: Low}\n"))
    assert only_problem(files) == Problem(
        files.ev, files.line("{1: Low}"), "polls[0] (mood).labels", "labels are only for rating polls"
    )


@pytest.mark.parametrize("kind", ["open_text", "rating"])
def test_options_on_a_poll_that_takes_none(tmp_path: Path, kind: str) -> None:
    files = write(tmp_path, edit(EVENT, "kind: single_choice", f"kind: {kind}"))
    assert only_problem(files) == Problem(
        files.ev, files.line("options:"), "polls[0] (mood).options", f"a {kind} poll takes no options"
    )


# --------------------------------------------------------------------------- the roster


def test_duplicate_roster_id_and_email(tmp_path: Path) -> None:
    roster = ROSTER + "north-supt,Al Other,al@north.example.org,,north,board_member\n"
    roster += "north-extra,Ann Other,ANA@north.example.org,,north,other\n"
    files = write(tmp_path, roster=roster)
    assert problems(files) == [
        Problem(files.roster, 8, "id", "duplicate id 'north-supt'"),
        Problem(files.roster, 9, "email", "ANA@north.example.org already used on line 2"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (",north,superintendent", ",east,superintendent", "team", "unknown team 'east'"),
        (
            ",north,superintendent",
            ",north,janitor",
            "role",
            f"unknown role 'janitor' (roles: {DEFAULT_ROLE_LIST})",
        ),
        (
            "ana@north.example.org",
            "ana.north.example.org",
            "email",
            "'ana.north.example.org' is not an email address",
        ),
    ],
    ids=["team", "role", "email"],
)
def test_bad_value_in_a_roster_row(tmp_path: Path, old: str, new: str, field: str, message: str) -> None:
    files = write(tmp_path, roster=edit(ROSTER, old, new))
    assert only_problem(files) == Problem(files.roster, 2, field, message)


def test_roster_row_with_neither_email_nor_slack_id(tmp_path: Path) -> None:
    files = write(tmp_path, roster=edit(ROSTER, ",,U0NORTH01,", ",,,"))
    assert only_problem(files) == Problem(
        files.roster, 3, "email", "give an email (to look the person up in Slack) or a slack_id"
    )


def test_roster_row_with_a_bad_slack_id(tmp_path: Path) -> None:
    files = write(tmp_path, roster=edit(ROSTER, "U0NORTH01", "ben.okafor"))
    assert only_problem(files) == Problem(
        files.roster, 3, "slack_id", "'ben.okafor' is not a Slack user id (like U024BE7LH)"
    )


def test_roster_row_with_a_stray_comma(tmp_path: Path) -> None:
    files = write(tmp_path, roster=edit(ROSTER, "Cara Singh", "Singh, Cara"))
    problem = only_problem(files)
    assert problem == Problem(
        files.roster,
        4,
        "",
        "7 fields where the header has 6 (a stray comma? quote values that contain commas)",
    )
    assert str(problem).startswith(f"{files.roster}:4: 7 fields")


def test_roster_row_with_too_few_fields(tmp_path: Path) -> None:
    files = write(
        tmp_path, roster=edit(ROSTER, "dev@south.example.org,,south,", "dev@south.example.org,south,")
    )
    assert only_problem(files) == Problem(files.roster, 5, "", "5 fields where the header has 6")


def test_roster_lines_count_quoted_line_breaks(tmp_path: Path) -> None:
    # A quoted value may span lines: a row is reported on the line it starts on.
    roster = ROSTER + 'north-board,"Gil\nMoss",gil@north,,north,board_member\n'
    roster += "north-extra,Hal Moss,hal@north,,north,other\n"
    files = write(tmp_path, roster=roster)
    assert problems(files) == [
        Problem(files.roster, 8, "email", "'gil@north' is not an email address"),
        Problem(files.roster, 10, "email", "'hal@north' is not an email address"),
    ]


def test_missing_roster_file(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "roster: roster.csv", "roster: rooster.csv"))
    problem = only_problem(files)
    assert problem == Problem(str(tmp_path / "rooster.csv"), None, "", "roster file not found")
    assert str(problem) == f"{tmp_path / 'rooster.csv'}: roster file not found"


def test_roster_missing_required_columns(tmp_path: Path) -> None:
    roster = "id,name,email,slack_id\nnorth-supt,Ana Ortiz,ana@north.example.org,\n"
    files = write(tmp_path, roster=roster)
    assert only_problem(files) == Problem(files.roster, 1, "header", "missing column(s) team, role")


def test_roster_unknown_column(tmp_path: Path) -> None:
    files = write(tmp_path, roster=edit(ROSTER, "id,name,", "id,full_name,"))
    assert problems(files) == [
        Problem(
            files.roster,
            1,
            "header",
            "unknown column(s) full_name; columns are id, name, email, slack_id, team, role",
        ),
        Problem(files.roster, 1, "header", "missing column(s) name"),
    ]


# --------------------------------------------------------------------------- all at once


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    event = edit(EVENT, "America/New_York", "Eastern")
    event = edit(event, "session: welcome\n", "session: opening\n")
    event = edit(event, 'start: "16:30"', 'start: "16:15"')
    event = edit(event, "    facilitators: [fac-1]\n", "    facilitator: [fac-1]\n")
    roster = edit(ROSTER, "cara@south.example.org", "cara-at-south")
    roster = edit(roster, ",south,board_member", ",west,board_member")
    files = write(tmp_path, event, roster)

    found = {(p.file, p.line, p.field) for p in problems(files)}
    assert found == {
        (files.ev, 4, "event.timezone"),
        (files.ev, files.line("facilitator: [fac-1]"), "sessions[1] (role-supts).facilitator"),
        (files.ev, files.line("session: opening"), "polls[0] (mood).session"),
        (files.roster, 4, "email"),
        (files.roster, 5, "team"),
    }
    # The overlapping session failed validation (the typo), so it is not checked for overlap;
    # fixing the typo reveals it, and every other problem stays.
    fixed = write(tmp_path, edit(event, "facilitator:", "facilitators:"), roster)
    assert len(problems(fixed)) == 5
    assert any(
        p.field == "sessions[1] (role-supts).start" and "overlaps 'welcome'" in p.message
        for p in problems(fixed)
    )


# --------------------------------------------------------------------------- convene check


def test_check_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    event = edit(EVENT, "session: welcome\n", "session: opening\n")
    event = edit(event, 'end: "10:00"', 'end: "08:00"')
    files = write(tmp_path, event, edit(ROSTER, "U0NORTH01", "bob"))
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "COLUMNS")} | {"NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", str(files.event)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    end_line = files.line('end: "08:00"')
    for expected in (
        f"{files.ev}:{end_line}: sessions[2] (closing).end: ends at 08:00, not after its start 09:00",
        f"{files.ev}:{files.line('session: opening')}: polls[0] (mood).session: unknown session 'opening'",
        f"{files.roster}:3: slack_id: 'bob' is not a Slack user id (like U024BE7LH)",
    ):
        assert f"error {expected}" in lines, done.stderr
    assert "3 problems found; nothing was changed." in lines


def test_check_prints_the_example_agenda() -> None:
    result = CliRunner().invoke(app, ["check", str(EXAMPLE)])

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Friday, May 8, 2015 (America/Los_Angeles, PDT)" in out
    assert "Saturday, May 9, 2015 (America/Los_Angeles, PDT)" in out
    assert " 4:00 PM– 4:30 PM  plenary    Welcome remarks  (Grand Ballroom · #lmi-plenary)" in out
    assert " 3:30 PM– 4:00 PM  closing    Closing session" in out
    assert "polls: eval-useful, eval-recommend, next-activities" in out
    assert "Polls with no session: looking-forward" in out
    assert (
        "OK 2015 California Labor-Management Initiative Symposium: 26 sessions, 12 polls, 47 district teams"
        in out
    )
    assert result.stderr == ""


def test_check_prints_the_agenda_in_the_event_time_zone(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(write(tmp_path).event)])

    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "Saturday, March 9, 2024 (America/New_York, EST)" in lines
    assert "Monday, March 11, 2024 (America/New_York, EDT)" in lines
    assert "4:00 PM– 4:30 PM  plenary    Welcome remarks  (Hall)" in lines
    assert "9:00 AM–10:00 AM  closing    Closing circle  (Hall)" in lines


def test_example_has_47_teams_of_four() -> None:
    event = load_event(EXAMPLE)
    assert len(event.teams) == 47
    per_team = Counter(p.team for p in event.people.values() if p.team)
    assert set(per_team) == set(event.teams)
    assert set(per_team.values()) == {4}
    roles_per_team = {
        team: sorted(p.role for p in event.people.values() if p.team == team) for team in event.teams
    }
    assert all(
        roles == ["board_member", "classified_union_president", "superintendent", "teachers_union_president"]
        for roles in roles_per_team.values()
    )


def test_square_brackets_in_names_are_printed_as_typed(tmp_path: Path) -> None:
    files = write(tmp_path, edit(EVENT, "name: Spring Partnership Summit", "name: Summit [/x] [bold]2024"))
    result = CliRunner().invoke(app, ["check", str(files.ev)])
    assert result.exit_code == 0, result.output
    assert "Summit [/x] [bold]2024" in result.output


# --------------------------------------------------------------------------- convene check on broken files

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)


PRE_EVENT = """\
  - id: hopes
    question: What do you hope for?
    kind: open_text
    pre_event:
      opens: "2024-03-01 09:00"
      nudges: NUDGES
      closes: "2024-03-08 09:00"
"""


def check(path: Path) -> tuple[int, str, str, float]:
    """`convene check` in-process: exit code, stdout, stderr and seconds taken."""
    started = time_module.monotonic()
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr, time_module.monotonic() - started


# Broken files of every kind; most of them got a traceback, a hang or no error at all before.
BROKEN = [
    ("time zone folder", edit(EVENT, "America/New_York", "America"), 4),
    ("month 13", edit(EVENT, "days: [2024-03-09, 2024-03-11]", "days: [2024-13-45, 2024-03-11]"), 5),
    ("February 30", edit(EVENT, "days: [2024-03-09, 2024-03-11]", "days: [2024-02-30, 2024-03-11]"), 5),
    ("year 9999", EVENT.replace("2024-03-11", "9999-12-31"), 5),
    ("year 1", EVENT.replace("2024-03-09", "0001-01-01"), 5),
    ("alias loop", EVENT + "x: &loop [x, *loop]\n", EVENT.count("\n") + 1),
    ("deep", EVENT + "x: " + "[" * 20_000 + "\n", EVENT.count("\n") + 1),
    ("not UTF-8", edit(EVENT, "Spring", "Spr\udce9ng"), 2),
    ("complex key", EVENT + "? [a, b]\n: c\n", EVENT.count("\n") + 1),
    ("number nudge", EVENT + PRE_EVENT.replace("NUDGES", "[123]"), EVENT.count("\n") + 6),
    ("billion laughs", LAUGHS, 6),
    ("duplicate key", EVENT + "roster: other.csv\n", EVENT.count("\n") + 1),
    (
        "spring forward",
        edit(EVENT, "day: 2024-03-11", "day: 2024-03-10")
        .replace("2024-03-11]", "2024-03-10]")
        .replace('start: "09:00"', 'start: "02:30"'),
        None,
    ),
    ("tab indent", edit(EVENT, "  name: Spring", "\tname: Spring"), 2),
    ("unterminated quote", edit(EVENT, 'start: "16:00"', 'start: "16:00'), None),
    ("NUL", edit(EVENT, "Spring", "Spr\x00ng"), 2),
    ("escape sequence in a key", EVENT + '"\\e[2Jx": 1\n', EVENT.count("\n") + 1),
    ("empty", "", 1),
    ("only a comment", "# nothing\n", 1),
    ("a scalar", "hello\n", 1),
]


@pytest.mark.parametrize(("name", "content", "line"), BROKEN, ids=[case[0] for case in BROKEN])
def test_check_answers_a_broken_file_with_a_line_not_a_traceback(
    tmp_path: Path, name: str, content: str, line: int | None
) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    path = tmp_path / "event.yaml"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    code, out, err, seconds = check(path)
    assert code == 1, out + err
    assert "Traceback" not in out + err
    first = err.splitlines()[0]
    assert first.startswith(f"error {path}:"), err
    if line is not None:
        assert first.startswith(f"error {path}:{line}:"), err
    assert "\x1b" not in err and "\x00" not in err
    assert seconds < 10, f"{name} took {seconds:.1f} s"


def test_check_answers_a_roster_with_a_nul_byte_or_bad_bytes(tmp_path: Path) -> None:
    files = write(tmp_path)
    (tmp_path / "roster.csv").write_bytes(edit(ROSTER, "Eve Park", "Eve\x00Park").encode())
    code, _, err, _ = check(files.event)
    assert code == 1
    assert f"error {files.roster}:6: name: contains a control character (U+0000); remove it" in err
    (tmp_path / "roster.csv").write_bytes(edit(ROSTER, "Eve Park", "Eve P\xe4rk").encode("latin-1"))
    code, _, err, _ = check(files.event)
    assert code == 1
    assert f"error {files.roster}:6: not UTF-8 (byte 0xE4); save the file as UTF-8" in err


def test_check_warns_of_a_time_that_happens_twice_and_uses_the_first(tmp_path: Path) -> None:
    # US clocks go back on 2024-11-03: 01:30 happens at 05:30 UTC (EDT), then at 06:30 UTC (EST).
    event = EVENT.replace("2024-03-09", "2024-11-03").replace('start: "16:00"', 'start: "01:30"')
    event = edit(event, 'end: "16:30"', 'end: "02:00"').replace('start: "16:30"', 'start: "02:00"')
    event = edit(event, 'end: "17:30"', 'end: "03:00"')
    files = write(tmp_path, event)
    code, out, err, _ = check(files.event)
    assert code == 0, err
    assert err.splitlines() == [
        f"warning {files.ev}:{files.line('01:30')}: sessions[0] (welcome).start: 01:30 happens twice on "
        "2024-11-03 in America/New_York; the first (EDT, UTC-4) is used"
    ]
    assert "1 warning (above)." in out
    loaded = load_event(files.event)
    assert loaded.session_start(loaded.sessions["welcome"]) == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)


def test_check_prints_warnings_after_the_problems(tmp_path: Path) -> None:
    event = EVENT.replace("2024-03-09", "2024-11-03").replace('start: "16:00"', 'start: "01:30"')
    event = edit(event, 'end: "16:30"', 'end: "01:45"').replace("session: welcome\n", "session: nope\n")
    files = write(tmp_path, event)
    code, _, err, _ = check(files.event)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith(f"error {files.ev}:{files.line('session: nope')}: polls[0] (mood).session")
    assert lines[1].startswith(f"warning {files.ev}:{files.line('01:30')}: sessions[0] (welcome).start")
    assert "1 problem found; nothing was changed." in lines


def test_check_refuses_a_file_of_several_megabytes_at_once(tmp_path: Path) -> None:
    files = write(tmp_path, EVENT + "# padding\n" * 340_000)
    code, _, err, seconds = check(files.event)
    assert code == 1
    assert err.splitlines()[0] == f"error {files.ev}: 3.4 MB; an event file may be at most 1 MB"
    assert seconds < 5


def test_check_reads_a_large_event_file_quickly(tmp_path: Path) -> None:
    # The example's agenda thirty times over (780 sessions, about 350 KB): every copy after the
    # first has its own ids and anchors, and overlaps the first in its rooms.
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("sessions:"))
    end = next(i for i, line in enumerate(lines) if i > start and re.match(r"^[a-z]", line))
    agenda = "".join(lines[start + 1 : end])
    copies = [re.sub(r"(id: |[&*])([a-z0-9-]+)", rf"\g<1>\g<2>-x{n}", agenda) for n in range(30)]
    (tmp_path / "event.yaml").write_text("".join(lines[:end]) + "".join(copies) + "".join(lines[end:]))
    (tmp_path / "roster.csv").write_bytes((EXAMPLE.parent / "roster.csv").read_bytes())
    code, _, err, seconds = check(tmp_path / "event.yaml")
    assert code == 1
    assert "overlaps" in err and "Traceback" not in err
    assert seconds < 5


def test_check_counts_what_it_does_not_print(tmp_path: Path) -> None:
    files = write(tmp_path, EVENT + "".join(f"extra{n}: 1\n" for n in range(1500)))
    code, _, err, _ = check(files.event)
    assert code == 1
    lines = err.splitlines()
    assert len([line for line in lines if line.startswith("error ")]) == 1000
    assert "… and 500 more not shown; fix these first" in lines
    assert "1,500 problems found; nothing was changed." in lines
