"""The evaluation survey: one form by DM at the closing session, nudges, and its results."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import load_event
from storage.models import Response
from tests.kit import SUMMER
from tests.kit.survey import (
    take_survey,
)


def test_survey_by_dm_at_the_closing_session(ws: Workspace, tmp_path: Path) -> None:
    ws.run_until(datetime(2015, 5, 9, 22, 31, tzinfo=UTC))  # 3:31 PM Saturday: closing has started
    supts = [p.id for p in ws.event.people.values() if p.role == "superintendent"][:5]
    teachers = [p.id for p in ws.event.people.values() if p.role == "teachers_union_president"][:2]
    view, reply = take_survey(ws, supts[0], [5, 4], [0, 5], "More time with our team, please")
    assert reply.status == 200 and reply.body == ""
    blocks = json.dumps(view.view["blocks"])
    assert "Overall, the conference was useful and informative." in blocks and "5 Strongly agree" in blocks
    for person in supts[1:]:
        take_survey(ws, person, [4, 4], [0], "")
    for person in teachers:
        take_survey(ws, person, [2, 3], [], "")
    with Session(ws.engine) as session:
        rows = list(session.exec(select(Response).where(Response.poll_id == "evaluation")))
    assert len(rows) == 7 and all(r.user_id is None for r in rows)
    # Rows come in no particular order (an anonymous answer's id is random): find the first one.
    assert {
        "statements": [4, 3],
        "interests": [0, 5],
        "comments": "More time with our team, please",
    } in [r.answers for r in rows]
    # A form with a statement left unrated is refused inline and nothing changes.
    _, missing = take_survey(ws, teachers[0], [None, 3], [], "")
    assert missing.json == {
        "response_action": "errors",
        "errors": {"s0": "Rate every statement from 1 to 5."},
    }
    staff = ws.driver.command(ws.user("facilitator-lead"), "/poll results evaluation", channel="#lmi-closing")
    text = json.dumps(staff.json, ensure_ascii=False)
    assert (
        "*Overall, the conference was useful and informative.*: 71% agree or strongly agree (n = 7)" in text
    )
    assert "7 of 199 have answered" in text
    md_path, _ = ws.services.report.write(tmp_path)
    md = md_path.read_text()
    # Labor has 2 answers, so it is hidden; Management (5) is hidden too, or 7 - 5 would reveal Labor.
    assert (
        "| Overall, the conference was useful and informative. | 71% | 7 | fewer than 5 | fewer than 5 |"
        in md
    )
    assert "| Regional convenings | 5 |" in md and "“More time with our team, please”" in md
    # The nudge goes only to those who have not answered.
    ws.run_until(datetime(2015, 5, 11, 16, 1, tzinfo=UTC))
    nudged = {
        u
        for u, dm in ws.sandbox.dms.items()
        if any("the organizers would love your answers" in m.text for m in ws.sandbox.messages(dm))
    }
    assert ws.user(supts[0]) not in nudged and ws.user("abc-usd-board") in nudged


def test_a_survey_nobody_has_answered_says_so_everywhere(engine: Engine, tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 6, 22, 23, 1, tzinfo=UTC))
    with Workspace(load_event(SUMMER), clock=clock, engine=engine) as ws:
        ws.run_until(datetime(2026, 6, 22, 23, 5, tzinfo=UTC))  # the pre-conference survey is out
        reply = ws.driver.command(
            ws.user("kim-facilitator"), "/poll results pre-evaluation", channel="#institute-plenary"
        )
        text = json.dumps(reply.json, ensure_ascii=False)
        assert "_No answers yet._" in text and "0 of 8 have answered" in text
        assert "n = 0" not in text and "0% agree" not in text
        md = ws.services.report.write(tmp_path)[0].read_text()
    survey = md.split("### How did the pre-conference go for your team?\n", 1)[1]
    assert survey.startswith("\n0 people answered.\n\nNo answers yet.\n")
    assert "| 0% |" not in md
