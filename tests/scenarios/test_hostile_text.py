"""What people type, as it comes back: one hostile corpus through every path that reposts it.

A facilitator builds a poll with `/poll new`, participants answer it and an open-text
poll, a team submits a headline, a participant answers the survey; people also type
unknown verbs and poll ids. Each text carries Slack mentions and links, mrkdwn
formatting, a line that pretends to be the bot's own, Markdown and HTML, a spreadsheet
formula and terminal control codes. Then everything that comes back out is read in
the language it is written in:

- every Slack message, ephemeral, modal and Home tab (mrkdwn and plain text objects,
  and the top-level notification text, which Slack reads as mrkdwn);
- report.md (Markdown) and report.html (HTML);
- the CSV export (opened in a spreadsheet);
- the shell's transcript (a terminal).

In none may the typed text act as anything but text: no mention, link or formatting,
no line break that escapes a quote, no tag, no formula, no control code; and nowhere
is it escaped twice, so people read what they typed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.devkit.databases import empty
from bot.event import Event
from bot.insights import write_export
from bot.slack import html, markdown, mrkdwn, plain
from storage.models import Poll

# The PostgreSQL pass of CI runs these: any text a person types, stored and read back.
pytestmark = pytest.mark.database

# Each text has a tag (QZ1...) to find it by, wherever it goes.
QUESTION = "QZ1 <!channel> *bold* plans? <@U0BOSS>"
OPTIONS = ["QZ2 <!here> _it_", "QZ3 @Everyone ~gone~", "QZ4 `code` team@here.org"]
ANSWER = 'QZ5 <http://evil.example|click> & <b>x</b>\n> *Convene:* your vote was deleted\n=HYPERLINK("http://evil")'
HEADLINE = "QZ6 <script>alert(1)</script> | # Not a heading [link](http://evil.example)"
COMMENT = "QZ7 \x1b[31mred\x1b[0m \u202eevil\u202c @here"
FORMULA = '=HYPERLINK("http://evil.example","QZ8")'
VERB = "<!channel>QZ9"
TYPED = [QUESTION, *OPTIONS, ANSWER, HEADLINE, COMMENT, FORMULA, VERB]
TAG = re.compile(r"QZ\d", re.IGNORECASE)

# The bot's own markup (<#C123> channel links, its own links) is not what is looked for.
MENTIONS = re.compile(r"<!|<@U0BOSS|<http://evil|(?<![\w.@])@(?:channel|here|everyone)\b", re.IGNORECASE)
FORMATTING = ("*bold*", "_it_", "~gone~", "`code`", "*Convene:*")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# ---------------------------------------------------------------- reading what came back


def text_objects(value: Any) -> Iterator[tuple[str, str]]:
    """Every Block Kit text object in a message, view or block list: (type, text)."""
    if isinstance(value, dict):
        if value.get("type") in ("mrkdwn", "plain_text") and isinstance(value.get("text"), str):
            yield value["type"], value["text"]
        for key, item in value.items():
            if key in ("initial_value", "private_metadata"):
                continue  # a form's own field, given back to the person who typed it
            yield from text_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from text_objects(item)


def slack_texts(ws: Workspace) -> list[tuple[str, str, str]]:
    """(where, kind, text) for every text the bot sent to Slack, or answered a command with,
    that carries a tag."""
    found = []
    answers = [("command answer", reply.json or {"text": reply.body}) for reply in ws.replies if reply.body]  # type: ignore[attr-defined]
    for where, params in [(call.method, call.params) for call in ws.sandbox.calls] + answers:
        if isinstance(params.get("text"), str):
            kind = "plain_text" if params.get("mrkdwn") is False else "mrkdwn"
            found.append((where, kind, params["text"]))
        for key in ("blocks", "view", "attachments"):
            found += [(where, kind, text) for kind, text in text_objects(params.get(key))]
    return [item for item in found if TAG.search(item[2])]


def lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def check_mrkdwn(where: str, text: str) -> list[str]:
    problems = []
    if MENTIONS.search(text):
        problems.append(f"a live mention or link: {MENTIONS.search(text)}")
    problems += [f"live formatting {f!r}" for f in FORMATTING if f in text]
    for line in lines_with(text, "your vote was deleted"):
        if not (line.startswith(">") or "QZ5" in line):
            problems.append(f"a typed line reads as the bot's own: {line!r}")
    if "team@" in text and "team@here.org" not in text:
        problems.append("an address was broken")
    if "&amp;lt;" in text or "&amp;amp;" in text:
        problems.append("escaped twice")
    if CONTROL.search(text):
        problems.append("a control character")
    return [f"{where} (mrkdwn): {p} in {text!r}" for p in problems]


def check_plain(where: str, text: str) -> list[str]:
    problems = []
    if re.search(r"&(lt|gt|amp);", text):
        problems.append("entities in plain text, shown to people as typed codes")
    if CONTROL.search(text):
        problems.append("a control character")
    return [f"{where} (plain text): {p} in {text!r}" for p in problems]


# ---------------------------------------------------------------- playing the corpus


@pytest.fixture(scope="module")
def played(
    example_event: Event, migrated_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    clock = ManualClock(datetime(2015, 4, 30, 16, 0, tzinfo=UTC))
    with Workspace(example_event, clock=clock, engine=empty(migrated_engine)) as ws:
        yield play(ws, tmp_path_factory.mktemp("hostile"))


def play(ws: Workspace, tmp_path: Path) -> Workspace:
    fac = ws.user("facilitator-lead")
    voters = [p.id for p in ws.event.people.values() if p.team]
    ws.run_until(datetime(2015, 5, 1, 16, 5, tzinfo=UTC))  # the pre-event poll is out by DM

    # /poll new, with a hostile question and options, launched in a channel.
    assert ws.driver.command(fac, "/poll new", channel="#lmi-plenary").status == 200
    (view,) = ws.sandbox.open_views(fac)
    values = {
        "question": {"value": {"type": "plain_text_input", "value": QUESTION}},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "single_choice"}}},
        "options": {"value": {"type": "plain_text_input", "value": "\n".join(OPTIONS)}},
        "results": {"value": {"type": "radio_buttons", "selected_option": {"value": "live"}}},
        "anonymous": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    reply = ws.driver.submit(fac, view.id, values)
    assert reply.status == 200 and reply.body == "", reply.body
    ws.deliver()
    with Session(ws.engine) as session:
        poll_id = session.exec(select(Poll.id).where(Poll.question == QUESTION)).one()
    channel = ws.sandbox.channel_id("#lmi-plenary")
    (card,) = [m for m in ws.sandbox.messages(channel) if "QZ1" in m.text]
    for n, voter in enumerate(voters[:6]):
        ws.driver.click(ws.user(voter), channel=channel, message_ts=card.ts, action_id=f"poll_vote_{n % 3}")

    # Open-text answers to the pre-event poll, from its DM card.
    for voter, typed in zip(voters[6:9], (ANSWER, FORMULA, COMMENT), strict=True):
        user = ws.user(voter)
        dm = ws.sandbox.dms[user]
        (dm_card,) = [m for m in ws.sandbox.messages(dm) if "looking forward" in m.text]
        assert ws.driver.click(user, channel=dm, message_ts=dm_card.ts, action_id="poll_answer").status == 200
        (form,) = ws.sandbox.open_views(user)
        answer = {"answer": {"text": {"type": "plain_text_input", "value": typed}}}
        assert ws.driver.submit(user, form.id, answer).status == 200
    ws.deliver()

    # A headline, unknown verbs and ids, staff listings and results.
    author = ws.user("abc-usd-supt")
    assert ws.driver.command(author, "/headline", channel="#lmi-team-time").status == 200
    (form,) = ws.sandbox.open_views(author)
    headline = {
        "headline": {"value": {"type": "plain_text_input", "value": HEADLINE}},
        "explanation": {"value": {"type": "plain_text_input", "value": ANSWER}},
    }
    assert ws.driver.submit(author, form.id, headline).status == 200
    replies = [
        ws.driver.command(author, f"/headline {VERB}", channel="#lmi-team-time"),
        ws.driver.command(fac, f"/poll {VERB}", channel="#lmi-plenary"),
        ws.driver.command(fac, f"/poll launch {VERB}", channel="#lmi-plenary"),
        ws.driver.command(fac, f"/poll results {poll_id}", channel="#lmi-plenary"),
        ws.driver.command(fac, "/poll results looking-forward", channel="#lmi-plenary"),
        ws.driver.command(fac, "/poll list", channel="#lmi-plenary"),
        ws.driver.command(fac, "/headline list", channel="#lmi-plenary"),
        ws.driver.command(author, "/headline mine", channel="#lmi-team-time"),
        ws.driver.command(fac, f"/poll close {poll_id}", channel="#lmi-plenary"),
    ]
    ws.replies = replies  # type: ignore[attr-defined]

    # The survey, at the closing session, with a hostile comment.
    ws.run_until(datetime(2015, 5, 9, 22, 31, tzinfo=UTC))
    surveyor = ws.user(voters[10])
    dm = ws.sandbox.dms[surveyor]
    (survey_card,) = [m for m in ws.sandbox.messages(dm) if "Thank you for coming" in m.text]
    ws.driver.click(surveyor, channel=dm, message_ts=survey_card.ts, action_id="poll_answer")
    (form,) = ws.sandbox.open_views(surveyor)
    answers: dict[str, Any] = {
        f"s{n}": {"value": {"type": "radio_buttons", "selected_option": {"value": "3"}}} for n in range(2)
    }
    answers["interests"] = {"value": {"type": "checkboxes", "selected_options": [{"value": "0"}]}}
    answers["comments"] = {"value": {"type": "plain_text_input", "value": COMMENT}}
    assert ws.driver.submit(surveyor, form.id, answers).status == 200
    ws.run_until(datetime(2015, 5, 11, 16, 1, tzinfo=UTC))  # summaries and the last sends
    ws.driver.event({"type": "app_home_opened", "user": author, "tab": "home"})
    ws.deliver()
    ws.report_paths = ws.services.report.write(tmp_path / "report")  # type: ignore[attr-defined]
    export = tmp_path / "export.csv"
    write_export(ws.services.report.export_rows(), export, "csv")
    ws.export_path = export  # type: ignore[attr-defined]
    return ws


def test_every_slack_text_is_safe_and_escaped_once(played: Workspace) -> None:
    texts = slack_texts(played)
    seen = {m.group().upper() for _, _, text in texts for m in TAG.finditer(text)}
    assert {"QZ1", "QZ2", "QZ5", "QZ6", "QZ9"} <= seen, seen  # the corpus really went through
    problems = []
    for where, kind, text in texts:
        problems += check_mrkdwn(where, text) if kind == "mrkdwn" else check_plain(where, text)
    assert not problems, "\n".join(problems[:20])


def test_acks_name_no_server_paths(played: Workspace) -> None:
    fac = played.user("facilitator-lead")
    replies = [
        played.driver.command(fac, "/wordcloud looking-forward", channel="#lmi-closing"),
        played.driver.command(fac, "/closing", channel="#lmi-closing"),
    ]
    played.deliver()
    said = [reply.text for reply in replies] + [e.text for e in played.sandbox.ephemerals]
    said += [call.params.get("text") or "" for call in played.sandbox.calls_to("chat.postMessage")]
    assert any("word cloud" in s.lower() for s in said), said
    leaks = [s for s in said if str(played.services.settings.files_dir) in s or ".png" in s]
    assert not leaks, leaks


def test_report_markdown_and_html_keep_typed_text_as_text(played: Workspace) -> None:
    md_path, html_path = played.report_paths  # type: ignore[attr-defined]
    md = md_path.read_text()
    assert "QZ6" in md and "QZ5" in md and "QZ7" in md and "QZ1" in md
    problems = []
    live = re.sub(r"\\.", "", md)  # what Markdown reads: every backslash-escaped mark taken out
    for needle in ("<b>", "<script>", "<!channel>", "<http://evil", "*bold*", "_it_", "`code`", "](http"):
        if needle in live:
            problems.append(f"report.md carries {needle!r} live")
    for line in md.splitlines():
        if line.lstrip().startswith(("> ", "# Not", "=HYPERLINK")) or (
            "your vote was deleted" in line and "QZ5" not in line
        ):
            problems.append(f"report.md: a typed line stands alone: {line!r}")
        if "QZ6" in line and line.startswith("|") and "\\|" not in line:
            problems.append(f"report.md: a typed | splits a table cell: {line!r}")
    if CONTROL.search(md):
        problems.append("report.md carries a control character")
    page = html_path.read_text()
    for needle in ("<b>x", "<script>alert", "\x1b"):
        if needle in page:
            problems.append(f"report.html carries {needle!r} live")
    assert not problems, "\n".join(problems)


def test_export_cells_never_start_a_formula(played: Workspace) -> None:
    rows = list(csv.reader(io.StringIO(played.export_path.read_text())))  # type: ignore[attr-defined]
    cells = [cell for row in rows for cell in row]
    assert any("QZ8" in cell for cell in cells) and any("QZ7" in cell for cell in cells)
    formulas = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not formulas, formulas
    assert not [cell for cell in cells if CONTROL.search(cell.replace("\n", ""))]


# ---------------------------------------------------------------- the functions themselves


@pytest.mark.parametrize("typed", TYPED)
def test_each_kind_escapes_once_and_keeps_the_words(typed: str) -> None:
    words = [w for w in re.findall(r"[A-Za-z0-9]{3,}", typed) if w not in ("HYPERLINK",)]
    for name, escaped in (("mrkdwn", mrkdwn(typed)), ("markdown", markdown(typed)), ("html", html(typed))):
        missing = [w for w in words if w not in escaped]
        assert not missing, f"{name} lost {missing} of {typed!r}: {escaped!r}"
    assert not check_mrkdwn("mrkdwn()", mrkdwn(typed))
    assert not check_plain("plain()", plain(typed))
    assert "\n" not in mrkdwn(typed) and "\n" not in markdown(typed)
    assert "<" not in html(typed) and "<" not in markdown(typed).replace("\\<", "")
