"""Vision headlines: the form, edits and withdrawals, moderation, nudges, and the wall."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import load_event
from bot.headlines import wall_messages
from storage.models import Headline
from tests.kit import EXAMPLE

CHANNEL = "#lmi-team-time"


def open_form(ws: Workspace, person: str):  # type: ignore[no-untyped-def]
    user = ws.user(person)
    reply = ws.driver.command(user, "/headline", channel=CHANNEL)
    assert reply.status == 200 and reply.body == "", reply.body
    (view,) = ws.sandbox.open_views(user)
    return view


def submit(
    ws: Workspace, person: str, view_id: str, text: str, explanation: str = "", team: str | None = None
):  # type: ignore[no-untyped-def]
    values = {
        "headline": {"value": {"type": "plain_text_input", "value": text}},
        "explanation": {"value": {"type": "plain_text_input", "value": explanation or None}},
    }
    if team:
        values["team"] = {"value": {"type": "static_select", "selected_option": {"value": team}}}
    return ws.driver.submit(ws.user(person), view_id, values)


def headlines(ws: Workspace) -> list[Headline]:
    with Session(ws.engine) as session:
        return list(session.exec(select(Headline).order_by(Headline.id)))  # type: ignore[arg-type]


def notes_to(ws: Workspace, person: str) -> list[str]:
    return [e.text for e in ws.sandbox.ephemerals if e.user == ws.user(person)]


def test_a_team_member_submits_a_headline(ws: Workspace) -> None:
    view = open_form(ws, "abc-usd-supt")
    assert view.view["callback_id"] == "headline_submit"
    assert "Team: *ABC Unified School District*" in json.dumps(view.view["blocks"])
    reply = submit(ws, "abc-usd-supt", view.id, "  Partners   lift graduation to 95% ", "Together since 1993")
    assert reply.status == 200 and reply.body == ""
    (h,) = headlines(ws)
    assert (h.team_id, h.author_person, h.text, h.explanation) == (
        "abc-usd",
        "abc-usd-supt",
        "Partners lift graduation to 95%",
        "Together since 1993",
    )
    ws.deliver()
    assert notes_to(ws, "abc-usd-supt") == [
        "Saved headline #1 for ABC Unified School District. `/headline mine` to edit or withdraw it."
    ]


def test_errors_show_inline_and_nothing_is_saved(ws: Workspace) -> None:
    view = open_form(ws, "abc-usd-board")
    assert submit(ws, "abc-usd-board", view.id, "   ").json == {
        "response_action": "errors",
        "errors": {"headline": "Write your team's headline."},
    }
    assert submit(ws, "abc-usd-board", view.id, "x" * 151).json == {
        "response_action": "errors",
        "errors": {"headline": "Keep it to 150 characters (this one has 151)."},
    }
    assert headlines(ws) == []
    assert ws.sandbox.open_views(ws.user("abc-usd-board"))  # the form stays open to fix


def test_only_team_members_submit(ws: Workspace) -> None:
    reply = ws.driver.command(ws.user("presenter-par"), "/headline", channel=CHANNEL)
    assert reply.text.startswith("Headlines come from district teams, and you are not on a team")
    assert ws.sandbox.open_views(ws.user("presenter-par")) == []


def test_someone_on_two_teams_picks_one(engine: Engine, clock: ManualClock, tmp_path: Path) -> None:
    (tmp_path / "event.yaml").write_text(EXAMPLE.read_text())
    roster = (
        (EXAMPLE.parent / "roster.csv")
        .read_text()
        .replace(",abc-usd,superintendent", ",abc-usd; alhambra-usd,superintendent", 1)
    )
    (tmp_path / "roster.csv").write_text(roster)
    with Workspace(load_event(tmp_path / "event.yaml"), clock=clock, engine=engine) as ws:
        view = open_form(ws, "abc-usd-supt")
        team_block = next(b for b in view.view["blocks"] if b.get("block_id") == "team")
        assert [o["value"] for o in team_block["element"]["options"]] == ["abc-usd", "alhambra-usd"]
        assert submit(ws, "abc-usd-supt", view.id, "Two districts, one voice").json["errors"] == {
            "team": "Choose your team."
        }
        submit(ws, "abc-usd-supt", view.id, "Two districts, one voice", team="alhambra-usd")
        assert [h.team_id for h in headlines(ws)] == ["alhambra-usd"]


def test_authors_edit_and_withdraw_their_own_until_collection_closes(
    ws: Workspace, clock: ManualClock
) -> None:
    submit(ws, "abc-usd-supt", open_form(ws, "abc-usd-supt").id, "First draft")
    mine = ws.driver.command(ws.user("abc-usd-supt"), "/headline mine", channel=CHANNEL)
    assert "“First draft”" in json.dumps(mine.json, ensure_ascii=False)
    # Another member of the team cannot edit it.
    other = ws.driver.command(ws.user("abc-usd-board"), "/headline mine", channel=CHANNEL)
    assert other.text == "You have not submitted a headline yet. `/headline` opens the form."
    user = ws.user("abc-usd-supt")
    edit = ws.driver.send_payload(_action(ws, user, "headline_edit", "1"))
    assert edit.status == 200
    (view,) = ws.sandbox.open_views(user)
    assert view.view["blocks"][2]["element"]["initial_value"] == "First draft"
    submit(ws, "abc-usd-supt", view.id, "Final: trust built, students thrive")
    assert [h.text for h in headlines(ws)] == ["Final: trust built, students thrive"]
    stranger = ws.driver.send_payload(_action(ws, ws.user("abc-usd-board"), "headline_withdraw", "1"))
    assert stranger.status == 200
    ws.driver.send_payload(_action(ws, user, "headline_withdraw", "1"))
    assert [h.status for h in headlines(ws)] == ["withdrawn"]
    ws.deliver()
    assert "That headline is not one of yours (or it was withdrawn)." in notes_to(ws, "abc-usd-board")
    clock.set(datetime(2015, 5, 9, 22, 31, tzinfo=UTC))  # 3:31 PM, after collection closed
    late = ws.driver.command(user, "/headline", channel=CHANNEL)
    assert late.text == "Headline collection has closed."


def test_closed_collection_refuses_a_form_already_open(ws: Workspace, clock: ManualClock) -> None:
    view = open_form(ws, "abc-usd-supt")
    clock.set(datetime(2015, 5, 9, 22, 30, tzinfo=UTC))
    assert submit(ws, "abc-usd-supt", view.id, "Just in time?").json["errors"] == {
        "headline": "Headline collection closed at 3:30 PM on Saturday, May 9."
    }


def test_facilitators_hide_see_missing_and_nudge_once(ws: Workspace) -> None:
    submit(ws, "abc-usd-supt", open_form(ws, "abc-usd-supt").id, "Good one")
    submit(ws, "alhambra-usd-supt", open_form(ws, "alhambra-usd-supt").id, "Off-topic one")
    staff = ws.user("facilitator-lead")
    refused = ws.driver.command(ws.user("abc-usd-board"), "/headline hide 2", channel=CHANNEL)
    assert refused.text == "Only facilitators and organizers can hide headlines."
    assert ws.driver.command(staff, "/headline hide 2", channel=CHANNEL).text == (
        "Headline #2 is hidden from the wall and the word cloud."
    )
    assert ws.services.headlines.texts() == ["Good one"]
    listing = json.dumps(ws.driver.command(staff, "/headline list", channel=CHANNEL).json, ensure_ascii=False)
    assert "#2 (hidden) “Off-topic one”" in listing and "45 district teams have not submitted" in listing
    missing = ws.driver.command(staff, "/headline missing", channel=CHANNEL).json
    assert missing["text"] == "45 teams have not submitted a headline."
    assert ws.driver.command(staff, "/headline nudge", channel=CHANNEL).text == (
        "Nudged 180 people on teams that have not submitted yet. Each person is nudged only once."
    )
    assert ws.driver.command(staff, "/headline nudge", channel=CHANNEL).text.startswith("Nobody to nudge")
    ws.deliver()
    board = ws.user("abc-usd-board")
    assert board not in ws.sandbox.dms  # ABC submitted: its members are not nudged
    teachers = ws.user("beaumont-usd-teachers")
    assert ws.sandbox.messages(ws.sandbox.dms[teachers])[0].text.startswith(
        ":newspaper: Your team has not sent its vision headline yet"
    )
    assert ws.driver.command(staff, "/headline hide 99", channel=CHANNEL).text == (
        "There is no headline #99. `/headline list` shows them."
    )


def test_typed_text_never_pings_or_formats_on_the_wall(ws: Workspace) -> None:
    sneaky = "<!channel> @here <@U123> *big* _news_ ~x~ `y` http://evil.example.org"
    submit(ws, "abc-usd-supt", open_form(ws, "abc-usd-supt").id, sneaky, "<!here> see https://x.example.org")
    (message,) = wall_messages(ws.services.headlines.wall(), ws.event)
    for block in message["blocks"]:
        text = json.dumps(block)
        if block.get("text", {}).get("type") == "mrkdwn":
            assert "channel" not in text and "@here" not in text and "evil" not in text
    typed = [b for b in message["blocks"] if "evil" in json.dumps(b)]
    assert typed and all(b["text"]["type"] == "plain_text" for b in typed)


def test_the_wall_groups_by_team_and_splits_within_slacks_limits(ws: Workspace) -> None:
    for team in list(ws.event.teams)[:47]:
        for role in ("supt", "board", "teachers"):
            person = f"{team}-{role}"
            submit(ws, person, open_form(ws, person).id, f"{team} {role}: " + "y" * 100, "z" * 200)
    messages = wall_messages(ws.services.headlines.wall(), ws.event)
    assert len(messages) >= 2
    for message in messages:
        assert len(message["blocks"]) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if "text" in b)
    teams_in_order = [
        b["text"]["text"]
        for m in messages
        for b in m["blocks"]
        if b["type"] == "section" and b["text"]["type"] == "mrkdwn" and b["text"]["text"].startswith("*")
    ]
    assert teams_in_order[0] == "*ABC Unified School District*" and len(teams_in_order) == 47
    assert messages[0]["text"] == f"Vision headlines (1 of {len(messages)})"


def _action(ws: Workspace, user: str, action_id: str, value: str) -> dict:  # type: ignore[type-arg]
    return {
        "type": "block_actions",
        "user": {"id": user, "name": user, "username": user, "team_id": ws.sandbox.team_id},
        "api_app_id": "A0CONVENE",
        "token": "t",
        "trigger_id": ws.sandbox.new_trigger_id(user),
        "team": {"id": ws.sandbox.team_id, "domain": "sandbox"},
        "container": {
            "type": "message",
            "message_ts": "1.0",
            "channel_id": ws.sandbox.channel_id(CHANNEL),
            "is_ephemeral": True,
        },
        "channel": {"id": ws.sandbox.channel_id(CHANNEL), "name": CHANNEL[1:]},
        "response_url": ws.sandbox.new_response_url(channel_id=ws.sandbox.channel_id(CHANNEL), user_id=user),
        "actions": [
            {"action_id": action_id, "block_id": "b", "type": "button", "value": value, "action_ts": "1.0"}
        ],
    }


def test_team_time_reminder_and_home_tab_carry_the_headline_button(ws: Workspace) -> None:
    ws.run_until(datetime(2015, 5, 9, 21, 36, tzinfo=UTC))  # 2:36 PM: team time 2 reminders went out
    reminder = [m for m in ws.sandbox.messages(CHANNEL) if "Team time 2" in m.text][-1]
    user = ws.user("abc-usd-teachers")
    reply = ws.driver.click(user, channel=CHANNEL, message_ts=reminder.ts, action_id="headline_open")
    assert reply.status == 200
    (view,) = ws.sandbox.open_views(user)
    assert view.view["callback_id"] == "headline_submit"
    dm = ws.sandbox.messages(ws.sandbox.dms[user])
    assert any("headline_open" in json.dumps(m.blocks) for m in dm if "Team time 2" in m.text)
    ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
    home = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user][-1]
    assert "headline_open" in json.dumps(home.view["blocks"])
    staff = ws.user("presenter-par")  # not on a team: no button
    ws.driver.event({"type": "app_home_opened", "user": staff, "tab": "home"})
    home = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == staff][-1]
    assert "headline_open" not in json.dumps(home.view["blocks"])


def test_a_deadline_on_another_day_names_its_day(ws: Workspace, clock: ManualClock) -> None:
    clock.set(datetime(2015, 5, 8, 23, 0, tzinfo=UTC))  # 4 PM Friday; collection closes 3:30 PM Saturday
    form = json.dumps(open_form(ws, "abc-usd-supt").view["blocks"])
    assert "Collection closes at Saturday, May 9, 3:30 PM." in form
    ws.driver.command(ws.user("facilitator-lead"), "/headline nudge", channel=CHANNEL)
    ws.deliver()
    (nudge,) = ws.sandbox.messages(ws.sandbox.dms[ws.user("beaumont-usd-teachers")])
    assert "Use `/headline` before Saturday, May 9, 3:30 PM." in nudge.text
    clock.set(datetime(2015, 5, 9, 16, 0, tzinfo=UTC))  # 9 AM Saturday: the same day
    assert "Collection closes at 3:30 PM." in json.dumps(open_form(ws, "abc-usd-board").view["blocks"])
