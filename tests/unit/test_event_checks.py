"""`load_event` on small broken files: the exact `file:line: field: message` of checks on
pre-event and DM polls, surveys, headlines and the closing, channels, reminder offsets,
event days and the file's shape; and the roster reader and reference lookup on their own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.event import EventFileError, Problem, load_event
from bot.event.load import people_ref_id
from bot.event.roster import load_roster
from tests.kit.event_checks import (
    EVENT,
    ROSTER,
)


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


# --------------------------------------------------------------------------- malformed files


def raw(tmp_path: Path, data: bytes, roster: str = ROSTER) -> Path:
    (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
    path = tmp_path / "event.yaml"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "zone", ["Pacific", "America", "America/", "", "../../etc/passwd", "/etc/localtime", "x" * 300]
)
def test_a_time_zone_that_is_a_folder_or_no_zone_at_all(tmp_path: Path, zone: str) -> None:
    path = write(tmp_path, edit("timezone: America/Los_Angeles", f'timezone: "{zone}"'))
    assert only(path) == (
        f"{path}:3: event.timezone: unknown time zone {zone!r} (use an IANA name such as America/Los_Angeles)"
    )


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("[2026-13-45]", "'2026-13-45' is not a date (month must be in 1..12)"),
        ("[2026-02-30]", "'2026-02-30' is not a date (day is out of range for month)"),
        ('["2026-02-30"]', "'2026-02-30' is not a date (day is out of range for month)"),
        ('["next friday"]', "'next friday' is not a date; write it as YYYY-MM-DD"),
        ("[20260417]", "20260417 is not a date; write it as YYYY-MM-DD"),
        ("[9999-12-31]", "9999-12-31 is out of range: the year must be between 1970 and 2199"),
        ("[0001-01-01]", "0001-01-01 is out of range: the year must be between 1970 and 2199"),
    ],
)
def test_event_days_that_are_not_dates(tmp_path: Path, days: str, message: str) -> None:
    path = write(tmp_path, edit("days: [2026-04-17, 2026-04-18]", f"days: {days}"))
    # The sessions' days are then not event days: only the bad day itself is looked at here.
    assert f"{path}:4: event.days[0]: {message}" in [str(p) for p in problems(path)]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("[123]", '123 is not a date and time; write it as "YYYY-MM-DD HH:MM"'),
        ("[true]", 'True is not a date and time; write it as "YYYY-MM-DD HH:MM"'),
        ('["2026-02-30 09:00"]', "'2026-02-30 09:00' is not a date and time (day is out of range for month)"),
        ('["9999-12-31 23:59"]', "9999-12-31 23:59 is out of range: the year must be between 1970 and 2199"),
        ('["0001-01-01 00:00"]', "0001-01-01 00:00 is out of range: the year must be between 1970 and 2199"),
    ],
)
def test_a_nudge_that_is_not_a_date_and_time(tmp_path: Path, when: str, message: str) -> None:
    text = edit('nudges: ["2026-04-14 09:00"]', f"nudges: {when}")
    path = write(tmp_path, text)
    assert (
        only(path)
        == f"{path}:{line_of(text, 'nudges:')}: polls[0] (expectations).pre_event.nudges[0]: {message}"
    )


def test_a_session_on_the_last_day_of_year_9999_is_an_error_not_an_overflow(tmp_path: Path) -> None:
    text = edit("days: [2026-04-17, 2026-04-18]", "days: [2026-04-17, 9999-12-31]")
    text = edit("day: 2026-04-18", "day: 9999-12-31", text)
    text = edit('start: "15:00"\n    end: "16:00"', 'start: "23:00"\n    end: "23:59"', text)
    path = write(tmp_path, text)
    assert [str(p) for p in problems(path)] == [
        f"{path}:4: event.days[1]: 9999-12-31 is out of range: the year must be between 1970 and 2199",
        f"{path}:{line_of(text, 'day: 9999')}: sessions[1] (closing).day: "
        "9999-12-31 is out of range: the year must be between 1970 and 2199",
    ]


def test_an_alias_that_contains_itself(tmp_path: Path) -> None:
    path = write(tmp_path, EVENT + "x: &loop [x, *loop]\n")
    line = EVENT.count("\n") + 1
    assert only(path) == f"{path}:{line}: x[1]: *loop is inside the value it names; write the value out"


def test_a_billion_laughs_is_refused_at_once(tmp_path: Path) -> None:
    lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lol += f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    path = write(tmp_path, lol)
    (problem,) = problems(path)
    assert problem.file == str(path) and problem.line == 6 and problem.field == "f[2]"
    assert problem.message.startswith("aliases repeat more than 1,000,000 characters and values")


def test_an_alias_of_a_description_is_fine(tmp_path: Path) -> None:
    text = edit("    kind: plenary\n", "    kind: plenary\n    description: &same Bring your team.\n")
    text = edit("    kind: closing\n", "    kind: closing\n    description: *same\n", text)
    event = load_event(write(tmp_path, text), check_colormap=False)
    assert event.sessions["closing"].description == "Bring your team."


def test_twenty_thousand_nested_brackets(tmp_path: Path) -> None:
    path = write(tmp_path, EVENT + "x: " + "[" * 20_000 + "\n")
    line = EVENT.count("\n") + 1
    assert only(path) == f"{path}:{line}: not valid YAML: nested more than 32 levels deep"


def test_twenty_thousand_nested_block_lists(tmp_path: Path) -> None:
    path = write(tmp_path, "x:\n  " + "- " * 20_000 + "a\n")
    assert only(path) == f"{path}:2: not valid YAML: nested more than 32 levels deep"


def test_an_event_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = raw(tmp_path, edit("name: Summit", "name: Summ\xe9t").encode("latin-1"))
    assert only(path) == f"{path}:2: not UTF-8 (byte 0xE9); save the file as UTF-8"


def test_an_event_file_in_utf16(tmp_path: Path) -> None:
    path = raw(tmp_path, EVENT.encode("utf-16"))
    assert only(path) == f"{path}:1: not UTF-8 (it looks like UTF-16); save the file as UTF-8"


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    load_event(raw(tmp_path, b"\xef\xbb\xbf" + EVENT.encode()), check_colormap=False)


def test_a_list_as_a_key(tmp_path: Path) -> None:
    path = write(tmp_path, EVENT + "? [a, b]\n: c\n")
    assert only(path) == f"{path}:{EVENT.count(chr(10)) + 1}: a key must be a name, not a list or mapping"


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!!binary", "!local", "!!set"])
def test_yaml_tags_are_refused(tmp_path: Path, tag: str) -> None:
    path = write(tmp_path, edit("  days:", f"  venue: {tag} aGk=\n  days:"))
    assert only(path) == f"{path}:4: event.venue: YAML tags ({tag}) are not supported; remove it"


def test_a_second_yaml_document(tmp_path: Path) -> None:
    path = write(tmp_path, EVENT + "---\nevent: {}\n")
    line = EVENT.count("\n") + 1
    assert only(path) == f"{path}:{line}: not valid YAML: one document per file (a second one starts here)"


def test_a_duplicate_top_level_key(tmp_path: Path) -> None:
    text = EVENT + "roster: other.csv\n"
    path = write(tmp_path, text)
    assert only(path) == f"{path}:{EVENT.count(chr(10)) + 1}: roster: duplicate key (first on line 7)"


def test_a_duplicate_key_inside_a_session(tmp_path: Path) -> None:
    text = edit('    start: "09:00"\n', '    start: "09:00"\n    start: "11:00"\n')
    path = write(tmp_path, text)
    first = line_of(text, 'start: "09:00"')
    assert only(path) == (
        f"{path}:{line_of(text, '11:00')}: sessions[0] (opening).start: duplicate key (first on line {first})"
    )


def test_a_merge_key_is_refused(tmp_path: Path) -> None:
    text = edit("    kind: closing\n", "    kind: closing\n    <<: {room: Hall}\n")
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, '<<')}: sessions[1] (closing).<<: "
        "merge keys (<<) are not supported; write the fields out"
    )


def test_a_control_character_in_a_value(tmp_path: Path) -> None:
    path = write(tmp_path, edit("name: Summit", 'name: "Sum\\0mit"'))
    assert only(path) == f"{path}:2: event.name: contains a control character (U+0000); remove it"


def test_a_control_character_in_the_roster_path_is_reported_not_raised(tmp_path: Path) -> None:
    path = write(tmp_path, edit("roster: roster.csv", 'roster: "roster\\0.csv"'))
    found = [str(p) for p in problems(path)]
    assert f"{path}:7: roster: contains a control character (U+0000); remove it" in found


def test_an_event_file_over_the_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, EVENT + "#" * 8_000_000 + "\n")
    assert only(path) == f"{path}: 8.0 MB; an event file may be at most 1 MB"


def test_a_control_character_in_the_yaml_text(tmp_path: Path) -> None:
    path = write(tmp_path, edit("name: Summit", "name: Sum\x07mit"))
    assert only(path) == f"{path}:2: not valid YAML: control characters are not allowed (U+0007)"


# --------------------------------------------------------------------------- the roster's bytes


@pytest.mark.parametrize(
    ("row", "field", "char"),
    [
        ("ana,Ana\x00Lead,ana@x.org,,,other", "name", "U+0000"),
        ("ana\x1b,Ana Lead,ana@x.org,,,other", "id", "U+001B"),
        ("ana,Ana Lead,ana@x.org\x7f,,,other", "email", "U+007F"),
    ],
)
def test_a_control_character_in_a_roster_field(tmp_path: Path, row: str, field: str, char: str) -> None:
    path = roster(tmp_path, f"id,name,email,slack_id,team,role\n{row}\n")
    _, found = load_roster(path, display="people.csv", roles=ROLES, teams=TEAMS)
    assert [str(p) for p in found] == [
        f"people.csv:2: {field}: contains a control character ({char}); remove it"
    ]


def test_a_roster_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(
        "id,name,email,slack_id,team,role\nana,Ana L\xe9ad,ana@x.org,,,other\n".encode("latin-1")
    )
    _, found = load_roster(path, display="people.csv", roles=ROLES, teams=TEAMS)
    assert [str(p) for p in found] == ["people.csv:2: not UTF-8 (byte 0xE9); save the file as UTF-8"]


def test_a_roster_field_over_the_csv_limit(tmp_path: Path) -> None:
    path = roster(
        tmp_path, 'id,name,email,slack_id,team,role\nana,"' + "A" * 200_000 + '",ana@x.org,,,other\n'
    )
    _, found = load_roster(path, display="people.csv", roles=ROLES, teams=TEAMS)
    assert [str(p) for p in found] == ["people.csv:2: not a CSV file: field larger than field limit (131072)"]


def test_a_roster_path_too_long_for_the_file_system(tmp_path: Path) -> None:
    path = write(tmp_path, edit("roster: roster.csv", f"roster: {'r' * 5000}.csv"))
    (problem,) = problems(path)
    assert problem.line is None and problem.message == "roster file not found"


# --------------------------------------------------------------------------- clocks that change


def dst_event(day: str, start: str, end: str) -> str:
    text = edit("days: [2026-04-17, 2026-04-18]", f"days: [{day}, 2026-04-18]")
    return edit(
        'day: 2026-04-17\n    start: "09:00"\n    end: "10:00"',
        f'day: {day}\n    start: "{start}"\n    end: "{end}"',
        text,
    )


@pytest.mark.parametrize(
    ("start", "end", "field", "skipped"),
    [("02:30", "04:00", "start", "02:30"), ("01:00", "02:15", "end", "02:15")],
)
def test_a_session_at_a_time_the_clocks_skip(
    tmp_path: Path, start: str, end: str, field: str, skipped: str
) -> None:
    text = dst_event("2026-03-08", start, end)
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, skipped)}: sessions[0] (opening).{field}: {skipped} does not exist "
        "on 2026-03-08 in America/Los_Angeles: the clocks go from 02:00 to 03:00"
    )


def test_a_session_at_a_time_that_happens_twice_is_a_warning(tmp_path: Path) -> None:
    text = dst_event("2026-11-01", "01:30", "03:00")
    path = write(tmp_path, text)
    event = load_event(path, check_colormap=False)
    assert [str(w) for w in event.warnings] == [
        f"{path}:{line_of(text, '01:30')}: sessions[0] (opening).start: 01:30 happens twice on 2026-11-01 "
        "in America/Los_Angeles; the first (PDT, UTC-7) is used"
    ]
    assert event.session_start(event.sessions["opening"]) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)


def test_a_pre_event_time_the_clocks_skip(tmp_path: Path) -> None:
    text = edit('opens: "2026-04-10 09:00"', 'opens: "2026-03-08 02:05"')
    path = write(tmp_path, text)
    assert only(path) == (
        f"{path}:{line_of(text, '02:05')}: polls[0] (expectations).pre_event.opens: 02:05 does not "
        "exist on 2026-03-08 in America/Los_Angeles: the clocks go from 02:00 to 03:00"
    )


def test_a_dm_opening_at_a_time_that_happens_twice(tmp_path: Path) -> None:
    text = edit("opens: closing", 'opens: "2026-11-01 01:59"')
    text = edit("    dm:\n", '    dm:\n      closes: "2026-11-02 09:00"\n', text)
    path = write(tmp_path, text)
    event = load_event(path, check_colormap=False)
    assert [str(w) for w in event.warnings] == [
        f"{path}:{line_of(text, '01:59')}: polls[1] (evaluation).dm.opens: 01:59 happens twice on 2026-11-01 "
        "in America/Los_Angeles; the first (PDT, UTC-7) is used"
    ]


def test_a_whole_day_that_does_not_exist(tmp_path: Path) -> None:
    # Samoa moved across the date line: December 30, 2011 never happened in Apia.
    text = edit("timezone: America/Los_Angeles", "timezone: Pacific/Apia")
    text = edit("days: [2026-04-17, 2026-04-18]", "days: [2011-12-30, 2026-04-18]", text)
    text = edit("day: 2026-04-17", "day: 2011-12-30", text)
    path = write(tmp_path, text)
    start, end = line_of(text, 'start: "09:00"'), line_of(text, 'end: "10:00"')
    assert [str(p) for p in problems(path)] == [
        f"{path}:{start}: sessions[0] (opening).start: 09:00 does not exist on 2011-12-30 "
        "in Pacific/Apia: the clocks go from 2011-12-30 00:00 to 2011-12-31 00:00",
        f"{path}:{end}: sessions[0] (opening).end: 10:00 does not exist on 2011-12-30 "
        "in Pacific/Apia: the clocks go from 2011-12-30 00:00 to 2011-12-31 00:00",
    ]


@pytest.mark.parametrize("roster_path", ['""', '" "', "."])
def test_a_roster_path_that_names_no_file(tmp_path: Path, roster_path: str) -> None:
    path = write(tmp_path, edit("roster: roster.csv", f"roster: {roster_path}"))
    assert only(path) == f"{path}:7: roster: must be the path of a CSV file, relative to the event file"


def test_a_syntax_error_at_the_end_of_a_file_without_a_last_line_break(tmp_path: Path) -> None:
    # libyaml counts one line more at the end of such a file.
    text = EVENT + "x: [a, b"
    path = write(tmp_path, text)
    assert only(path).startswith(f"{path}:{text.count(chr(10)) + 1}: not valid YAML: ")
