"""Every table Convene keeps, in one module. All datetimes are stored in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Column, DateTime, Index, Table, UniqueConstraint, inspect
from sqlmodel import Field, SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The Core `Table` a table model is mapped to: its `__table__`, which SQLModel does not type."""
    return cast(Table, inspect(model).local_table)


def _utc_column(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class Poll(SQLModel, table=True):
    """A poll: loaded from the event file or built in Slack with /poll new."""

    id: str = Field(primary_key=True, max_length=64)
    question: str
    kind: str = Field(max_length=20)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    labels: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))
    survey: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # statements, comments prompt
    session_id: str | None = Field(default=None, max_length=64)
    anonymous: bool = False
    results: str = Field(default="live", max_length=10)
    source: str = Field(default="event", max_length=10)  # "event" or "slack"
    status: str = Field(default="draft", max_length=10)  # draft, open, closed
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    launched_by: str | None = Field(default=None, max_length=32)
    launched_at: datetime | None = _utc_column()
    closed_by: str | None = Field(default=None, max_length=32)
    closed_at: datetime | None = _utc_column()
    created_at: datetime | None = _utc_column()


class Response(SQLModel, table=True):
    """One person's current answer to one poll.

    For an anonymous poll `voter_key` is a keyed hash that only lets the bot
    recognise a repeat voter; no user id and no time is stored with the answer.
    """

    __table_args__ = (UniqueConstraint("poll_id", "voter_key", name="uq_response_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: str = Field(foreign_key="poll.id", max_length=64, index=True)
    voter_key: str = Field(max_length=64)
    user_id: str | None = Field(default=None, max_length=32)
    role: str | None = Field(default=None, max_length=64)  # the voter's roster role, for breakdowns
    choices: list[int] | None = Field(default=None, sa_column=Column(JSON))
    text: str | None = None
    answers: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # a survey's answers
    updated_at: datetime | None = _utc_column()


class Outbox(SQLModel, table=True):
    """Something the bot must send to Slack, written in the same transaction as its cause.

    The dispatcher sends rows in id order and records the outcome; `key` is the
    idempotency key that stops a cause from being queued twice.
    """

    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=20)
    channel: str | None = Field(default=None, max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=10)  # pending, sent, failed
    not_before: datetime | None = _utc_column()
    attempts: int = 0
    claimed_at: datetime | None = _utc_column()  # when the dispatcher began sending it
    # Which dispatcher's claim it is (a token per dispatcher run): only that one records the outcome.
    claimed_by: str | None = Field(default=None, max_length=32)
    last_error: str | None = None
    result_channel: str | None = Field(default=None, max_length=32)
    result_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime | None = _utc_column()
    sent_at: datetime | None = _utc_column()


class Identity(SQLModel, table=True):
    """The Slack user id a roster person resolved to (looked up by email once)."""

    person_id: str = Field(primary_key=True, max_length=64)
    slack_user_id: str = Field(max_length=32, index=True)
    resolved_at: datetime | None = _utc_column()


class JobRun(SQLModel, table=True):
    """What became of one scheduled job at one instant: sent, sent late, or skipped.

    Written in the same transaction as the messages the job queued, so a job
    that ran is never run again, and one that a crash interrupted runs on start.
    """

    __table_args__ = (UniqueConstraint("job_id", "scheduled_for", name="uq_job_run"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=200, index=True)
    scheduled_for: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ran_at: datetime | None = _utc_column()
    status: str = Field(max_length=10)  # sent, delayed, skipped
    detail: str | None = None


class BreakoutChoice(SQLModel, table=True):
    """The breakout a person chose for one round (a time slot of parallel breakouts)."""

    __table_args__ = (UniqueConstraint("person_id", "round_key", name="uq_breakout_round"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(max_length=64)
    round_key: str = Field(max_length=40)  # the round's start, ISO UTC
    session_id: str = Field(max_length=64, index=True)
    chosen_at: datetime | None = _utc_column()


class Headline(SQLModel, table=True):
    """A district team's vision headline: future success, in a sentence."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=64, index=True)
    author_person: str = Field(max_length=64)
    author_user: str = Field(max_length=32)
    text: str = Field(max_length=150)
    explanation: str | None = Field(default=None, max_length=300)
    status: str = Field(default="active", max_length=10)  # active, withdrawn
    hidden: bool = False
    hidden_by: str | None = Field(default=None, max_length=32)
    created_at: datetime | None = _utc_column()
    updated_at: datetime | None = _utc_column()


class DisplayLink(SQLModel, table=True):
    """An unguessable, read-only link to a page for the room's screen."""

    token: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=20)  # poll, headlines, cloud
    subject: str | None = Field(default=None, max_length=64)  # the poll id or cloud name
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime | None = _utc_column()


class SeenEvent(SQLModel, table=True):
    """An Events API event already taken in, by Slack's `event_id`: a redelivery is only
    acknowledged. Rows older than a day are pruned (Slack retries within minutes)."""

    event_id: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class Qa(SQLModel, table=True):
    """A session's audience Q&A: opened in a channel, with one live message there."""

    id: str = Field(primary_key=True, max_length=64)  # the session's id
    status: str = Field(default="open", max_length=10)  # open, closed
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    moderated: bool = False  # questions wait for a moderator before they show
    anonymous: bool = True  # people may ask without their name
    opened_at: datetime | None = _utc_column()
    closed_at: datetime | None = _utc_column()


class Question(SQLModel, table=True):
    """One question asked in a Q&A. Ids are drawn at random, so they do not follow the order
    of asking. An anonymous question keeps no user id and no time: only `asker_key`, a keyed
    hash that lets the bot (holding the key) recognise its asker."""

    id: int | None = Field(default=None, primary_key=True)
    qa_id: str = Field(foreign_key="qa.id", max_length=64, index=True)
    text: str = Field(max_length=300)
    status: str = Field(default="open", max_length=10)  # pending, open, answered, dismissed
    anonymous: bool = False
    asker_user: str | None = Field(default=None, max_length=32)  # only for a named question
    asker_key: str | None = Field(default=None, max_length=64)  # only for an anonymous one
    created_at: datetime | None = _utc_column()  # only for a named question


class Upvote(SQLModel, table=True):
    """One person's upvote of one question. In a Q&A that takes anonymous questions the voter
    is a keyed hash (one per question) and no time is kept."""

    __table_args__ = (UniqueConstraint("question_id", "voter_key", name="uq_upvote_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True)
    voter_key: str = Field(max_length=64)
    created_at: datetime | None = _utc_column()
