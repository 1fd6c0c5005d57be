"""`load_event` on small broken files: the exact `file:line: field: message` of checks on
pre-event and DM polls, surveys, headlines and the closing, channels, reminder offsets,
event days and the file's shape; and the roster reader and reference lookup on their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.event import EventFileError, Problem, load_event
from bot.event.load import people_ref_id
from bot.event.roster import load_roster

EVENT = """\
event:
  name: Summit
  timezone: America/Los_Angeles
  days: [2026-04-17, 2026-04-18]
teams:
  - {id: river-usd, name: River Unified}
roster: roster.csv
organizers: [ana-lead]
channels:
  announcements: summit-announcements
sessions:
  - id: opening
    title: Opening plenary
    day: 2026-04-17
    start: "09:00"
    end: "10:00"
    kind: plenary
  - id: closing
    title: Closing session
    day: 2026-04-18
    start: "15:00"
    end: "16:00"
    kind: closing
polls:
  - id: expectations
    question: What do you want from the summit?
    kind: open_text
    pre_event:
      opens: "2026-04-10 09:00"
      nudges: ["2026-04-14 09:00"]
      closes: "2026-04-16 17:00"
  - id: evaluation
    question: How did it go?
    kind: survey
    statements: [It was useful.]
    dm:
      opens: closing
"""

ROSTER = """\
id,name,email,slack_id,team,role
ana-lead,Ana Lead,ana@summit.example.org,,,other
river-supt,Rita Rivera,rita@river.example.org,,river-usd,superintendent
"""


def write(tmp_path: Path, event: str = EVENT, roster: str = ROSTER) -> Path:
    (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
    path = tmp_path / "event.yaml"
    path.write_text(event, encoding="utf-8")
    return path


def edit(old: str, new: str, text: str = EVENT) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    (hit,) = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hit


def problems(path: Path) -> list[Problem]:
    with pytest.raises(EventFileError) as caught:
        load_event(path, check_colormap=False)
    return caught.value.problems


def only(path: Path) -> str:
    """The one problem found, as `convene check` prints it."""
    (problem,) = problems(path)
    return str(problem)


def test_the_base_file_is_valid(tmp_path: Path) -> None:
    event = load_event(write(tmp_path), check_colormap=False)
    assert list(event.polls) == ["expectations", "evaluation"]


# --------------------------------------------------------------------------- polls sent by DM


def test_pre_event_poll_closing_before_it_opens(tmp_path: Path) -> None:
    text = edit('closes: "2026-04-16 17:00"', 'closes: "2026-04-09 17:00"')
    path = write(tmp_path, text)
    # Its nudge can no longer fall between the two either: both are reported.
    assert [str(p) for p in problems(path)] == [
        f"{path}:{line_of(text, 'closes: ')}: polls[0] (expectations).pre_event.closes: "
        "closes before it opens",
        f"{path}:{line_of(text, 'nudges: ')}: polls[0] (expectations).pre_event.nudges[0]: "
        "a nudge must fall between opens and closes",
    ]


def test_a_nudge_outside_the_pre_event_window(tmp_path: Path) -> None:
    text = edit('nudges: ["2026-04-14 09:00"]', 'nudges: ["2026-04-14 09:00", "2026-04-17 09:00"]')
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, 'nudges:')}: polls[0] (expectations).pre_event.nudges[1]: "
        "a nudge must fall between opens and closes"
    )


def test_a_pre_event_poll_with_a_session(tmp_path: Path) -> None:
    text = edit("    kind: open_text\n", "    kind: open_text\n    session: opening\n")
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, 'session: opening')}: polls[0] (expectations).session: "
        "a pre_event poll is sent by DM before the event; it has no session"
    )


def test_a_pre_event_time_that_is_not_a_date_and_time(tmp_path: Path) -> None:
    text = edit('opens: "2026-04-10 09:00"', 'opens: "April 10, 9am"')
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, 'April 10')}: polls[0] (expectations).pre_event.opens: "
        "'April 10, 9am' is not a date and time; write it as \"YYYY-MM-DD HH:MM\""
    )


def test_a_dm_that_opens_at_neither_a_session_nor_a_time(tmp_path: Path) -> None:
    text = edit("opens: closing", "opens: the-end")
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, 'the-end')}: polls[1] (evaluation).dm.opens: "
        "'the-end' is neither a session id nor a \"YYYY-MM-DD HH:MM\" time"
    )


def test_a_dm_may_open_at_a_time(tmp_path: Path) -> None:
    event = load_event(
        write(tmp_path, edit("opens: closing", 'opens: "2026-04-18 15:30"')), check_colormap=False
    )
    assert event.polls["evaluation"].dm is not None


def test_pre_event_and_dm_on_one_poll(tmp_path: Path) -> None:
    text = edit(
        '      closes: "2026-04-16 17:00"\n', '      closes: "2026-04-16 17:00"\n    dm: {opens: opening}\n'
    )
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, 'dm: {opens: opening}')}: polls[0] (expectations).dm: "
        "give either pre_event or dm, not both"
    )


# --------------------------------------------------------------------------- surveys


def test_a_survey_without_statements(tmp_path: Path) -> None:
    text = edit("    statements: [It was useful.]\n", "")
    path = write(tmp_path, text)
    # No `statements:` line: the problem points at the poll itself.
    assert only(path) == (
        f"{path}:{line_of(text, 'id: evaluation')}: polls[1] (evaluation).statements: "
        "a survey needs 1 to 10 statements to rate"
    )


def test_a_survey_with_an_empty_interest_option(tmp_path: Path) -> None:
    text = edit(
        "    statements: [It was useful.]\n",
        '    statements: [It was useful.]\n    options: [Coaching, " "]\n',
    )
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, 'options:')}: polls[1] (evaluation).options: "
        "a survey takes at most 10 interest options of at most 75 characters"
    )


@pytest.mark.parametrize(
    ("key", "value"), [("statements", "[Worth the trip.]"), ("comments", "Anything else?")]
)
def test_statements_and_comments_belong_to_surveys(tmp_path: Path, key: str, value: str) -> None:
    text = edit("    kind: open_text\n", f"    kind: open_text\n    {key}: {value}\n")
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, f'{key}: {value}')}: polls[0] (expectations).{key}: "
        "statements and comments are for surveys"
    )


# --------------------------------------------------------------------------- headlines and the closing


def test_headlines_from_an_unknown_session(tmp_path: Path) -> None:
    text = EVENT + "headlines:\n  session: team-time\n"
    path = write(tmp_path, text)
    assert (
        only(path)
        == f"{path}:{line_of(text, 'session: team-time')}: headlines.session: unknown session 'team-time'"
    )


def test_closing_word_clouds_need_headlines_or_an_open_text_poll(tmp_path: Path) -> None:
    text = EVENT + "closing:\n  wordclouds: [headlines, evaluation, expectations]\n"
    path = write(tmp_path, text)
    line = line_of(text, "wordclouds:")
    assert [str(p) for p in problems(path)] == [
        f"{path}:{line}: closing.wordclouds[0]: add a 'headlines:' section to collect headlines",
        f"{path}:{line}: closing.wordclouds[1]: 'evaluation' is not an open-text poll (or 'headlines')",
    ]


# --------------------------------------------------------------------------- channels, offsets, days


def test_a_channel_name_with_capitals_and_a_space(tmp_path: Path) -> None:
    text = edit("announcements: summit-announcements", "announcements: Summit News")
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, 'Summit News')}: channels.announcements: "
        "'Summit News' is not a valid Slack channel name (lower-case, no spaces)"
    )


def test_a_session_channel_that_is_not_a_channel_name(tmp_path: Path) -> None:
    text = edit("    kind: plenary\n", "    kind: plenary\n    channel: Main Hall\n")
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, 'channel: Main Hall')}: sessions[0] (opening).channel: "
        "'Main Hall' is not a valid Slack channel name"
    )


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ("[15, 15]", "an offset is listed twice"),
        ("[-5]", "minutes before must be between 0 and 10080 (a week)"),
        ("[10081]", "minutes before must be between 0 and 10080 (a week)"),
    ],
)
def test_bad_session_reminder_offsets(tmp_path: Path, offsets: str, message: str) -> None:
    text = edit("    kind: plenary\n", f"    kind: plenary\n    reminders: {offsets}\n")
    path = write(tmp_path, text)
    assert only(path) == f"{path}:{line_of(text, 'reminders:')}: sessions[0] (opening).reminders: {message}"


def test_session_offsets_are_kept_latest_first(tmp_path: Path) -> None:
    text = edit("    kind: plenary\n", "    kind: plenary\n    reminders: [5, 60, 0]\n")
    assert load_event(write(tmp_path, text), check_colormap=False).sessions["opening"].reminders == [60, 5, 0]


def test_event_wide_reminder_settings(tmp_path: Path) -> None:
    text = EVENT + "reminders:\n  dm_minutes_before: [10, 10]\n  grace_minutes: 300\n"
    path = write(tmp_path, text)
    assert [str(p) for p in problems(path)] == [
        f"{path}:{line_of(text, 'dm_minutes_before')}: reminders.dm_minutes_before: "
        "an offset is listed twice",
        f"{path}:{line_of(text, 'grace_minutes')}: reminders.grace_minutes: "
        "Input should be less than or equal to 240",
    ]


def test_an_event_day_listed_twice(tmp_path: Path) -> None:
    text = edit("days: [2026-04-17, 2026-04-18]", "days: [2026-04-17, 2026-04-18, 2026-04-17]")
    path = write(tmp_path, text)
    assert only(path) == f"{path}:4: event.days: a day is listed twice"


# --------------------------------------------------------------------------- the file's shape


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "- event\n- sessions\n")
    assert only(path) == f"{path}:1: expected a mapping with 'event', 'sessions', 'polls', ..."


def test_missing_event_and_roster_sections(tmp_path: Path) -> None:
    path = write(tmp_path, "sessions: []\n")
    assert [str(p) for p in problems(path)] == [
        f"{path}:1: event: missing the 'event' section (name, timezone, days)",
        f"{path}:1: roster: missing 'roster: <file>.csv' (the people attending)",
    ]


def test_a_roster_that_is_not_a_path(tmp_path: Path) -> None:
    text = edit("roster: roster.csv", "roster: [roster.csv]")
    path = write(tmp_path, text)
    assert only(path) == f"{path}:7: roster: must be the path of a CSV file, relative to the event file"


def test_sessions_that_are_not_a_list(tmp_path: Path) -> None:
    text = EVENT.split("sessions:")[0] + "sessions:\n  opening: {title: Opening}\n"
    path = write(tmp_path, text)
    assert only(path) == f"{path}:{line_of(text, 'sessions:')}: sessions: must be a list"


def test_problem_text_without_a_line_or_a_field() -> None:
    assert str(Problem("event.yaml", 3, "event.days", "a day is listed twice")) == (
        "event.yaml:3: event.days: a day is listed twice"
    )
    assert str(Problem("event.yaml", None, "", "file not found")) == "event.yaml: file not found"
    assert str(Problem("roster.csv", 8, "", "5 fields")) == "roster.csv:8: 5 fields"
    error = EventFileError([Problem("a.yaml", 1, "x", "one"), Problem("b.csv", None, "", "two")])
    assert str(error) == "a.yaml:1: x: one\nb.csv: two"


# --------------------------------------------------------------------------- the roster on its own

ROLES = {"other", "superintendent"}
TEAMS = {"river-usd", "valley-esd"}


def roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_roster_header_is_case_and_space_insensitive_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    path = roster(tmp_path, "\ufeff ID , Name ,EMAIL,slack_id,Team,role\n\nana,Ana,ana@x.org,,,\n,,,,,\n")
    people, found = load_roster(path, display="people.csv", roles=ROLES, teams=TEAMS)
    assert found == []
    assert list(people) == ["ana"]
    assert people["ana"].role == "other"  # an empty role is "other"
    assert people["ana"].team is None and people["ana"].teams == ()


def test_a_person_on_two_teams(tmp_path: Path) -> None:
    path = roster(
        tmp_path, "id,name,email,slack_id,team,role\nrita,Rita,,U0RITA01,valley-esd; river-usd,other\n"
    )
    people, found = load_roster(path, display="people.csv", roles=ROLES, teams=TEAMS)
    assert found == []
    assert people["rita"].team == "valley-esd"
    assert people["rita"].teams == ("valley-esd", "river-usd")


def test_one_unknown_team_of_two(tmp_path: Path) -> None:
    path = roster(tmp_path, "id,name,email,slack_id,team,role\nrita,Rita,,U0RITA01,river-usd;east,other\n")
    _, found = load_roster(path, display="people.csv", roles=ROLES, teams=TEAMS)
    assert [str(p) for p in found] == ["people.csv:2: team: unknown team 'east'"]


def test_an_empty_roster_and_a_missing_name(tmp_path: Path) -> None:
    _, found = load_roster(roster(tmp_path, ""), display="people.csv", roles=ROLES, teams=TEAMS)
    assert [str(p) for p in found] == [
        "people.csv:1: empty roster; expected a header row: id,name,email,slack_id,team,role"
    ]
    path = roster(tmp_path, "id,name,email,slack_id,team,role\nbad id,,ana@x.org,,,other\n")
    _, found = load_roster(path, display="people.csv", roles=ROLES, teams=TEAMS)
    assert [str(p) for p in found] == [
        "people.csv:2: id: 'bad id' must be lower-case letters, digits, '-' or '_'",
        "people.csv:2: name: required",
    ]


def test_organizers_may_be_named_by_email_in_any_case(tmp_path: Path) -> None:
    people, _ = load_roster(roster(tmp_path, ROSTER), display="roster.csv", roles=ROLES, teams=TEAMS)
    assert people_ref_id(people, "ana-lead") == "ana-lead"
    assert people_ref_id(people, "Ana@Summit.Example.org") == "ana-lead"
    assert people_ref_id(people, "nobody@example.org") == "nobody@example.org"
