"""What the event file says about teams and who a session is for: kinds of team and the
nouns that count them, tags, `team_size`, `audience:` and its checks, the zone shown beside
each day, and a broken team or role reported once rather than on every roster row."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.event import EventFileError, Problem, load_event
from bot.event.plan import plan
from bot.event.wall_clock import zone_on

EVENT = """\
event:
  name: Summit
  timezone: America/Los_Angeles
  days: [2026-04-17, 2026-04-18]
teams:
  - {id: river-usd, name: River Unified, tags: [new]}
  - {id: valley-esd, name: Valley Elementary}
  - {id: hill-coe, name: Hill County Office, kind: county_office}
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
  - id: pre-conference
    title: For new teams
    day: 2026-04-17
    start: "07:30"
    end: "08:30"
    kind: plenary
    channel: summit-new
    audience: {tags: [new]}
  - id: role-supts
    title: Superintendents
    day: 2026-04-17
    start: "10:15"
    end: "11:00"
    kind: role_alike
    role: superintendent
  - id: team-time
    title: Team time
    day: 2026-04-18
    start: "13:00"
    end: "14:00"
    kind: team_time
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
      closes: "2026-04-16 17:00"
  - id: ready
    question: Ready?
    kind: rating
    session: pre-conference
"""

ROSTER = """\
id,name,email,slack_id,team,role
ana-lead,Ana Lead,ana@summit.example.org,,,other
river-supt,Rita Rivera,rita@river.example.org,,river-usd,superintendent
river-board,Bo Banks,bo@river.example.org,,river-usd,board_member
valley-supt,Val Ortiz,val@valley.example.org,,valley-esd,superintendent
valley-teachers,Tess Tran,tess@valley.example.org,,valley-esd,teachers_union_president
hill-supt,Hal Hill,hal@hill.example.org,,hill-coe,superintendent
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


def problems(path: Path) -> list[str]:
    with pytest.raises(EventFileError) as caught:
        load_event(path, check_colormap=False)
    return [str(p) for p in caught.value.problems]


def ids(people: list) -> list[str]:  # type: ignore[type-arg]
    return [p.id for p in people]


# --------------------------------------------------------------------------- one cause, once


# The event file without this file's new keys: what any version of the loader reads.
PLAIN = (
    EVENT.replace(", tags: [new]", "")
    .replace(", kind: county_office", "")
    .replace("    audience: {tags: [new]}\n", "")
)


def test_an_unknown_key_on_a_team_is_reported_once_not_on_every_roster_row(tmp_path: Path) -> None:
    event = edit(
        "{id: valley-esd, name: Valley Elementary}", "{id: valley-esd, name: Valley, colour: blue}", PLAIN
    )
    path = write(tmp_path, event)
    assert problems(path) == [
        f"{path}:{line_of(event, 'colour')}: teams[1] (valley-esd).colour: unknown field (check the spelling)"
    ]


def test_an_unknown_key_on_a_role_is_reported_once_not_on_every_roster_row(tmp_path: Path) -> None:
    event = edit(
        "roster: roster.csv\n",
        "roles:\n"
        "  - {id: superintendent, label: Superintendent, sde: management}\n"
        "  - {id: board_member, label: Board member}\n"
        "  - {id: teachers_union_president, label: Teachers union president}\n"
        "  - {id: other, label: Other}\n"
        "roster: roster.csv\n",
        PLAIN,
    )
    path = write(tmp_path, event)
    assert problems(path) == [
        f"{path}:{line_of(event, 'sde:')}: roles[0] (superintendent).sde: unknown field (check the spelling)"
    ]


# --------------------------------------------------------------------------- kinds of team


def test_teams_are_district_teams_unless_they_say_otherwise(tmp_path: Path) -> None:
    event = load_event(write(tmp_path), check_colormap=False)
    assert [t.kind for t in event.teams.values()] == ["district", "district", "county_office"]
    assert event.count_teams() == "2 district teams and 1 county office"
    assert event.count_teams([event.teams["river-usd"]]) == "1 district team"
    assert event.count_teams([]) == "0 teams"
    assert event.team_noun(3) == "teams"  # a mix of kinds
    assert event.team_noun(1, [event.teams["hill-coe"]]) == "county office"
    assert event.team_noun(2, [event.teams["river-usd"], event.teams["valley-esd"]]) == "district teams"


def test_an_event_of_district_teams_only_counts_district_teams(tmp_path: Path) -> None:
    event = load_event(write(tmp_path, edit(", kind: county_office}", "}"), ROSTER), check_colormap=False)
    assert event.count_teams() == "3 district teams"
    assert event.team_noun(2) == "district teams"
    assert event.count_teams([]) == "0 district teams"


def test_the_event_may_list_its_own_kinds_of_team(tmp_path: Path) -> None:
    event_text = edit(
        "teams:\n",
        "team_kinds:\n"
        "  - {id: district, singular: district team, plural: district teams}\n"
        "  - {id: charter, singular: charter school, plural: charter schools}\n"
        "teams:\n",
        edit(", kind: county_office}", ", kind: charter}"),
    )
    event = load_event(write(tmp_path, event_text), check_colormap=False)
    assert event.count_teams() == "2 district teams and 1 charter school"


def test_a_kind_of_team_the_event_does_not_list(tmp_path: Path) -> None:
    event = edit("kind: county_office}", "kind: charter}")
    path = write(tmp_path, event)
    assert problems(path) == [
        f"{path}:{line_of(event, 'charter')}: teams[2] (hill-coe).kind: unknown team kind 'charter' "
        "(team kinds: county_office, district)"
    ]


def test_a_kind_of_team_without_its_plural(tmp_path: Path) -> None:
    event = edit("teams:\n", "team_kinds:\n  - {id: district, singular: district team}\nteams:\n")
    path = write(tmp_path, event)
    found = problems(path)
    assert found[0] == (
        f"{path}:{line_of(event, 'singular: district team}')}: team_kinds[0] (district).plural: "
        "required field is missing"
    )
    # The kind is still in the file: its teams are not also "unknown kind".
    assert not any("unknown team kind 'district'" in p for p in found)


# --------------------------------------------------------------------------- team size


def test_a_team_over_its_size_is_an_error_on_the_first_roster_row_too_many(tmp_path: Path) -> None:
    roster = ROSTER + "".join(
        f"river-{n},River {n},r{n}@river.example.org,,river-usd,other\n" for n in range(3, 7)
    )
    path = write(tmp_path, edit("roster: roster.csv\n", "team_size: {max: 4}\nroster: roster.csv\n"), roster)
    fifth = line_of(roster, "river-5,")
    rows = (
        ", ".join(str(line_of(roster, f"{pid},")) for pid in ["river-supt", "river-board"])
        + ", "
        + ", ".join(str(line_of(roster, f"river-{n},")) for n in range(3, 7))
    )
    assert problems(path) == [
        f"{tmp_path / 'roster.csv'}:{fifth}: team: 'river-usd' has 6 people on the roster (lines {rows}); "
        "team_size allows at most 4"
    ]


def test_a_team_under_its_size_is_an_error_on_the_team(tmp_path: Path) -> None:
    event = edit("roster: roster.csv\n", "team_size: {min: 2, max: 4}\nroster: roster.csv\n")
    path = write(tmp_path, event)
    assert problems(path) == [
        f"{path}:{line_of(event, 'hill-coe')}: teams[2] (hill-coe): 1 person on the roster (lines 7); "
        "team_size asks for at least 2"
    ]


def test_a_team_size_whose_max_is_below_its_min(tmp_path: Path) -> None:
    event = edit("roster: roster.csv\n", "team_size: {min: 5, max: 4}\nroster: roster.csv\n")
    path = write(tmp_path, event)
    assert problems(path) == [
        f"{path}:{line_of(event, 'team_size')}: team_size.max: max (4) is below min (5)"
    ]


def test_staff_with_no_team_are_not_counted_in_a_team(tmp_path: Path) -> None:
    event = load_event(
        write(tmp_path, edit("roster: roster.csv\n", "team_size: {min: 1, max: 2}\nroster: roster.csv\n")),
        check_colormap=False,
    )
    assert event.team_size is not None and event.team_size.max == 2


# --------------------------------------------------------------------------- who a session is for


def test_a_session_for_tagged_teams_is_for_their_members_only(tmp_path: Path) -> None:
    event = load_event(write(tmp_path), check_colormap=False)
    assert ids(event.audience(event.sessions["pre-conference"])) == ["river-supt", "river-board"]
    assert ids(event.audience(event.polls["ready"])) == ["river-supt", "river-board"]  # its session's
    assert len(event.audience(event.sessions["opening"])) == 6  # everyone, staff too
    assert len(event.audience(event.polls["expectations"])) == 6


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("{team_kinds: [county_office]}", ["hill-supt"]),
        ("{teams: [valley-esd]}", ["valley-supt", "valley-teachers"]),
        ("{roles: [superintendent]}", ["river-supt", "valley-supt", "hill-supt"]),
        ("{roles: [superintendent], team_kinds: [district]}", ["river-supt", "valley-supt"]),
        ("{tags: [new], roles: [board_member]}", ["river-board"]),
        ("{teams: [valley-esd, hill-coe], team_kinds: [county_office]}", ["hill-supt"]),
    ],
)
def test_each_list_of_an_audience_narrows_it(tmp_path: Path, audience: str, expected: list[str]) -> None:
    event = load_event(write(tmp_path, edit("audience: {tags: [new]}", f"audience: {audience}")))
    assert ids(event.audience(event.sessions["pre-conference"])) == expected


def test_a_session_kind_and_its_audience_both_apply(tmp_path: Path) -> None:
    event_text = edit(
        "    kind: role_alike\n    role: superintendent\n",
        "    kind: role_alike\n    role: superintendent\n    audience: {team_kinds: [district]}\n",
    )
    event_text = edit(
        "    kind: team_time\n", "    kind: team_time\n    audience: {tags: [new]}\n", event_text
    )
    event = load_event(write(tmp_path, event_text), check_colormap=False)
    assert ids(event.audience(event.sessions["role-supts"])) == ["river-supt", "valley-supt"]
    assert ids(event.audience(event.sessions["team-time"])) == ["river-supt", "river-board"]
    assert [t.id for t in event.audience_teams(event.sessions["team-time"])] == ["river-usd"]


def test_a_poll_sent_by_dm_may_have_its_own_audience(tmp_path: Path) -> None:
    event_text = edit("    pre_event:\n", "    audience: {team_kinds: [county_office]}\n    pre_event:\n")
    event = load_event(write(tmp_path, event_text), check_colormap=False)
    assert ids(event.audience(event.polls["expectations"])) == ["hill-supt"]
    jobs = {j.id: j for j in plan(event)}
    assert jobs["poll-open:expectations"].to == "DM to members of county offices (1)"


def test_a_session_for_some_of_the_people_is_not_announced_to_everyone(tmp_path: Path) -> None:
    jobs = {j.id: j for j in plan(load_event(write(tmp_path), check_colormap=False))}
    assert jobs["reminder:pre-conference:15"].to == "#summit-new"
    assert jobs["dm-reminder:pre-conference:10"].to == "DM to members of teams tagged new (2)"
    assert jobs["reminder:opening:15"].to == "#summit-announcements"
    assert "dm-reminder:opening:10" not in jobs


@pytest.mark.parametrize(
    ("audience", "needle", "message"),
    [
        (
            "{teams: [lake-usd]}",
            "lake-usd",
            "audience.teams[0]: unknown team 'lake-usd' (teams: hill-coe, river-usd, valley-esd)",
        ),
        (
            "{team_kinds: [charter]}",
            "charter",
            "audience.team_kinds[0]: unknown team kind 'charter' (team_kinds: county_office, district)",
        ),
        (
            "{roles: [mayor]}",
            "mayor",
            "audience.roles[0]: unknown role 'mayor' (roles: board_member, "
            "classified_union_president, other, superintendent, teachers_union_president)",
        ),
        (
            "{tags: [newcomer]}",
            "newcomer",
            "audience.tags[0]: no team has the tag 'newcomer' (tags in use: "
            "new; give a team `tags: [newcomer]`)",
        ),
        ("{tag: [new]}", "tag:", "audience.tag: unknown field (check the spelling)"),
    ],
)
def test_an_audience_naming_what_the_event_does_not_have(
    tmp_path: Path, audience: str, needle: str, message: str
) -> None:
    event = edit("audience: {tags: [new]}", f"audience: {audience}")
    path = write(tmp_path, event)
    assert problems(path) == [f"{path}:{line_of(event, needle)}: sessions[1] (pre-conference).{message}"]


def test_an_audience_nobody_on_the_roster_is_in_is_a_warning(tmp_path: Path) -> None:
    event_text = edit("audience: {tags: [new]}", "audience: {tags: [new], roles: [teachers_union_president]}")
    event = load_event(write(tmp_path, event_text), check_colormap=False)
    assert [str(w) for w in event.warnings] == [
        f"{tmp_path / 'event.yaml'}:{line_of(event_text, 'audience:')}: "
        "sessions[1] (pre-conference).audience: nobody on the roster is in this audience"
    ]


def test_a_tag_that_is_not_an_id(tmp_path: Path) -> None:
    event = edit("River Unified, tags: [new]}", "River Unified, tags: [New Teams]}")
    path = write(tmp_path, event)
    assert problems(path)[0] == (
        f"{path}:{line_of(event, 'New Teams')}: teams[0] (river-usd).tags[0]: must be lower-case letters, "
        "digits, '-' or '_' (at most 64)"
    )


# --------------------------------------------------------------------------- the zone on each day


@pytest.mark.parametrize(
    ("zone", "day", "shown"),
    [
        ("America/Los_Angeles", date(2026, 10, 31), "PDT"),
        ("America/Los_Angeles", date(2026, 11, 1), "PDT until 2:00\u202fAM, then PST"),
        ("America/Los_Angeles", date(2026, 3, 8), "PST until 2:00\u202fAM, then PDT"),
        ("America/Los_Angeles", date(2026, 12, 1), "PST"),
        ("Europe/Berlin", date(2026, 10, 25), "CEST until 3:00\u202fAM, then CET"),
        ("UTC", date(2026, 6, 1), "UTC"),
    ],
)
def test_the_zone_shown_beside_a_day(zone: str, day: date, shown: str) -> None:
    assert zone_on(day, ZoneInfo(zone)) == shown


def test_problem_locations_are_plain_problems(tmp_path: Path) -> None:
    # The roster problems team_size makes are ordinary `Problem`s, located in the roster.
    roster = ROSTER + "river-3,River 3,r3@river.example.org,,river-usd,other\n"
    path = write(tmp_path, edit("roster: roster.csv\n", "team_size: {max: 2}\nroster: roster.csv\n"), roster)
    with pytest.raises(EventFileError) as caught:
        load_event(path, check_colormap=False)
    (problem,) = caught.value.problems
    assert problem == Problem(
        str(tmp_path / "roster.csv"),
        line_of(roster, "river-3,"),
        "team",
        "'river-usd' has 3 people on the roster (lines 3, 4, 8); team_size allows at most 2",
    )
