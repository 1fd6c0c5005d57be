"""Team polls end to end: any member answers for the team, teammates are told, each answer's
focus questions reach the team once, facilitators see the stages and nudge the teams that
have not answered. Signed Slack requests, the real database, the outbox into the sandbox."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import Event, EventFileError, load_event
from bot.insights.results import participation
from storage.models import Outbox, Poll, Response

ROOT = Path(__file__).resolve().parents[2]
POLL = "team-stage"
ROOM = "#lmi-team-time"
TEAM_TIME = datetime(2015, 5, 9, 15, 50, tzinfo=UTC)  # 8:50 am in San Diego, team time 1
EXAMPLE = ROOT / "examples" / "symposium-2015" / "event.yaml"
AT = f"polls[{list(load_event(EXAMPLE, check_colormap=False).polls).index(POLL)}] ({POLL})"
ABC = ["abc-usd-supt", "abc-usd-board", "abc-usd-teachers", "abc-usd-classified"]


@pytest.fixture
def team_time(ws: Workspace, clock: ManualClock) -> Workspace:
    clock.set(TEAM_TIME)
    reply = ws.driver.command(ws.user("facilitator-lead"), f"/poll launch {POLL}", channel=ROOM)
    assert "Launched `team-stage`" in reply.text
    ws.deliver()
    return ws


def settle(ws: Workspace) -> None:
    """Deliver everything queued, moving the clock on a second at a time as pacing asks."""
    for _ in range(600):
        ws.deliver()
        with Session(ws.engine) as session:
            if session.exec(select(Outbox).where(Outbox.status == "pending")).first() is None:
                return
        assert isinstance(ws.clock, ManualClock)
        ws.clock.advance(1)
    raise AssertionError("the outbox did not drain")


def poll_row(ws: Workspace) -> Poll:
    with Session(ws.engine) as session:
        poll = session.get(Poll, POLL)
        assert poll is not None
        return poll


def answer(ws: Workspace, who: str, choice: int) -> Any:
    poll = poll_row(ws)
    assert poll.channel_id and poll.message_ts
    reply = ws.driver.click(
        ws.user(who), channel=poll.channel_id, message_ts=poll.message_ts, action_id=f"poll_vote_{choice}"
    )
    assert reply.status == 200, reply.body
    return reply


def notes_to(ws: Workspace, who: str) -> list[str]:
    return [e.text for e in ws.sandbox.ephemerals if e.user == ws.user(who)]


def dms_to(ws: Workspace, who: str) -> list[str]:
    return [m.text for m in ws.sandbox.messages(ws.user(who))]


def answers(ws: Workspace) -> list[Response]:
    with Session(ws.engine) as session:
        return list(session.exec(select(Response).where(Response.poll_id == POLL)))


def questions(event: Event, choice: int) -> tuple[str, ...]:
    return event.polls[POLL].focus_questions[choice]


# ---------------------------------------------------------------- answering for the team


def test_a_member_answers_for_the_team_and_every_member_gets_its_focus_questions(
    team_time: Workspace,
) -> None:
    ws = team_time
    answer(ws, "abc-usd-supt", 2)
    settle(ws)
    assert notes_to(ws, "abc-usd-supt")[-1].startswith(
        "Recorded for ABC Unified School District: *Developing: collaborating on specific projects*."
    )
    [row] = answers(ws)
    assert (row.voter_key, row.choices, row.user_id) == ("team:abc-usd", [2], ws.user("abc-usd-supt"))
    for member in ABC:
        [dm] = dms_to(ws, member)
        assert "Charles Orozco answered for your team: *Developing: collaborating on specific projects*" in dm
        for question in questions(ws.event, 2):
            assert question in dm
    assert dms_to(ws, "alhambra-usd-supt") == []  # another team hears nothing
    message = ws.sandbox.message(poll_row(ws).channel_id or "", poll_row(ws).message_ts or "")
    shown = json.dumps(message.blocks)
    assert "1 of 47 district teams answered" in shown
    assert "one answer per team" in shown


@pytest.mark.database
def test_a_double_click_or_a_teammate_choosing_the_same_sends_nothing_more(team_time: Workspace) -> None:
    ws = team_time
    answer(ws, "abc-usd-supt", 1)
    answer(ws, "abc-usd-supt", 1)
    answer(ws, "abc-usd-teachers", 1)
    settle(ws)
    assert notes_to(ws, "abc-usd-supt")[-1].startswith("Already ABC Unified School District's answer")
    assert "(given by you)" in notes_to(ws, "abc-usd-supt")[-1]
    assert "(given by Charles Orozco)" in notes_to(ws, "abc-usd-teachers")[-1]
    assert [len(dms_to(ws, m)) for m in ABC] == [1, 1, 1, 1]
    assert len(answers(ws)) == 1


@pytest.mark.database
def test_a_teammate_replaces_the_answer_the_team_is_told_and_gets_the_new_set(team_time: Workspace) -> None:
    ws = team_time
    answer(ws, "abc-usd-supt", 1)
    answer(ws, "abc-usd-board", 3)
    settle(ws)
    assert notes_to(ws, "abc-usd-board")[-1].startswith(
        "Changed ABC Unified School District's answer from *Beginning: early conversations about working "
        "together* (given by Charles Orozco) to *Established"
    )
    for member in ABC:
        first, second = dms_to(ws, member)
        assert questions(ws.event, 1)[0] in first
        assert "Benjamin Calloway changed your team's answer from *Beginning" in second
        assert all(q in second for q in questions(ws.event, 3))
    [row] = answers(ws)
    assert (row.choices, row.user_id) == ([3], ws.user("abc-usd-board"))

    # Back to an answer the team already had: no second copy of its questions, but the team is told.
    answer(ws, "abc-usd-teachers", 1)
    settle(ws)
    assert len(dms_to(ws, "abc-usd-teachers")) == 2
    for member in ("abc-usd-supt", "abc-usd-board", "abc-usd-classified"):
        last = dms_to(ws, member)[-1]
        assert len(dms_to(ws, member)) == 3
        assert "Connor Stanton changed your team's answer from *Established" in last
        assert "came earlier" in last
    results = json.dumps(
        ws.driver.command(ws.user("facilitator-lead"), f"/poll results {POLL}", channel=ROOM).json
    )
    assert "1 of 47 district teams answered" in results
    assert results.count("1 \\u00b7 100%") == 1 and results.count("0 \\u00b7 0%") == 4


def test_someone_on_no_team_is_told_and_nothing_is_recorded(team_time: Workspace) -> None:
    ws = team_time
    answer(ws, "facilitator-lead", 0)
    settle(ws)
    assert notes_to(ws, "facilitator-lead")[-1] == (
        "_Where is your team in its partnership today?_ is answered by each district team, and you are "
        "not on one of them, so nothing was recorded."
    )
    assert answers(ws) == []


# ---------------------------------------------------------------- facilitators


def test_results_count_teams_missing_lists_them_and_each_is_nudged_once(team_time: Workspace) -> None:
    ws = team_time
    answer(ws, "abc-usd-supt", 0)
    answer(ws, "alhambra-usd-teachers", 0)
    answer(ws, "alisal-union-sd-board", 4)
    facilitator = ws.user("facilitator-lead")
    results = ws.driver.command(facilitator, f"/poll results {POLL}", channel=ROOM)
    assert "3 of 47 district teams answered" in json.dumps(results.json)

    missing = json.dumps(ws.driver.command(facilitator, f"/poll missing {POLL}", channel=ROOM).json)
    assert "ABC Unified School District and Alhambra Unified School District" in missing
    assert "Alisal Union School District" in missing
    assert "*Not answered yet* (44)" in missing
    assert "Antelope Valley Unified School District" in missing

    nudge = ws.driver.command(facilitator, f"/poll nudge {POLL}", channel=ROOM)
    assert nudge.text == "Nudged 44 district teams (176 people) to answer `team-stage`."
    settle(ws)
    again = ws.driver.command(facilitator, f"/poll nudge {POLL}", channel=ROOM)
    assert again.text == "44 district teams had their nudge already (a team is nudged once)."
    settle(ws)
    assert len(dms_to(ws, "antelope-valley-usd-supt")) == 1
    assert "has not answered _Where is your team" in dms_to(ws, "antelope-valley-usd-supt")[0]
    assert all("has not answered" not in dm for dm in dms_to(ws, "abc-usd-board"))

    refused = ws.driver.command(ws.user("abc-usd-supt"), f"/poll nudge {POLL}", channel=ROOM)
    assert refused.text == "Only facilitators and organizers can nudge teams."
    wrong = ws.driver.command(facilitator, "/poll missing capacity-project", channel=ROOM)
    assert wrong.text.startswith(
        "`capacity-project` is not a poll answered by teams. The team polls: `team-stage`"
    )


def test_the_report_and_the_summary_count_teams_and_split_them_by_neither_side_nor_role(
    team_time: Workspace, tmp_path: Path
) -> None:
    ws = team_time
    answer(ws, "abc-usd-supt", 0)  # management gives ABC's answer, then labor changes it
    answer(ws, "abc-usd-teachers", 2)
    answer(ws, "alhambra-usd-teachers", 0)
    answer(ws, "alisal-union-sd-board", 4)
    settle(ws)
    md_path, _ = ws.services.report.write(tmp_path)
    md = md_path.read_text()
    start = md.index("### Where is your team in its partnership today?")
    section = md[start : md.index("\n## ", start)]
    assert "\n3 of 47 district teams answered.\n" in section
    # A team's answer is the whole team's: it is neither its giver's side nor their role.
    assert "**By side**" not in section and "**By role**" not in section
    assert "| Other |" not in section and "Not on the roster" not in section
    # Each team gave one answer: the table says which, not 0% and 100% in five columns.
    assert "**Each team's answer**" in section and "**By team**" not in section
    assert "| ABC Unified School District | Developing: collaborating on specific projects |" in section
    assert "| Alhambra Unified School District | Exploring: we have not yet worked as partners |" in section
    # Its chart's bars are shares of the teams that answered, and its axis says so.
    chart = next(b for b in ws.services.report.blocks() if b.kind == "image" and b.name == f"poll-{POLL}.png")
    assert chart.text == "Where is your team in its partnership today? — % of district teams (n = 3)"
    summary = "\n".join(ws.services.summaries.for_session("team-time-1").sections)
    assert "(`team-stage`): 3 of 47 district teams answered" in summary
    assert "By side" not in summary


def test_a_team_answer_is_not_counted_as_its_giver_answering_a_poll(team_time: Workspace) -> None:
    ws = team_time
    answer(ws, "abc-usd-supt", 0)
    answer(ws, "alhambra-usd-teachers", 0)
    with Session(ws.engine) as session:
        people = participation(session, ws.services.polls)
    # "Superintendent: 1 of 47 answered a poll" would credit one role with the whole team's answer.
    assert people.polls == 0
    assert all(done == 0 for _, done, _ in people.by_role + people.by_team)
    # The digest says why it has no participation yet, without claiming no poll ran.
    digest = ws.services.summaries.digest(date(2015, 5, 9))  # type: ignore[union-attr]
    assert digest.sections[0] == (
        "*Participation*\n_No poll people answer for themselves has run yet (team polls count "
        "teams, in their results): participation shows once one has._"
    )


# ---------------------------------------------------------------- the Home tab


def test_the_home_tab_shows_the_team_answer_and_its_focus_questions_during_team_time(
    team_time: Workspace, clock: ManualClock
) -> None:
    ws = team_time

    def home(who: str) -> str:
        ws.driver.event({"type": "app_home_opened", "user": ws.user(who), "tab": "home"})
        views = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == ws.user(who)]
        return json.dumps(views[-1].view["blocks"], ensure_ascii=False)

    assert "Your team has not answered yet" in home("abc-usd-classified")
    answer(ws, "abc-usd-supt", 2)
    shown = home("abc-usd-classified")
    assert (
        "Your team's answer: *Developing: collaborating on specific projects* "
        "(given by Charles Orozco at 8:50" in shown
    )
    assert all(q in shown for q in questions(ws.event, 2))
    # First on the tab, above the day's agenda: it is what the team at its table needs now.
    assert shown.index("Your team's focus questions") < shown.index("Breakfast")
    assert "*Team time: " not in home("facilitator-lead")

    ws.driver.command(ws.user("facilitator-lead"), f"/poll close {POLL}", channel=ROOM)
    clock.set(datetime(2015, 5, 9, 17, 0, tzinfo=UTC))  # after team time
    assert "Your team's focus questions" not in home("abc-usd-classified")


# ---------------------------------------------------------------- two at once


@pytest.mark.database
@pytest.mark.parametrize("same", [False, True], ids=["different answers", "the same answer"])
def test_two_teammates_answering_at_the_same_moment(
    example_event: Event, any_engine: Engine, clock: ManualClock, same: bool
) -> None:
    clock.set(TEAM_TIME)
    with Workspace(example_event, clock=clock, engine=any_engine) as ws:
        ws.driver.command(ws.user("facilitator-lead"), f"/poll launch {POLL}", channel=ROOM)
        settle(ws)
        teams = [t for t in example_event.teams][:6]
        pairs = [(f"{t}-supt", f"{t}-teachers") for t in teams]
        start = threading.Barrier(2 * len(pairs))

        def click(who: str, choice: int) -> None:
            start.wait()
            answer(ws, who, choice)

        threads = [
            threading.Thread(target=click, args=(who, choice))
            for a, b in pairs
            for who, choice in ((a, 1), (b, 1 if same else 3))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        settle(ws)
        rows = {r.voter_key: r for r in answers(ws)}
        assert len(rows) == len(pairs)
        for (a, b), team in zip(pairs, teams, strict=True):
            row = rows[f"team:{team}"]
            [note_a], [note_b] = notes_to(ws, a), notes_to(ws, b)
            if same:
                # One is recorded, the other is told it already stands, and the questions go once.
                assert sorted(n.split(" ", 1)[0] for n in (note_a, note_b)) == ["Already", "Recorded"]
                assert all(len(dms_to(ws, p)) == 1 for p in (a, b))
                continue
            # The later answer stands; its giver is told whose it replaced; the earlier giver is told by DM.
            winner, loser = (b, a) if row.choices == [3] else (a, b)
            assert row.user_id == ws.user(winner)
            assert notes_to(ws, winner)[0].startswith("Changed")
            assert notes_to(ws, loser)[0].startswith("Recorded")
            assert "changed your team's answer" in dms_to(ws, loser)[-1]
            assert [len(dms_to(ws, p)) for p in (a, b)] == [2, 2]


# ---------------------------------------------------------------- the event file


def event_copy(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    folder = tmp_path / "event"
    shutil.copytree(ROOT / "examples" / "symposium-2015", folder)
    path = folder / "event.yaml"
    text = path.read_text()
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    path.write_text(text)
    return path, text


def problems(path: Path) -> list[str]:
    with pytest.raises(EventFileError) as caught:
        load_event(path, check_colormap=False)
    return [str(p) for p in caught.value.problems]


def line_of(text: str, needle: str) -> int:
    [line] = [n for n, t in enumerate(text.splitlines(), 1) if needle in t]
    return line


def test_the_example_event_has_a_team_poll_with_focus_questions_for_every_stage(example_event: Event) -> None:
    spec = example_event.polls[POLL]
    assert spec.scope == "team" and spec.session == "team-time-1"
    assert sorted(spec.focus_questions) == list(range(len(spec.options)))


def test_focus_questions_on_a_poll_each_person_answers_are_refused_by_file_line_and_field(
    tmp_path: Path,
) -> None:
    path, text = event_copy(
        tmp_path, "    scope: team                     #", "    scope: person                   #"
    )
    line = line_of(text, 'label: "Exploring') + 1  # its focus_questions:
    assert (
        f"{path}:{line}: {AT}.options[0].focus_questions: focus questions go to the team "
        "that chooses this option: give the poll `scope: team`"
    ) in problems(path)


def test_a_misspelt_option_key_and_an_empty_question_are_located(tmp_path: Path) -> None:
    path, text = event_copy(
        tmp_path,
        "          - What has kept labor and management in your district from working together so far?",
        '          - ""',
    )
    text = text.replace(
        "        focus_questions:\n          - What has each",
        "        focus_question:\n          - What has each",
    )
    path.write_text(text)
    found = problems(path)
    empty = line_of(text, '- ""')
    assert any(p.startswith(f"{path}:{empty}: {AT}.options[0].focus_questions[0]: ") for p in found), found
    assert (
        f"{path}:{line_of(text, 'focus_question:')}: {AT}.options[1].focus_question: "
        "unknown field (check the spelling)"
    ) in found


def test_a_team_poll_cannot_be_anonymous_or_multiple_choice(tmp_path: Path) -> None:
    path, text = event_copy(
        tmp_path,
        "    scope: team                     #",
        "    anonymous: true  # here\n    scope: team                     #",
    )
    assert (
        f"{path}:{line_of(text, 'anonymous: true  # here')}: {AT}.anonymous: a team poll shows "
        "teammates who gave the team's answer; it cannot be anonymous"
    ) in problems(path)
    path.write_text(
        text.replace("    anonymous: true  # here\n", "").replace(
            "question: Where is your team in its partnership today?\n    kind: single_choice",
            "question: Where is your team in its partnership today?\n    kind: multiple_choice",
        )
    )
    assert any(
        f"{AT}.kind: a team poll is single_choice: each team names one answer" in p for p in problems(path)
    )
