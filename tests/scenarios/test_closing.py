"""/wordcloud, /closing and the scheduled closing session: PNGs through files upload v2, the wall."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from PIL import Image

from bot.devkit import Workspace
from tests.kit.closing import (
    PLENARY,
    submit_headline,
)

ANSWERS = [
    "Learning how other districts build trust between labor and management",
    "Building trust with our union partners and student achievement",
    "Student achievement and trust, and hearing from other districts",
    "Ideas for student achievement through collaboration",
]


def answer_open_poll(ws: Workspace, poll_id: str, answers: list[str]) -> None:
    ws.driver.command(ws.user("facilitator-lead"), f"/poll launch {poll_id}", channel=PLENARY)
    ws.deliver()
    message = ws.sandbox.messages(PLENARY)[-1]
    people = [p.id for p in ws.event.people.values() if p.team]
    for person, text in zip(people, answers, strict=False):
        user = ws.user(person)
        ws.driver.click(user, channel=PLENARY, message_ts=message.ts, action_id="poll_answer")
        (view,) = ws.sandbox.open_views(user)
        ws.driver.submit(user, view.id, {"answer": {"text": {"type": "plain_text_input", "value": text}}})
    ws.deliver()


def test_wordcloud_posts_a_png_with_alt_text(ws: Workspace) -> None:
    answer_open_poll(ws, "looking-forward", ANSWERS)
    reply = ws.driver.command(ws.user("facilitator-lead"), "/wordcloud looking-forward", channel=PLENARY)
    assert reply.text == "Word cloud of 4 answers on its way to this channel."
    ws.deliver()
    (file,) = ws.sandbox.files.values()
    assert file["channels"] == [ws.sandbox.channel_id(PLENARY)] and file["completed"]
    image = Image.open(io.BytesIO(file["content"]))
    assert image.size == (1600, 900)
    assert "student achievement (3)" in file["alt_txt"] and "trust (3)" in file["alt_txt"]
    assert "district" not in file["alt_txt"].split("Top words:")[1]  # a per-event stop word
    shared = [m for m in ws.sandbox.messages(PLENARY) if m.files]
    assert len(shared) == 1
    assert [c.method for c in ws.sandbox.calls if c.method.startswith("files.")][:1] == [
        "files.getUploadURLExternal"
    ]


def test_wordcloud_refuses_clearly(ws: Workspace) -> None:
    staff = ws.user("facilitator-lead")
    assert ws.driver.command(staff, "/wordcloud looking-forward", channel=PLENARY).text == (
        "No word cloud for `looking-forward`: No answers yet."
    )
    assert ws.driver.command(staff, "/wordcloud capacity-project", channel=PLENARY).text == (
        "`capacity-project` is not an open-text poll; word clouds are drawn from written answers."
    )
    ws.driver.command(staff, "/poll launch first-step", channel=PLENARY)
    assert ws.driver.command(staff, "/wordcloud first-step", channel=PLENARY).text == (
        "`first-step` hides its results until it closes; close it first."
    )
    assert ws.driver.command(staff, "/wordcloud nope", channel=PLENARY).text.startswith(
        "There is no poll `nope`"
    )
    assert ws.driver.command(staff, "/wordcloud", channel=PLENARY).text.startswith("Which answers?")
    participant = ws.driver.command(ws.user("abc-usd-supt"), "/wordcloud headlines", channel=PLENARY)
    assert participant.text == "Only facilitators and organizers can post word clouds."
    ws.deliver()
    assert ws.sandbox.files == {}


def test_closing_posts_the_wall_and_clouds_on_demand(ws: Workspace) -> None:
    answer_open_poll(ws, "looking-forward", ANSWERS)
    submit_headline(ws, "abc-usd-supt", "Partners lift graduation to 95 percent")
    submit_headline(ws, "alhambra-usd-supt", "Teachers and board co-design the budget")
    submit_headline(ws, "beaumont-usd-supt", "Spam spam spam")
    ws.driver.command(ws.user("facilitator-lead"), "/headline hide 3", channel=PLENARY)
    reply = ws.driver.command(ws.user("facilitator-lead"), "/closing", channel=PLENARY)
    closing = ws.sandbox.channel_id("#lmi-closing")
    assert reply.text.startswith("Posted the headlines wall (1 message), the looking-forward word cloud (")
    assert "the headlines word cloud (" in reply.text and reply.text.endswith(f"to <#{closing}>.")
    assert ".png" not in reply.text  # no server paths in what people read
    ws.deliver()
    posted = ws.sandbox.messages(closing)
    wall = json.dumps(posted[0].blocks, ensure_ascii=False)
    assert "Partners lift graduation" in wall and "Spam" not in wall
    assert "*ABC Unified School District*" in wall
    assert len([m for m in posted if m.files]) == 2


def test_the_closing_session_runs_on_schedule(ws: Workspace) -> None:
    submit_headline(ws, "abc-usd-supt", "Partners lift graduation to 95 percent")
    ran = ws.run_until(datetime(2015, 5, 9, 22, 31, tzinfo=UTC))  # 3:31 PM Saturday
    assert "closing:closing" in ran
    closing = ws.sandbox.channel_id("#lmi-closing")
    messages = ws.sandbox.messages(closing)
    assert any("Vision headlines" in m.text for m in messages)
    assert len([m for m in messages if m.files]) == 1  # headlines; nobody answered the pre-event poll
    notes = [m.text for m in ws.sandbox.messages(ws.sandbox.dms[ws.user("cdef-events-lead")])]
    assert "The closing session could not show: No word cloud for `looking-forward`: No answers yet." in notes


def test_a_cloud_of_one_answer_says_one_answer(ws: Workspace) -> None:
    answer_open_poll(ws, "looking-forward", ANSWERS[:1])
    reply = ws.driver.command(ws.user("facilitator-lead"), "/wordcloud looking-forward", channel=PLENARY)
    assert reply.text == "Word cloud of 1 answer on its way to this channel."
    ws.deliver()
    shared = [m for m in ws.sandbox.messages(PLENARY) if m.files]
    assert shared and "(1 answer)" in json.dumps(
        [m.text for m in shared] + [f.get("initial_comment") for f in ws.sandbox.files.values()]
    )
