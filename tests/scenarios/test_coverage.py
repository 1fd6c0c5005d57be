"""Breakouts in pairs, and what each team covers: the goal in the event file, what a person
sees on choosing, the DM before each round to teams short of it, /coverage, and the report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import Event, EventFileError, load_event, plan
from storage.models import JobRun, Outbox
from tests.kit import EXAMPLE

R1, R2 = "20150509T1700Z", "20150509T1815Z"  # 10:00 and 11:15 AM, Saturday, May 9
PLENARY = "#lmi-plenary"
ABC = ("abc-usd-supt", "abc-usd-board", "abc-usd-teachers", "abc-usd-classified")
PAR = "Focusing on Teacher Quality Through Peer Assistance and Review"
SITE = "Site/School Level Collaboration"


def home_text(ws: Workspace, person: str) -> str:
    user = ws.user(person)
    homes = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user]
    assert homes, "no Home tab was published"
    return "\n".join(b["text"]["text"] for b in homes[-1].view["blocks"] if isinstance(b.get("text"), dict))


def choose(ws: Workspace, person: str, round_key: str, session_id: str) -> str:
    """Open the Home tab and pick a breakout there, as Slack sends it; the Home tab after."""
    user = ws.user(person)
    assert ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"}).status == 200
    view = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user][-1]
    reply = ws.driver.select(
        user, view_id=view.id, action_id=f"breakout_choose_{round_key}", value=session_id
    )
    assert reply.status == 200
    return home_text(ws, person)


def dms_to(ws: Workspace, person: str) -> list[str]:
    user = ws.user(person)
    if user not in ws.sandbox.dms:
        return []
    return [m.text for m in ws.sandbox.messages(ws.sandbox.dms[user])]


def nudges_to(ws: Workspace, person: str) -> list[str]:
    return [t for t in dms_to(ws, person) if t.startswith(":busts_in_silhouette:")]


def on_goal(ws: Workspace) -> None:
    """ABC goes in pairs to four different breakouts."""
    for person, r1, r2 in (
        ("abc-usd-supt", "r1-par", "r2-lcap"),
        ("abc-usd-board", "r1-par", "r2-lcap"),
        ("abc-usd-teachers", "r1-features", "r2-site"),
        ("abc-usd-classified", "r1-features", "r2-site"),
    ):
        choose(ws, person, R1, r1)
        choose(ws, person, R2, r2)


@pytest.fixture
def saturday(clock: ManualClock) -> ManualClock:
    clock.set(datetime(2015, 5, 9, 15, 0, tzinfo=UTC))  # 8:00 AM Saturday
    return clock


# --------------------------------------------------------------------------- the event file


def test_the_example_states_pairs_and_four_and_plans_a_nudge_before_each_round(example_event: Event) -> None:
    goal = example_event.breakouts
    assert goal is not None and goal.pairs and goal.team_covers == 4
    jobs = {j.id: j for j in plan(example_event)}
    assert jobs[f"breakout-nudge:{R1}"].at == datetime(2015, 5, 9, 16, 30, tzinfo=UTC)  # 9:30 AM
    assert jobs[f"breakout-nudge:{R2}"].at == datetime(2015, 5, 9, 18, 5, tzinfo=UTC)  # 11:05 AM, its own
    assert jobs[f"breakout-nudge:{R1}"].what == "breakout coverage: the 10:00 AM round"


def _event(tmp_path: Path, breakouts: str, *, sessions: str | None = None) -> Path:
    (tmp_path / "roster.csv").write_text(
        "id,name,email,slack_id,team,role\n"
        "ann,Ann,ann@x.example.org,,t1,other\nbob,Bob,bob@x.example.org,,t1,other\n"
    )
    breakout = "kind: breakout, day: 2015-05-09, start: '10:00', end: '11:00'"
    (tmp_path / "event.yaml").write_text(
        "event: {name: E, timezone: America/Los_Angeles, days: [2015-05-09]}\n"
        "roster: roster.csv\nteams: [{id: t1, name: Team one}]\n"
        "sessions:\n"
        + (
            sessions
            if sessions is not None
            else f"  - {{id: a, title: A, {breakout}}}\n  - {{id: b, title: B, {breakout}}}\n"
        )
        + breakouts
    )
    return tmp_path / "event.yaml"


def test_the_loader_names_file_line_and_field_of_a_goal_that_cannot_be_met(tmp_path: Path) -> None:
    path = _event(
        tmp_path,
        "breakouts:\n"
        "  pairs: true\n"
        "  team_covers: 3\n"
        "  nudge: -5\n"
        "  rounds:\n"
        "    - {at: '2015-05-09 09:00', nudge: 10}\n"
        "    - {at: '2015-05-09 10:00', team_covers: 4}\n"
        "    - {at: '2015-05-09 10:00'}\n"
        "    - {at: '2015-05-09 10:00', pair: true}\n",
    )
    with pytest.raises(EventFileError) as caught:
        load_event(path)
    problems = [str(p) for p in caught.value.problems]
    name = str(path)
    assert f"{name}:10: breakouts.nudge: Input should be greater than or equal to 0" in problems
    assert f"{name}:15: breakouts.rounds[3].pair: unknown field (check the spelling)" in problems
    assert (
        f"{name}:9: breakouts.team_covers: 3 is more than the 2 different breakouts offered" not in problems
    )
    # The bad nudge stops the section's model: fixed, the rest is checked against the rounds.
    path.write_text(path.read_text().replace("nudge: -5", "nudge: 5").replace(", pair: true", ""))
    with pytest.raises(EventFileError) as caught:
        load_event(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{name}:9: breakouts.team_covers: 3 is more than the 2 different breakouts offered",
        f"{name}:12: breakouts.rounds[0].at: no breakouts start at 2015-05-09 09:00 "
        "(rounds start at 2015-05-09 10:00)",
        f"{name}:13: breakouts.rounds[1].team_covers: 4 is more than the 2 breakouts in this round",
        f"{name}:14: breakouts.rounds[2].at: the round at 2015-05-09 10:00 is listed twice",
        f"{name}:15: breakouts.rounds[3].at: the round at 2015-05-09 10:00 is listed twice",
    ]


def test_a_goal_for_an_event_with_no_breakouts_is_refused(tmp_path: Path) -> None:
    plenary = "  - {id: p, title: P, kind: plenary, day: 2015-05-09, start: '10:00', end: '11:00'}\n"
    path = _event(tmp_path, "breakouts: {pairs: true}\n", sessions=plenary)
    with pytest.raises(EventFileError) as caught:
        load_event(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:6: breakouts: there are no breakout sessions (kind: breakout) for this goal"
    ]


# --------------------------------------------------------------------------- choosing in the Home tab


def test_choosing_shows_teammates_partners_and_what_the_team_covers(
    ws: Workspace, saturday: ManualClock
) -> None:
    choose(ws, "abc-usd-supt", R1, "r1-par")
    home = choose(ws, "abc-usd-board", R1, "r1-par")
    assert f"You chose *{PAR}*. From your team, Charles Orozco is going too." in home
    home = choose(ws, "abc-usd-teachers", R1, "r1-site")
    assert f"You chose *{SITE}*. No one else from your team is going to it yet." in home
    assert "*Your team's breakouts* (ABC Unified School District)" in home
    assert (
        f"*10:00 AM* · *{PAR}*: Charles Orozco and Benjamin Calloway · *{SITE}*: you · "
        "not chosen yet: Emily Rios"
    ) in home
    assert (
        "Your team covers 2 of 6 breakouts (the goal is 4); no one is going to "
        "*Eight Critical Features of Effective Collaboration*, "
        "*Partnering Around LCFF and LCAP Development*, "
        "*Another Perspective on Collaboration: Inter-District Collaboration*, or "
        "*Labor-Management Collaboration: Impact on Student Achievement* yet; "
        f"you are on your own in *{SITE}* (10:00 AM); "
        "Emily Rios has not chosen a breakout for 10:00 AM yet; "
        "you, Charles Orozco, Benjamin Calloway, and Emily Rios have not chosen a breakout for 11:15 AM yet."
    ) in home
    # The same breakout in the second round covers nothing new; a partner there ends "on your own".
    choose(ws, "abc-usd-classified", R1, "r1-site")
    home = choose(ws, "abc-usd-teachers", R2, "r2-par")
    assert "Your team covers 2 of 6 breakouts (the goal is 4)" in home
    assert "on your own" not in home.split("*11:15 AM*")[0]  # round one: everyone has a teammate
    assert f"you are on your own in *{PAR}* (11:15 AM)" in home


def test_a_team_on_goal_reads_so_and_a_double_click_changes_nothing(
    ws: Workspace, saturday: ManualClock
) -> None:
    on_goal(ws)
    home = choose(ws, "abc-usd-classified", R2, "r2-site")  # the same choice again, as a double click
    assert "Your team covers 4 of 6 breakouts (the goal is 4): on goal." in home
    with Session(ws.engine) as session:
        assert not session.exec(select(Outbox).where(Outbox.kind == "dm")).all()


# --------------------------------------------------------------------------- the DM before each round


def test_teams_short_of_the_goal_get_one_dm_each_before_each_round(
    example_event: Event, engine: Engine, saturday: ManualClock
) -> None:
    with Workspace(example_event, clock=saturday, engine=engine) as ws:
        on_goal(ws)
        choose(ws, "alhambra-usd-supt", R1, "r1-par")
        choose(ws, "alhambra-usd-board", R1, "r1-impact")
        ran = ws.run_until(datetime(2015, 5, 9, 16, 31, tzinfo=UTC))
        assert f"breakout-nudge:{R1}" in ran
        assert all(nudges_to(ws, p) == [] for p in ABC)  # on goal: no DM
        (nudge,) = nudges_to(ws, "alhambra-usd-board")
        assert nudge == (
            ":busts_in_silhouette: *Breakouts start at 10:00 AM.* Your team covers 2 of 6 breakouts "
            "(the goal is 4); no one is going to *Eight Critical Features of Effective Collaboration*, "
            f"*Partnering Around LCFF and LCAP Development*, *{SITE}*, or "
            "*Another Perspective on Collaboration: Inter-District Collaboration* yet; "
            f"Norma Andersen is on their own in *{PAR}* (10:00 AM); "
            "you are on your own in *Labor-Management Collaboration: Impact on Student Achievement* "
            "(10:00 AM); "
            "Marcus Acosta and Thomas Yamamoto have not chosen a breakout for 10:00 AM yet; "
            "you, Norma Andersen, Marcus Acosta, and Thomas Yamamoto have not chosen a breakout for "
            "11:15 AM yet.\nChoose or change your breakouts in Convene's Home tab."
        )
        assert len(nudges_to(ws, "alhambra-usd-classified")) == 1
        assert not nudges_to(ws, "cdef-events-lead")  # staff are on no team
        scheduler = ws.services.scheduler
        assert scheduler.execute(f"breakout-nudge:{R1}", datetime(2015, 5, 9, 16, 30, tzinfo=UTC)) == "done"
    # A restart before the second round: the first round's DMs are not sent again.
    with Workspace(example_event, clock=saturday, engine=engine) as again:
        report = again.services.scheduler.reconcile()
        assert (report.added, report.moved) == ([], [])
        again.run_until(datetime(2015, 5, 9, 18, 6, tzinfo=UTC))
        with Session(engine) as session:
            runs = session.exec(select(JobRun).where(JobRun.job_id.startswith("breakout-nudge:"))).all()  # type: ignore[attr-defined]
            assert sorted((r.job_id, r.status) for r in runs) == [
                (f"breakout-nudge:{R1}", "sent"),
                (f"breakout-nudge:{R2}", "sent"),
            ]
            keys = [
                r.key
                for r in session.exec(select(Outbox).where(Outbox.key.startswith("breakout-nudge:"))).all()  # type: ignore[attr-defined]
            ]
        assert len(keys) == len(set(keys)) == 2 * 46 * 4  # 46 teams short, 4 each, twice
        # The sandbox is new: only the second round's DM is in it, and it says what is left.
        (second,) = nudges_to(again, "alhambra-usd-board")
        assert second.startswith(":busts_in_silhouette: *Breakouts start at 11:15 AM.*")
        assert "on their own" not in second and "for 10:00 AM" not in second  # round one is over
        assert all(nudges_to(again, p) == [] for p in ABC)


# --------------------------------------------------------------------------- /coverage


def test_coverage_shows_every_team_to_staff_and_refuses_participants(
    ws: Workspace, saturday: ManualClock
) -> None:
    on_goal(ws)
    choose(ws, "alhambra-usd-supt", R1, "r1-par")
    lead = ws.user("cdef-events-lead")
    reply = ws.driver.command(lead, "/coverage", channel=PLENARY)
    body = json.dumps(reply.json["blocks"], ensure_ascii=False)
    assert reply.text.startswith(
        "*Breakout coverage* (goal: a teammate in every breakout and 4 different breakouts per team)\n"
        "1 of 47 district teams on goal."
    )
    assert ":white_check_mark: *ABC Unified School District*: 4 of 6" in body
    assert ":warning: *Alhambra Unified School District*: 1 of 6 · 1 on their own · 7 not chosen" in body
    assert len(reply.json["blocks"]) <= 50
    team = ws.driver.command(ws.user("facilitator-lead"), "/coverage alhambra", channel=PLENARY).text
    assert team.startswith("*Breakout coverage: Alhambra Unified School District*\n*10:00 AM* · ")
    assert f"Norma Andersen is on their own in *{PAR}* (10:00 AM)" in team
    one_round = ws.driver.command(lead, "/coverage 10:00", channel=PLENARY)
    assert one_round.text.startswith("*Breakouts at 10:00 AM*")
    assert f"• *ABC Unified School District*: *{PAR}*: Charles Orozco and Benjamin Calloway" in json.dumps(
        one_round.json["blocks"], ensure_ascii=False
    )


def test_the_home_tab_of_staff_counts_the_teams_on_goal(ws: Workspace, saturday: ManualClock) -> None:
    on_goal(ws)
    choose(ws, "alhambra-usd-supt", R1, "r1-par")
    lead = ws.user("cdef-events-lead")
    assert ws.driver.event({"type": "app_home_opened", "user": lead, "tab": "home"}).status == 200
    assert (
        "*Breakout coverage*: 1 of 47 district teams on goal; 1 with someone on their own. "
        "`/coverage` shows each team."
    ) in home_text(ws, "cdef-events-lead")
    assert "*Breakout coverage*" not in home_text(ws, "abc-usd-supt")


def test_coverage_answers_bad_input_clearly(ws: Workspace, saturday: ManualClock) -> None:
    lead = ws.user("cdef-events-lead")
    assert ws.driver.command(lead, "/coverage 9:00", channel=PLENARY).text == (
        "No breakouts start at 9:00 AM. Breakout rounds start at 10:00 AM and 11:15 AM on Saturday, May 9."
    )
    assert ws.driver.command(lead, "/coverage Qwerty", channel=PLENARY).text == (
        "There is no team called “Qwerty”. `/coverage` lists every team."
    )
    assert ws.driver.command(lead, "/coverage Alhambra Unifed", channel=PLENARY).text == (
        "There is no team called “Alhambra Unifed”. Did you mean Alhambra Unified School District?"
    )
    several = ws.driver.command(lead, "/coverage union", channel=PLENARY).text
    assert several.startswith("“union” names several teams: ") and "Which one?" in several
    hostile = ws.driver.command(lead, "/coverage <!channel> *x*", channel=PLENARY).text
    assert "<!channel>" not in hostile and hostile.startswith("There is no team called")
    long = ws.driver.command(lead, "/coverage " + "x" * 5000, channel=PLENARY).text
    assert long.startswith("There is no team called “xxx") and len(long) < 200
    by_id = ws.driver.command(lead, "/coverage ABC-USD", channel=PLENARY).text
    assert by_id.startswith("*Breakout coverage: ABC Unified School District*")
    choose(ws, "abc-usd-supt", R1, "r1-par")
    refused = ws.driver.command(ws.user("abc-usd-board"), "/coverage", channel=PLENARY).text
    assert refused.startswith(
        "Only facilitators and organizers can see every team's breakout coverage.\n"
        "Your team covers 1 of 6 breakouts (the goal is 4)"
    )
    assert refused.endswith("Your Home tab with Convene shows your team's choices.")
    assert ws.driver.command(ws.user("abc-usd-board"), "/coverage abc", channel=PLENARY).text.startswith(
        "Only facilitators and organizers"
    )


def test_coverage_in_an_event_with_no_breakouts(
    tmp_path: Path, engine: Engine, saturday: ManualClock
) -> None:
    (tmp_path / "roster.csv").write_text((EXAMPLE.parent / "roster.csv").read_text())
    text = EXAMPLE.read_text().replace("kind: breakout", "kind: plenary")
    start = text.index("breakouts:\n  pairs")
    text = text[:start] + text[text.index("# Vision headlines", start) :]
    (tmp_path / "event.yaml").write_text(text)
    with Workspace(load_event(tmp_path / "event.yaml"), clock=saturday, engine=engine) as ws:
        reply = ws.driver.command(ws.user("cdef-events-lead"), "/coverage", channel=PLENARY)
        assert reply.text == "This event has no breakout sessions."


# --------------------------------------------------------------------------- the report


def test_the_report_has_a_breakout_coverage_section_with_a_table_and_a_chart(
    ws: Workspace, saturday: ManualClock, tmp_path: Path
) -> None:
    on_goal(ws)
    choose(ws, "alhambra-usd-supt", R1, "r1-par")
    choose(ws, "alhambra-usd-board", R1, "r1-impact")
    md_path, html_path = ws.services.report.write(tmp_path)
    md = md_path.read_text()
    section = md[md.index("## Breakout coverage\n") :]
    section = section[: section.index("\n## ", 5)]
    assert (
        "Goal: a teammate in every breakout and 4 different breakouts per team. "
        "1 of 47 district teams met it. 2 people were on their own in a breakout."
    ) in section
    assert "| Team | Breakouts covered | On their own | Not chosen | Goal met |" in section
    assert "| ABC Unified School District | 4 of 6 | 0 | 0 | yes |" in section
    assert "| Alhambra Unified School District | 2 of 6 | 2 | 6 | no |" in section
    assert (
        "![Teams by the number of different breakouts they covered](images/breakout-coverage.png)" in section
    )
    assert (tmp_path / "images" / "breakout-coverage.png").read_bytes().startswith(b"\x89PNG")
    assert "Breakout coverage" in html_path.read_text()
