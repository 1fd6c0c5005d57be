"""A determined reader against anonymous polls and surveys.

The reader holds everything but the anonymity key and Slack's own servers: every row of
every table (delivered and failed outbox rows, APScheduler's job table and the job runs
included), every export, the report, the organizers' summaries, the server's logs at
every level down to DEBUG, the roster, and every message posted in a channel. From all
that, for every anonymous poll and survey, the reader must not learn

1. who gave any answer;
2. whether a given person answered (once a nudge is delivered, nothing that names its
   recipient and its poll remains);
3. when any answer was given, or in which order the answers came;
4. any group's figure smaller than 5, by itself or by combining figures published
   anywhere for that poll.

Each test is one attack, named for it. The example event's anonymous polls and its
survey are first played through the real app (`play_example`), with plain checks that
the play really happened (votes recorded, nudges delivered, one confirmation failed);
only then does the attack read what the reader could read. The small-groups attack
plays an event of its own, written into the test's tmp_path.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import pickle
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.devkit.databases import scratch_database
from bot.devkit.sandbox import Message
from bot.event import Event, load_event, plan
from bot.insights import write_export
from bot.polls import MIN_CELL
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Outbox, Poll, Response

# The PostgreSQL pass of CI runs these: what a reader of the database could learn of anonymous answers.
pytestmark = pytest.mark.database

FACILITATOR = "facilitator-lead"
CLOSING_ROOM = "#lmi-closing"
CLASSIFIED_ROOM = "#lmi-role-classified-union"
SURVEY = "evaluation"
ANONYMOUS = ("classified-partners", "eval-useful", "eval-recommend", "next-activities", SURVEY)

# 1:31 PM in San Diego on the symposium's Saturday, as the role-alike sessions begin.
START = datetime(2015, 5, 9, 20, 31, tzinfo=UTC)
STEP = timedelta(seconds=7)  # between two answers: every answer has an instant of its own

# Words nobody else types: an answer can be traced wherever these turn up.
CLASSIFIED_ANSWERS = [
    f"Give classified staff a seat at the table, note QZV{n:02d}K" for n in (7, 3, 9, 1, 5, 10, 2, 8, 4, 6)
]
SURVEY_COMMENTS = [f"Comment QZS{n:02d}C from the evaluation" for n in (4, 11, 2, 9, 6, 1, 8, 3, 10, 5, 7)]
EVAL_USEFUL = [5, 4, 2, 5, 3, 1, 4, 4, 5, 2, 3, 5]
EVAL_RECOMMEND = [4, 5, 5, 3, 2, 4, 1, 5, 4, 3]
NEXT_ACTIVITIES = [[0], [1, 2], [3], [0, 4], [5], [1], [2, 5], [0, 1, 2], [4], [3, 5]]

TOKEN = "A-Za-z0-9_-"


# ---------------------------------------------------------------- what the reader reads


def has_token(text: str, token: str) -> bool:
    """Whether `token` occurs in `text` whole: not inside a longer id (a URL path may follow
    its host and port)."""
    before = "" if token.startswith("/") else rf"(?<![{TOKEN}])"
    return re.search(rf"{before}{re.escape(token)}(?![{TOKEN}])", text) is not None


@dataclass(frozen=True)
class Row:
    """One row of one table, as the reader greps it."""

    table: str
    values: dict[str, Any]
    text: str  # every value, JSON and pickled job state decoded


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        parts = [raw.decode("latin-1")]
        with contextlib.suppress(Exception):  # APScheduler's job state is a pickled dict
            parts.append(repr(pickle.loads(raw)))
        return "\n".join(parts)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # JSON kept as text: read its strings too
            decoded = json.loads(value)
            if isinstance(decoded, dict | list):
                return value + "\n" + json.dumps(decoded, ensure_ascii=False)
    return str(value)


def read_database(engine: Engine) -> list[Row]:
    """Every row of every table, whatever the models say the tables are."""
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    rows = []
    with engine.connect() as conn:
        for name in sa.inspect(engine).get_table_names():
            for mapping in conn.execute(sa.select(metadata.tables[name])).mappings():
                values = dict(mapping)
                rows.append(Row(name, values, "\n".join(_as_text(v) for v in values.values())))
    return rows


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}")
COMPACT = re.compile(r"\d{8}T\d{6}Z")
SLACK_TS = re.compile(r"(?<![\d.])(1\d{9})\.\d{6}(?!\d)")  # a message ts: epoch seconds


def instants(row: Row) -> set[datetime]:
    """Every moment a row records: its date-time columns, epoch seconds (APScheduler's
    next_run_time, Slack message ts), and dates written into its text (keys, JSON, the
    pickled job state)."""
    found = set()
    for value in row.values.values():
        if isinstance(value, datetime):
            found.add(_utc(value))
        elif isinstance(value, float) and 1e9 < value < 3e9:
            found.add(datetime.fromtimestamp(value, UTC))
    for match in ISO.findall(row.text):
        found.add(datetime.fromisoformat(match.replace(" ", "T")).replace(tzinfo=UTC))
    for match in COMPACT.findall(row.text):
        found.add(datetime.strptime(match, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC))
    for match in SLACK_TS.findall(row.text):
        found.add(datetime.fromtimestamp(int(match), UTC))
    return {moment.replace(microsecond=0) for moment in found}


def log_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """(logger, text) of every record the server logged: its message, exception and stack.

    Records of `bot.devkit` (the stand-in for Slack and the driver playing Slack) are
    left out: the reader does not have Slack's servers.
    """
    formatter = logging.Formatter()
    lines = []
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        if record.name.startswith("bot.devkit"):
            continue
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + formatter.formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        if record.stack_info:
            text += "\n" + record.stack_info
        lines.append((record.name, text))
    return lines


# ---------------------------------------------------------------- people and polls


class Names:
    """Finds the people a text names: by Slack user id or roster id (whole tokens), by email
    or by name."""

    def __init__(self, ws: Workspace, people: list[str]) -> None:
        self.ids: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        for person_id in people:
            person = ws.event.people[person_id]
            self.ids |= {person.id: person.id, ws.user(person.id): person.id}
            self.texts |= {t: person.id for t in (person.email, person.name) if t}

    def __call__(self, text: str) -> set[str]:
        named = {self.ids[t] for t in re.findall(f"[{TOKEN}]+", text) if t in self.ids}
        return named | {person for t, person in self.texts.items() if t in text}


def participants(ws: Workspace) -> list[str]:
    """District team members. Staff (organizers, facilitators, presenters) sit beside a
    poll as those who launch it, close it and receive its summaries, which says nothing
    about answering; none of them answers here. A participant's only business with an
    anonymous poll is to be asked it or to answer it."""
    return [p.id for p in ws.event.people.values() if p.team]


def poll_marks(ws: Workspace) -> dict[str, tuple[str, str]]:
    """What names each anonymous poll: its id (a whole token), and its question."""
    return {poll_id: (poll_id, ws.event.polls[poll_id].question) for poll_id in ANONYMOUS}


def polls_named(marks: dict[str, tuple[str, str]], text: str) -> list[str]:
    """The anonymous polls a text names."""
    return [p for p, (token, question) in marks.items() if has_token(text, token) or question in text]


def organizers(ws: Workspace) -> set[str]:
    return {user for _person, user in ws.services.directory.organizers()}


def public_moments(ws: Workspace) -> set[datetime]:
    """Moments anyone may know: every planned send (the event file says when), and when each
    poll was launched, posted and closed (the poll table and the channel say so)."""
    moments = {job.at for job in plan(ws.event)}
    with Session(ws.engine) as session:
        for poll in session.exec(select(Poll)):
            moments |= {_utc(t) for t in (poll.launched_at, poll.closed_at) if t}
            if poll.message_ts:
                moments.add(datetime.fromtimestamp(float(poll.message_ts), UTC))
    return {m.replace(microsecond=0) for m in moments}


SENDING = timedelta(seconds=5)  # what a send may take after the moment that caused it


def public(moments: set[datetime], moment: datetime) -> bool:
    """Whether a moment is one anyone may know, or within the few seconds a send takes after it."""
    moment = _utc(moment).replace(microsecond=0)
    return any(m <= moment <= m + SENDING for m in moments)


def describe_rows(rows: list[Row]) -> str:
    """How many rows of each kind, with the first of each kind as an example."""
    kinds: dict[str, list[Row]] = {}
    for r in rows:
        kind = ":".join(str(r.values.get(k) or "") for k in ("kind", "status"))
        kinds.setdefault(f"{r.table}:{kind}", []).append(r)
    return "".join(f"\n  {len(rs)} × {kind}, e.g. {rs[0].text[:300]!r}" for kind, rs in kinds.items())


# ---------------------------------------------------------------- playing Slack


class SlackSide:
    """Notes what Slack hands the bot with every click and form of the play, each of which
    belongs to an anonymous poll or the survey: the response URL, the trigger id and the
    view id. Whoever finds one of them in a log line can join the user id written beside it
    to the answer written beside it in another line."""

    def __init__(self, ws: Workspace) -> None:
        self._send = ws.driver.transport
        ws.driver.transport = self._note
        self.tokens: set[str] = set()

    def _note(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        fields = dict(parse_qsl(body.decode()))
        if "payload" in fields:  # not the staff's slash commands
            data = json.loads(fields["payload"])
            urls = [data.get("response_url"), *[u.get("response_url") for u in data.get("response_urls", [])]]
            self.tokens |= {urlsplit(u).path for u in urls if u}
            self.tokens |= {t for t in (data.get("trigger_id"), (data.get("view") or {}).get("id")) if t}
        return self._send(body, headers)


@dataclass
class Play:
    """What happened, as only the test (and Slack) knows it."""

    ws: Workspace
    clock: ManualClock
    slack: SlackSide
    answered_at: list[datetime] = field(default_factory=list)  # every anonymous answer's instant
    voters: dict[str, list[str]] = field(default_factory=dict)  # poll -> roster ids, in voting order
    answers: dict[str, list[Any]] = field(default_factory=dict)  # poll -> what each gave, same order
    before_nudge: list[Row] = field(default_factory=list)
    after_nudge: list[Row] = field(default_factory=list)
    nudged: set[str] = field(default_factory=set)  # roster ids

    @contextlib.contextmanager
    def answer(self, poll_id: str, who: str, answer: Any, *, deliver: bool = True) -> Iterator[None]:
        """One anonymous answer at an instant of its own, at which nothing else happens but
        what the answer causes."""
        settle(self.ws, self.clock)
        self.clock.advance(STEP.total_seconds())
        yield
        self.answered_at.append(self.clock.now().replace(microsecond=0))
        self.voters.setdefault(poll_id, []).append(who)
        self.answers.setdefault(poll_id, []).append(answer)
        if deliver:
            self.ws.deliver()


def settle(ws: Workspace, clock: ManualClock) -> None:
    """Deliver everything queued so far (a second at a time, as the pacing allows), but the
    poll refreshes that wait out their interval."""
    for _ in range(120):
        ws.deliver()
        with Session(ws.engine) as session:
            waiting = session.exec(
                select(Outbox).where(Outbox.status == "pending", Outbox.kind != "poll_refresh")
            ).all()
        if not waiting:
            return
        clock.advance(1)
    raise AssertionError(f"{len(waiting)} sends still waiting")


def poll_message(ws: Workspace, poll_id: str) -> Message:
    with Session(ws.engine) as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None and poll.channel_id and poll.message_ts, f"{poll_id} was not posted"
        return ws.sandbox.message(poll.channel_id, poll.message_ts)


def staff_command(play: Play, line: str, channel: str) -> None:
    """A facilitator's /poll launch or close, delivered, then two seconds of quiet."""
    settle(play.ws, play.clock)
    reply = play.ws.driver.command(play.ws.user(FACILITATOR), line, channel=channel)
    assert reply.status == 200 and not reply.text.startswith(("There is no", "Only")), reply.text
    settle(play.ws, play.clock)
    play.clock.advance(2)


def press(play: Play, who: str, message: Message, action_id: str) -> None:
    reply = play.ws.driver.click(
        play.ws.user(who), channel=message.channel, message_ts=message.ts, action_id=action_id
    )
    assert reply.status == 200, reply.body


def submit(play: Play, who: str, values: dict[str, Any]) -> None:
    ws = play.ws
    (view,) = ws.sandbox.open_views(ws.user(who))
    reply = ws.driver.submit(ws.user(who), view.id, values)
    assert reply.status == 200 and reply.body == "", reply.body


def vote(play: Play, poll_id: str, who: str, rating: int, *, deliver: bool = True) -> None:
    with play.answer(poll_id, who, rating, deliver=deliver):
        press(play, who, poll_message(play.ws, poll_id), f"poll_vote_{rating - 1}")


def answer_text(play: Play, who: str, text: str) -> None:
    with play.answer("classified-partners", who, text):
        press(play, who, poll_message(play.ws, "classified-partners"), "poll_answer")
        submit(play, who, {"answer": {"text": {"type": "plain_text_input", "value": text}}})


def choose(play: Play, who: str, picks: list[int]) -> None:
    ws = play.ws
    message = poll_message(ws, "next-activities")
    with play.answer("next-activities", who, picks):
        press(play, who, message, "poll_choose")
        (view,) = ws.sandbox.open_views(ws.user(who))
        chosen = [view.view["blocks"][1]["element"]["options"][i] for i in picks]
        submit(play, who, {"choices": {"choices": {"type": "checkboxes", "selected_options": chosen}}})
    # Opened again, the form shows the person's current answer ticked.
    press(play, who, message, "poll_choose")
    (again,) = ws.sandbox.open_views(ws.user(who))
    assert again.view["blocks"][1]["element"]["initial_options"] == chosen
    ws.sandbox.close_view(again.id)


def take_survey(play: Play, who: str, comment: str, *, card: str = "Thank you for coming") -> None:
    ws = play.ws
    user = ws.user(who)
    cards = [m for m in ws.sandbox.messages(ws.sandbox.dms[user]) if card in m.text]
    assert cards, f"{who} has no survey card"
    values: dict[str, Any] = {
        "s0": {"value": {"type": "radio_buttons", "selected_option": {"value": "3"}}},
        "s1": {"value": {"type": "radio_buttons", "selected_option": {"value": "4"}}},
        "interests": {"value": {"type": "checkboxes", "selected_options": [{"value": "0"}]}},
        "comments": {"value": {"type": "plain_text_input", "value": comment}},
    }
    with play.answer(SURVEY, who, comment):
        press(play, who, cards[-1], "poll_answer")
        submit(play, who, values)


def nudged_people(ws: Workspace) -> set[str]:
    """Roster ids of those whose DMs hold the survey's nudge (Slack's side knows)."""
    by_user = {ws.user(p): p for p in ws.event.people}
    return {
        by_user[user]
        for user, dm in ws.sandbox.dms.items()
        if user in by_user
        and any("the organizers would love your answers" in m.text for m in ws.sandbox.messages(dm))
    }


def responses(ws: Workspace, poll_id: str) -> list[Response]:
    with Session(ws.engine) as session:
        return list(session.exec(select(Response).where(Response.poll_id == poll_id)))


def play_example(ws: Workspace, clock: ManualClock) -> Play:
    """The example event's anonymous polls and survey, from the role-alike sessions to the
    survey's close, through the real app; plain checks that it all happened."""
    play = Play(ws=ws, clock=clock, slack=SlackSide(ws))
    people = participants(ws)
    jobs = {job.id: job.at for job in plan(ws.event)}
    nudge_at, closes_at = jobs[f"poll-nudge:{SURVEY}:1"], jobs[f"poll-close:{SURVEY}"]

    # The classified presidents' role-alike: the anonymous open-text poll.
    classified = [p for p in people if ws.event.people[p].role == "classified_union_president"]
    clock.set(START + timedelta(minutes=4))
    staff_command(play, "/poll launch classified-partners", CLASSIFIED_ROOM)
    for who, text in zip(classified, CLASSIFIED_ANSWERS, strict=False):
        answer_text(play, who, text)
    clock.advance(300)
    staff_command(play, "/poll close classified-partners", CLASSIFIED_ROOM)

    # The closing session: the survey goes out by DM; three anonymous polls in the room.
    ws.run_until(jobs[f"poll-open:{SURVEY}"] + timedelta(minutes=1))
    for poll_id in ("eval-useful", "eval-recommend", "next-activities"):
        staff_command(play, f"/poll launch {poll_id}", CLOSING_ROOM)
    for who, rating in zip(people, EVAL_USEFUL, strict=False):
        vote(play, "eval-useful", who, rating)
    for who, rating in zip(people[20:], EVAL_RECOMMEND, strict=False):
        vote(play, "eval-recommend", who, rating)
    for who, picks in zip(people[40:], NEXT_ACTIVITIES, strict=False):
        choose(play, who, picks)
    early = people[60:68]
    for who, comment in zip(early, SURVEY_COMMENTS, strict=False):
        take_survey(play, who, comment)

    # After the summaries and the digest, one more vote, whose confirmation is delivered only
    # once its response URL has expired.
    ws.run_until(jobs["digest:2015-05-09"] + timedelta(minutes=1))
    vote(play, "eval-useful", people[12], 4, deliver=False)
    clock.advance(31 * 60)
    ws.deliver()
    expired = [c for c in ws.sandbox.calls_to("response_url") if c.response.get("error") == "expired_url"]
    assert len(expired) == 1 and "Recorded your anonymous answer" in expired[0].params["text"]
    clock.advance(300)
    for poll_id in ("eval-useful", "eval-recommend", "next-activities"):
        staff_command(play, f"/poll close {poll_id}", CLOSING_ROOM)

    # The nudge goes to everyone who has not answered the survey; three answer afterwards.
    ws.run_until(nudge_at - timedelta(minutes=1))
    play.before_nudge = read_database(ws.engine)
    ws.run_until(nudge_at + timedelta(minutes=1))
    play.after_nudge = read_database(ws.engine)
    play.nudged = nudged_people(ws)
    assert play.nudged == set(ws.event.people) - set(early)
    late = people[100:103]
    for who, comment in zip(late, SURVEY_COMMENTS[len(early) :], strict=True):
        take_survey(play, who, comment, card="would love your answers")
    ws.run_until(closes_at + timedelta(minutes=1))
    settle(ws, clock)

    # Plain checks: the play happened as written.
    counts = {p: len(responses(ws, p)) for p in ANONYMOUS}
    assert counts == {
        "classified-partners": 10,
        "eval-useful": 13,
        "eval-recommend": 10,
        "next-activities": 10,
        SURVEY: 11,
    }
    with Session(ws.engine) as session:
        status = {p.id: p.status for p in session.exec(select(Poll)) if p.id in ANONYMOUS}
    assert status == dict.fromkeys(ANONYMOUS, "closed")
    notes = [e.text for e in ws.sandbox.ephemerals]
    questions = [q for _, q in poll_marks(ws).values()]
    assert len(notes) == 53 and all(any(q in n for q in questions) for n in notes)  # each answers an answer
    assert len(set(play.answered_at)) == len(play.answered_at) == 54
    moments = public_moments(ws)
    assert not any(public(moments, moment) for moment in play.answered_at)
    return play


@pytest.fixture(scope="module")
def played(example_event: Event, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Play]:
    """One play for the whole module (every attack but the logging one only reads), on a
    database of its own: the configured server's kind, SQLite or PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    with contextlib.ExitStack() as stack:
        if url.startswith(("postgres://", "postgresql")):
            url = stack.enter_context(scratch_database(url, "convene_adversary"))
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('adversary') / 'convene.db'}"
        engine = make_engine(url)
        stack.callback(engine.dispose)
        upgrade(engine)
        clock = ManualClock(START)
        with Workspace(example_event, clock=clock, engine=engine) as ws:
            yield play_example(ws, clock)


@pytest.fixture
def played_logging_everything(
    caplog: pytest.LogCaptureFixture, example_event: Event, engine: Engine
) -> Iterator[Play]:
    """The same play with the server logging at DEBUG from before the workspace starts."""
    caplog.set_level(logging.DEBUG)  # on the root logger
    clock = ManualClock(START)
    with Workspace(example_event, clock=clock, engine=engine) as ws:
        yield play_example(ws, clock)


# ---------------------------------------------------------------- the database reader


def test_database_reader_finds_no_row_naming_a_participant_beside_an_anonymous_poll(played: Play) -> None:
    ws = played.ws
    marks = poll_marks(ws)
    names = Names(ws, participants(ws))
    linked = [row for row in read_database(ws.engine) if polls_named(marks, row.text) and names(row.text)]
    named = set().union(*(names(row.text) for row in linked)) if linked else set()
    assert not linked, (
        f"{len(linked)} rows name one of {len(named)} district participants beside an anonymous poll:"
        + describe_rows(linked)
    )


def test_database_reader_finds_no_voter_role_or_time_on_anonymous_answers(played: Play) -> None:
    ws = played.ws
    roles = list(ws.event.roles)
    names = Names(ws, list(ws.event.people))
    found = []
    for row in read_database(ws.engine):
        if row.table != "response" or row.values.get("poll_id") not in ANONYMOUS:
            continue
        # The answer itself is the reader's to read; everything else must say nothing of its author.
        rest = {k: v for k, v in row.values.items() if k not in ("choices", "text", "answers")}
        text = "\n".join(_as_text(v) for v in rest.values())
        if rest.get("user_id") is not None:
            found.append(f"user id {rest['user_id']}")
        if any(has_token(text, r) for r in roles):
            found.append(f"role in {rest}")
        if any(isinstance(v, datetime) for v in rest.values()):
            found.append(f"time in {rest}")
        if names(text):
            found.append(f"a person in {rest}")
    assert len([r for r in read_database(ws.engine) if r.table == "response"]) == 54
    assert not found, f"{len(found)} anonymous answers keep something of who or when, e.g. {found[:3]}"


def test_database_reader_cannot_order_anonymous_answers_by_their_ids(played: Play) -> None:
    ws = played.ws
    rows = [r.values for r in read_database(ws.engine) if r.table == "response"]
    ordered = []
    for poll_id, answer_of in (
        ("classified-partners", lambda row: row["text"]),
        ("next-activities", lambda row: row["choices"]),
        (SURVEY, lambda row: row["answers"]["comments"]),
    ):
        # Each answer here is unlike the others, so it says which row is whose vote.
        ids = {json.dumps(answer_of(row)): row["id"] for row in rows if row["poll_id"] == poll_id}
        in_voting_order = [ids[json.dumps(answer)] for answer in played.answers[poll_id]]
        assert len(ids) == len(in_voting_order) >= 8
        if in_voting_order in (sorted(in_voting_order), sorted(in_voting_order, reverse=True)):
            ordered.append(f"{poll_id}: ids {in_voting_order} in voting order")
    assert not ordered, "answer ids give away the order of voting: " + "; ".join(ordered)


def test_database_reader_finds_no_outbox_trace_of_anonymous_answers_nudges_or_invitations(
    played: Play,
) -> None:
    ws = played.ws
    marks = poll_marks(ws)
    staff = organizers(ws)
    moments = public_moments(ws)
    final = [r for r in read_database(ws.engine) if r.table == "outbox" and r.values["status"] != "pending"]
    survey_dms = [
        m
        for dm in ws.sandbox.dms.values()
        for m in ws.sandbox.messages(dm)
        if "How did the symposium" in m.text
    ]
    assert len(survey_dms) == len(ws.event.people) + len(played.nudged)  # the survey, then its nudges
    # In this play every note to one person is the confirmation of an anonymous answer.
    confirmations = [r for r in final if r.values["kind"] in ("respond", "ephemeral")]
    confirmations.sort(key=lambda r: r.values["status"] != "failed")
    invitations = []
    for r in final:
        about = polls_named(marks, r.text)
        card = about and any(has_token(r.text, a) for a in ("poll_answer", "poll_choose", "poll_vote_0"))
        job = any(
            r.values["key"].startswith(f"poll-{step}:{p}:") for step in ("open", "nudge") for p in about
        )
        if r.values["kind"] == "dm" and (card or job or (about and r.values["channel"] not in staff)):
            invitations.append(r)
    timed = []
    for r in final:
        if polls_named(marks, r.text) or r.values["kind"] in ("respond", "ephemeral"):
            stamps = {k: r.values.get(k) for k in ("created_at", "claimed_at", "sent_at")}
            if kept := {k: f"{v:%H:%M:%S}" for k, v in stamps.items() if v and not public(moments, v)}:
                timed.append(f"{r.values['key']} {kept}")
    problems = []
    if confirmations:
        problems.append(
            f"{len(confirmations)} delivered or failed confirmations kept:" + describe_rows(confirmations)
        )
    if invitations:
        problems.append(
            f"{len(invitations)} survey invitations and nudges kept:" + describe_rows(invitations)
        )
    if timed:
        problems.append(
            f"{len(timed)} rows about anonymous polls keep the time of an answer, e.g. {timed[:3]}"
        )
    assert not problems, "\n".join(problems)


def test_database_reader_cannot_date_anonymous_answers(played: Play) -> None:
    ws = played.ws
    answered = set(played.answered_at)
    dated = [r for r in read_database(ws.engine) if instants(r) & answered]
    hits = len(answered & set().union(*(instants(r) for r in dated))) if dated else 0
    assert not dated, (
        f"{len(dated)} rows record the instant of {hits} of the {len(answered)} anonymous answers: "
        + describe_rows(dated)
    )


def test_nudge_leaves_no_list_of_who_was_nudged(played: Play) -> None:
    ws = played.ws
    assert len(played.nudged) == len(ws.event.people) - 8  # all but those who had answered
    before = {(r.table, r.text) for r in played.before_nudge}
    left = [r for r in played.after_nudge if (r.table, r.text) not in before]
    nudged = [p for p in participants(ws) if p in played.nudged]
    names = Names(ws, nudged)
    naming = [r for r in left if names(r.text)]
    named = set().union(*(names(r.text) for r in naming)) if naming else set()
    assert not naming, (
        f"the nudge left {len(naming)} rows naming {len(named)} of the {len(nudged)} participants it "
        f"reached, so those who answered are the rest: " + describe_rows(naming)
    )


# ---------------------------------------------------------------- the log reader


def test_debug_logs_hold_no_anonymous_answer_nor_what_links_it_to_a_voter(
    played_logging_everything: Play, caplog: pytest.LogCaptureFixture
) -> None:
    played = played_logging_everything
    ws = played.ws
    lines = log_lines(caplog)
    assert lines and logging.getLogger().level == logging.DEBUG  # the server logged at DEBUG throughout
    assert len(played.slack.tokens) > 150
    typed = [t.rsplit(" ", 1)[-1] for t in CLASSIFIED_ANSWERS] + [c.split()[1] for c in SURVEY_COMMENTS]
    answers = [t for t in typed if any(t in text for _, text in lines)]
    tokens = [t for t in played.slack.tokens if any(has_token(text, t) for _, text in lines)]
    names = Names(ws, sorted({p for voters in played.voters.values() for p in voters}))
    together = [
        (name, text[:300])
        for name, text in lines
        if any(has_token(text, p) for p in ANONYMOUS) and names(text)
    ]
    problems = []
    if answers:
        problems.append(f"{len(answers)} of the {len(typed)} typed anonymous answers are logged")
    if tokens:
        kinds = Counter(
            "response URLs" if t.startswith("/") else "view ids" if t.startswith("V") else "trigger ids"
            for t in tokens
        )
        problems.append(f"these of anonymous votes and forms are logged: {dict(kinds)}")
    if together:
        problems.append(
            f"{len(together)} log records name a voter beside an anonymous poll, e.g. {together[0]}"
        )
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- the export and report reader


def test_export_of_anonymous_polls_names_nobody_and_keeps_no_voting_order(
    played: Play, tmp_path: Path
) -> None:
    ws = played.ws
    rows = ws.services.report.export_rows()
    anonymous = [r for r in rows if r["poll"] in ANONYMOUS]
    assert len(anonymous) == len(rows) == 54 and all(r["anonymous"] for r in anonymous)
    who = [
        {k: r[k] for k in ("person_id", "name", "slack_user_id", "team", "role", "answered_at") if r[k]}
        for r in anonymous
    ]
    problems = [f"rows carry {w}" for w in who if w][:3]
    names = Names(ws, list(ws.event.people))
    for fmt in ("csv", "json"):
        path = tmp_path / f"export.{fmt}"
        write_export(rows, path, fmt)
        if named := names(path.read_text()):
            problems.append(f"the {fmt} export names {len(named)} people")
    options = ws.services.polls.get("next-activities").options
    for poll_id, shown in (
        ("classified-partners", lambda text: text),
        ("next-activities", lambda picks: "; ".join(options[i] for i in picks)),
    ):
        exported = [r["answer"] for r in anonymous if r["poll"] == poll_id]
        given = [shown(a) for a in played.answers[poll_id]]
        assert sorted(exported) == sorted(given) and len(set(given)) == len(given) >= 8
        if exported in (given, given[::-1]):
            problems.append(f"the rows of {poll_id} come in the order its answers were given")
    assert not problems, "; ".join(problems)


def published(ws: Workspace, folder: Path) -> dict[str, str]:
    """What organizers and the room read: every channel message, every summary, the report."""
    channels = [c for c, info in ws.sandbox.channels.items() if not info.get("is_im")]
    texts = {
        f"#{ws.sandbox.channels[c]['name']}": "\n".join(
            m.text + json.dumps(m.blocks, ensure_ascii=False) for m in ws.sandbox.messages(c)
        )
        for c in channels
    }
    summaries = ws.services.summaries
    for session_id in ("ra-classified", "closing"):
        texts[f"the summary of {session_id}"] = "\n".join(summaries.for_session(session_id).sections)
    for day in (date(2015, 5, 9), date(2015, 5, 11)):
        texts[f"the digest of {day}"] = "\n".join(summaries.digest(day).sections)
    md_path, html_path = ws.services.report.write(folder)
    texts |= {"report.md": md_path.read_text(), "report.html": html_path.read_text()}
    return texts


def test_channels_summaries_and_report_name_no_voter(played: Play, tmp_path: Path) -> None:
    ws = played.ws
    texts = published(ws, tmp_path / "report")
    assert "QZV07K" in texts["#lmi-role-classified-union"] and "QZS04C" in texts["report.md"]
    names = Names(ws, sorted({p for voters in played.voters.values() for p in voters}))
    named = {place: sorted(names(text)) for place, text in texts.items() if names(text)}
    assert not named, f"voters are named in {named}"


def test_published_open_answers_do_not_keep_the_voting_order(played: Play, tmp_path: Path) -> None:
    ws = played.ws
    texts = published(ws, tmp_path / "report")
    assert texts["report.md"].count("QZV") == 10 and texts["report.md"].count("QZS") == 11
    ordered = []
    for place, text in texts.items():
        for poll_id, typed in (("classified-partners", CLASSIFIED_ANSWERS), (SURVEY, SURVEY_COMMENTS)):
            shown = [t for _, t in sorted((text.find(t), t) for t in typed if t in text)]
            given = [t for t in played.answers[poll_id] if t in shown]
            if len(shown) >= 2 and shown in (given, given[::-1]):
                ordered.append(f"{place} lists the {len(shown)} answers to {poll_id} in the order they came")
    assert not ordered, "; ".join(ordered)


# ---------------------------------------------------------------- small groups


ROSTER = (
    [("org-lead", "Olga Lead", "", "other")]
    + [(f"supt-{n}", f"Sam Super{n}", f"team-{n}", "superintendent") for n in range(1, 7)]
    + [(f"board-{n}", f"Bea Board{n}", f"team-{n}", "board_member") for n in range(1, 6)]
    + [(f"teachers-{n}", f"Tom Teach{n}", f"team-{n}", "teachers_union_president") for n in range(1, 6)]
    + [("classified-6", "Cleo Classified", "team-6", "classified_union_president")]
)


def small_event(folder: Path) -> Event:
    """One anonymous rating poll at a closing session; 6 superintendents, 5 board members,
    5 teachers' union presidents and 1 classified union president (default roles)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["id,name,email,slack_id,team,role"]
    lines += [f"{pid},{name},{pid}@small.example.org,,{team},{role}" for pid, name, team, role in ROSTER]
    (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    teams = "\n".join(f"  - {{id: team-{n}, name: District {n}}}" for n in range(1, 7))
    (folder / "event.yaml").write_text(
        f"""\
event:
  name: Small Partnership Summit
  timezone: America/Los_Angeles
  days: [2026-04-18]
teams:
{teams}
roster: roster.csv
organizers: [org-lead]
channels:
  announcements: small-announcements
  plenary: small-plenary
sessions:
  - id: closing
    title: Closing session
    day: 2026-04-18
    start: "15:00"
    end: "16:00"
    kind: closing
    room: Main Hall
    channel: small-plenary
polls:
  - id: useful
    question: Overall, the summit was useful and informative.
    kind: rating
    labels: {{1: Strongly disagree, 5: Strongly agree}}
    session: closing
    anonymous: true
"""
    )
    return load_event(folder / "event.yaml")


class HtmlBlocks(HTMLParser):
    """report.html read back into headings, paragraphs and tables."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[tuple[str, Any]] = []
        self._text: list[str] | None = None
        self._row: list[str] | None = None
        self._rows: list[list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("h1", "h2", "h3", "p", "th", "td"):
            self._text = []
        elif tag == "table":
            self._rows = []
        elif tag == "tr":
            self._row = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text or []).strip()
        if tag in ("h1", "h2", "h3"):
            self.blocks.append(("heading", (int(tag[1]), text)))
        elif tag == "p":
            self.blocks.append(("paragraph", text))
        elif tag in ("th", "td") and self._row is not None:
            self._row.append(text)
        elif tag == "tr" and self._rows is not None and self._row is not None:
            self._rows.append(self._row)
        elif tag == "table" and self._rows is not None:
            self.blocks.append(("table", self._rows))
            self._rows = None
        if tag in ("h1", "h2", "h3", "p", "th", "td"):
            self._text = None


def markdown_blocks(md: str) -> list[tuple[str, Any]]:
    """report.md read back into the same blocks."""
    blocks: list[tuple[str, Any]] = []
    rows: list[list[str]] = []
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            if not set(line) <= set("|-"):
                rows.append([c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]])
            continue
        if rows:
            blocks.append(("table", rows))
            rows = []
        if line.startswith("#"):
            hashes, _, text = line.partition(" ")
            blocks.append(("heading", (len(hashes), text.strip())))
        elif line.strip():
            text = line.strip()
            blocks.append(
                ("paragraph", text[2:-2] if text.startswith("**") and text.endswith("**") else text)
            )
    return blocks


@dataclass
class Figures:
    """Every group size published for one poll: (set of roster ids, respondents, where)."""

    event: Event
    found: list[tuple[frozenset[str], int, str]] = field(default_factory=list)

    def group(self, label: str) -> frozenset[str] | None:
        """The people a published group label stands for: a side, a role, a team, or all."""
        people = self.event.people.values()
        roles = self.event.roles
        sides = {p.id: (side.value.capitalize() if (side := roles[p.role].side) else "Other") for p in people}
        if label == "*":
            return frozenset(p.id for p in people)
        if label in ("Management", "Labor", "Other"):  # results print a side capitalised
            return frozenset(p for p, side in sides.items() if side == label)
        for role in roles.values():
            if label == role.label:
                return frozenset(p.id for p in people if p.role == role.id)
        for team in self.event.teams.values():
            if label == team.name:
                return frozenset(p.id for p in people if team.id in p.teams)
        return None  # "Not on the roster": nobody on the roster

    def add(self, label: str, n: str | int, where: str) -> None:
        group = self.group(label.strip())
        if group is not None and str(n).strip().isdigit():
            self.found.append((group, int(n), where))

    def name(self, group: frozenset[str]) -> str:
        """A group in words: everyone, a side, or the roles it is made of."""
        people = self.event.people
        if group == frozenset(people):
            return "everyone"
        for label in ("Management", "Labor"):
            if group == self.group(label):
                return label
        roles = [r for r in self.event.roles.values() if any(people[p].role == r.id for p in group)]
        if group == {p for p in people if people[p].role in {r.id for r in roles}}:
            return " + ".join(r.label for r in roles) or "nobody"
        return f"{len(group)} people"

    def derivable(self) -> list[str]:
        """Every group of 1 to 4 respondents the published sizes give away: subtracting a
        published group from one that contains it, and adding disjoint ones, as often as it
        helps. Returns how each is worked out, simplest first."""
        known: dict[frozenset[str], tuple[int, str]] = {}
        for group, n, _where in self.found:
            if group not in known:
                places = sorted({w for g, m, w in self.found if g == group and m == n})
                known[group] = (n, f"{self.name(group)} (n = {n}: {'; '.join(places)})")
        grew = True
        while grew:
            grew = False
            for (a, (na, wa)), (b, (nb, wb)) in itertools.permutations(list(known.items()), 2):
                if b < a:
                    new, n, why = a - b, na - nb, f"[{wa}] minus [{wb}]"
                elif not a & b:
                    new, n, why = a | b, na + nb, f"[{wa}] plus [{wb}]"
                else:
                    continue
                if new not in known:
                    known[new] = (n, why)
                    grew = True
        small = sorted(
            ((g, n, why) for g, (n, why) in known.items() if 0 < n < MIN_CELL), key=lambda t: len(t[2])
        )
        return [f"{why} = {n} answer{'s' * (n > 1)} from {self.name(g)}" for g, n, why in small]


def read_report_figures(figures: Figures, blocks: list[tuple[str, Any]], question: str, where: str) -> None:
    """A poll's figures in the report: its section's "N of M answered", its "By side", "By
    role" (or any "By ...") tables (Group | n | ...), and its row of the Evaluation table
    (Statement | share | n)."""
    section = part = ""
    for kind, content in blocks:
        if kind == "heading":
            section, part = content[1], ""
        elif kind == "paragraph":
            if re.fullmatch(r"By \w+", content):
                part = content
            elif section == question and (m := re.match(r"(\d+)(?: of \d+)? answered", content)):
                figures.add("*", m.group(1), where)
        elif kind == "table":
            header, *rows = content
            if "n" not in header:
                continue
            n = header.index("n")
            for row in rows:
                if section == question and part:
                    figures.add(row[0], row[n], f"{where}, {part.lower()}")
                elif section == "Evaluation" and row[0] == question:
                    figures.add("*", row[n], f"{where}, evaluation")


def read_summary_figures(figures: Figures, text: str, poll_id: str, where: str) -> None:
    """A poll's lines in a summary: "N of M answered", the overall "(n = N)", and every
    "By ...: Label 83% (n = 6) · ..." breakdown; and the digest's "Anonymous answers by
    role: Label 5 · ...", which counts this poll's answers here, the event's only poll."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if f"(`{poll_id}`)" not in line:
            continue
        if m := re.search(r": (\d+)(?: of \d+)? answered", line):
            figures.add("*", m.group(1), where)
        for follow in itertools.takewhile(lambda t: t.strip() and "(`" not in t, lines[i + 1 :]):
            if m := re.match(r"\d+% [^(]+ \(n = (\d+)\)", follow):
                figures.add("*", m.group(1), where)
            if m := re.match(r"(By \w+): (.*)$", follow):
                for part in m.group(2).split(" · "):
                    if shown := re.match(r"(.+?) \d+% \(n = (\d+)\)$", part):
                        figures.add(shown.group(1), shown.group(2), f"{where}, {m.group(1).lower()}")
    for line in lines:
        if line.startswith("Anonymous answers by role: "):
            for part in line.removeprefix("Anonymous answers by role: ").split(" · "):
                if m := re.match(r"(.+?) (\d+)$", part):
                    figures.add(m.group(1), m.group(2), f"{where}, anonymous answers by role")


def test_small_groups_cannot_be_worked_out_by_subtraction(engine: Engine, tmp_path: Path) -> None:
    event = small_event(tmp_path / "event")
    clock = ManualClock(datetime(2026, 4, 18, 22, 5, tzinfo=UTC))  # 3:05 PM: the closing session
    with Workspace(event, clock=clock, engine=engine) as ws:
        organizer = ws.user("org-lead")
        assert ws.driver.command(organizer, "/poll launch useful", channel="#small-plenary").status == 200
        ws.deliver()
        message = poll_message(ws, "useful")
        for pid, _name, team, role in ROSTER:
            if not team:
                continue
            clock.advance(STEP.total_seconds())
            rating = 1 if role == "classified_union_president" else 5
            reply = ws.driver.click(
                ws.user(pid),
                channel=message.channel,
                message_ts=message.ts,
                action_id=f"poll_vote_{rating - 1}",
            )
            assert reply.status == 200
            ws.deliver()
        assert len(responses(ws, "useful")) == 17
        staff = ws.driver.command(organizer, "/poll results useful", channel="#small-plenary")
        clock.advance(60)
        assert ws.driver.command(organizer, "/poll close useful", channel="#small-plenary").status == 200
        ws.deliver()

        # Every figure published for the poll, wherever it is published.
        figures = Figures(event)
        channel = json.dumps(poll_message(ws, "useful").blocks, ensure_ascii=False)
        for where, text in (("the channel message", channel), ("/poll results", json.dumps(staff.json))):
            for m in re.finditer(r"(\d+) responses?\b", text):
                figures.add("*", m.group(1), where)
        summaries = ws.services.summaries
        for where, summary in (
            ("the session summary", summaries.for_session("closing")),
            ("the daily digest", summaries.digest(date(2026, 4, 18))),
        ):
            read_summary_figures(figures, "\n".join(summary.sections), "useful", where)
        question = event.polls["useful"].question
        md_path, html_path = ws.services.report.write(tmp_path / "report")
        read_report_figures(figures, markdown_blocks(md_path.read_text()), question, "report.md")
        html = HtmlBlocks()
        html.feed(html_path.read_text())
        read_report_figures(figures, html.blocks, question, "report.html")
        exported = [r for r in ws.services.report.export_rows() if r["poll"] == "useful"]
        figures.add("*", len(exported), "the export")
        for role, n in Counter(r["role"] for r in exported if r["role"]).items():
            figures.add(event.roles[role].label, n, "the export, by role")
        for team, n in Counter(r["team"] for r in exported if r["team"]).items():
            figures.add(team, n, "the export, by team")
        for person_id in {r["person_id"] for r in exported if r["person_id"]}:
            figures.found.append((frozenset([person_id]), 1, "the export, a named row"))

    totals = {where.split(",")[0] for group, n, where in figures.found if n == 17 and len(group) == 18}
    assert totals >= {"the channel message", "the session summary", "report.md", "report.html", "the export"}
    leaks = figures.derivable()
    assert not leaks, "the classified president's answer can be worked out: " + "; ".join(leaks[:3])
