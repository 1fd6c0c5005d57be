"""Live polls: launch, answer, close and count. Knows nothing of Slack's transport.

Every change commits together with the outbox rows it causes; the caller acks
Slack only after a method here has returned.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, bindparam, func
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core import Clock, FieldErrors, UserError
from bot.delivery import Dispatcher, Kind, outbox
from bot.delivery.outbox import Claimed
from bot.event import (
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    Event,
    Person,
    PollKind,
    PollSpec,
    ResultsMode,
    poll_is_for,
)
from bot.people import Directory
from bot.polls.ranking import check_ranking, ranking_text
from bot.polls.tally import Tally, choice_labels, tally
from bot.polls.team import TeamAnswer, TeamPolls, team_count
from bot.slack import mrkdwn
from storage.db import GroupCommit, insert_for, reading, transaction
from storage.models import Poll, Response, table_of

MAX_TEXT_ANSWER = 1000
# Anonymous answers take random ids from this range, above any a sequence reaches (PostgreSQL's
# INTEGER ends at 2**31 - 1).
ANONYMOUS_IDS = (2**30, 2**31 - 1)


@dataclass(frozen=True)
class Receipt:
    """What a vote did, for the voter's confirmation."""

    poll: Poll
    answer: str
    changed: bool
    repeated: bool
    # The confirmation, queued claimed for this process to post (see `PollService.own_replies`).
    reply: Claimed | None = None

    def message(self) -> str:
        question = mrkdwn(self.poll.question)
        if self.repeated:
            return f"Already recorded: *{self.answer}*\n_{question}_"
        if self.changed:
            head = "Changed your answer to"
        else:
            head = "Recorded your anonymous answer" if self.poll.anonymous else "Recorded your answer"
        return f"{head}: *{self.answer}*\n_{question}_\nYou can change it until the poll closes."


class PollService:
    """The rules of polls, over the database."""

    def __init__(
        self,
        *,
        event: Event,
        engine: Engine,
        clock: Clock,
        directory: Directory,
        anonymity_secret: bytes | None,
    ) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock
        self.directory = directory
        self._secret = anonymity_secret
        self._definitions: dict[str, Poll] = {}
        # A burst's votes are committed together, each acked once its batch has committed.
        self._votes = GroupCommit(engine)
        self.teams = TeamPolls(event=event, engine=engine, clock=clock, directory=directory)
        # When set (a serving process), a vote's confirmation is queued claimed by this dispatcher
        # and posted by it once the vote has committed, instead of waiting for the leader's turn.
        self.own_replies: Dispatcher | None = None

    # ------------------------------------------------------------ definitions

    def sync_from_event(self) -> None:
        """Copy the event file's polls into the database; a launched poll keeps its definition."""
        now = self.clock.now()
        with transaction(self.engine) as session:
            for spec in self.event.polls.values():
                poll = session.get(Poll, spec.id)
                if poll is None:
                    session.add(_poll_from_spec(spec, now))
                elif poll.status == "draft" and poll.source == "event":
                    for key, value in _spec_fields(spec).items():
                        setattr(poll, key, value)

    # ------------------------------------------------------------ staff actions

    def launch(
        self, *, poll_id: str, channel_id: str, user_id: str, reply_to: dict[str, Any] | None = None
    ) -> Poll:
        """Open a poll from the event file and post it in `channel_id`.

        If Slack refuses the post for good, the poll goes back to not launched and the person
        who launched it is told why and what to do, through `reply_to` ({"response_url": ...,
        "user": ...}) while its link lasts, else by DM."""
        self.directory.require_staff(user_id, "launch polls")
        now = self.clock.now()
        with transaction(self.engine) as session:
            poll = self._get(session, poll_id)
            if poll.status == "open":
                raise UserError(f"`{poll.id}` is already open in <#{poll.channel_id}>.")
            if poll.status == "closed":
                raise UserError(f"`{poll.id}` has closed. See its results with `/poll results {poll.id}`.")
            self._open(session, poll, channel_id=channel_id, user_id=user_id, now=now, reply_to=reply_to)
            return poll

    def create(self, *, draft: dict[str, Any], channel_id: str, user_id: str) -> Poll:
        """Build a poll from the /poll new form and launch it; FieldErrors name bad fields.
        If its post fails for good, its creator is told by DM (as for `launch`)."""
        self.directory.require_staff(user_id, "create polls")
        spec = validate_draft(draft)
        now = self.clock.now()
        with transaction(self.engine) as session:
            poll = Poll(
                id=self._new_id(session, spec["question"]),
                question=spec["question"],
                kind=spec["kind"],
                options=spec["options"],
                anonymous=spec["anonymous"],
                results=spec["results"],
                source="slack",
                created_at=now,
            )
            session.add(poll)
            session.flush()
            self._open(session, poll, channel_id=channel_id, user_id=user_id, now=now)
            return poll

    def close(self, *, poll_id: str | None, channel_id: str, user_id: str) -> Poll:
        """Close a poll (by default the newest open one in this channel); the message shows final results."""
        self.directory.require_staff(user_id, "close polls")
        now = self.clock.now()
        with transaction(self.engine) as session:
            poll = self._get(session, poll_id) if poll_id else self._latest_open(session, channel_id)
            if poll.status == "draft":
                raise UserError(f"`{poll.id}` has not been launched yet.")
            if poll.status == "closed":
                raise UserError(f"`{poll.id}` is already closed.")
            # Who ran an anonymous poll is not kept beside it either: no row pairs it with a person.
            poll.status, poll.closed_at, poll.closed_by = "closed", now, None if poll.anonymous else user_id
            outbox.request_refresh(session, poll_id=poll.id, now=now, immediate=True)
            return poll

    def results(self, *, poll_id: str | None, channel_id: str, user_id: str) -> tuple[Poll, Tally]:
        """A poll's results for staff, whatever its visibility."""
        self.directory.require_staff(user_id, "see results before they are shown")
        with reading(self.engine) as session:
            poll = self._get(session, poll_id) if poll_id else self._latest(session, channel_id)
            result = tally(session, poll)
            spec = self.event.polls.get(poll.id)
            if spec is not None and (spec.pre_event is not None or spec.dm is not None):
                result.answered = len(tally_respondents(session, poll, self))
                result.invited = len(self.event.audience(spec))
            result.teams = team_count(self.event, poll, result.respondents)
            return poll, result

    def all_polls(self, *, user_id: str) -> list[tuple[Poll, int]]:
        """Every poll with its response count, open ones first."""
        self.directory.require_staff(user_id, "list polls")
        with reading(self.engine) as session:
            counts = dict(
                session.execute(select(Response.poll_id, func.count()).group_by(Response.poll_id)).all()
            )
            polls = session.exec(select(Poll)).all()
        order = {"open": 0, "draft": 1, "closed": 2}
        polls = sorted(polls, key=lambda p: (order.get(p.status, 3), p.created_at or self.clock.now(), p.id))
        return [(p, counts.get(p.id, 0)) for p in polls]

    # ------------------------------------------------------------ answers

    def vote(
        self,
        *,
        poll_id: str,
        user_id: str,
        choices: list[int] | None = None,
        text: str | None = None,
        answers: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> Receipt | TeamAnswer:
        """Record (or change) one person's answer (for a team poll, their team's: see
        `TeamPolls.answer`); repeated identical answers are no-ops.

        `reply_to` says where the confirmation goes: {"response_url": ...} or
        {"channel": ..., "user": ...}.

        This is the path a burst of a thousand clicks takes, so it is lean: the
        poll's definition comes from memory (it is fixed once launched), the
        voter's key and role are worked out before the write lock, and the
        transaction runs a few pre-built statements on a bare connection. Votes
        that arrive together are committed together (`GroupCommit`), each in a
        savepoint of its own, and each returns once its batch has committed.
        """
        now = self.clock.now()
        poll = self._definition(poll_id)
        if self.teams.spec(poll.id) is not None and poll.source == "event":
            checked, _ = _check_answer(poll, choices, text)
            choice = (checked or [0])[0]
            return self.teams.answer(poll=poll, user_id=user_id, choice=choice, reply_to=reply_to)
        key = self.voter_key(poll, user_id)
        # From the directory's memory only: a vote never waits on a Slack API call.
        person = self.directory.person(user_id, ask_slack=False)
        self._check_may_answer(poll, person)
        for attempt in range(3):
            try:
                receipt = self._votes.run(
                    lambda conn: self._record(
                        conn, poll, key, person, user_id, choices, text, answers, reply_to, now=now
                    )
                )
                if receipt.reply is not None and self.own_replies is not None:
                    self.own_replies.send_claimed(receipt.reply)  # committed: post it, not waiting
                return receipt
            except IntegrityError:
                # An anonymous answer's random id was taken: draw another. Anything else is a bug.
                if not poll.anonymous or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _record(
        self,
        conn: Connection,
        poll: Poll,
        key: str,
        person: Person | None,
        user_id: str,
        choices: list[int] | None,
        text: str | None,
        answers: dict[str, Any] | None,
        reply_to: dict[str, Any] | None,
        *,
        now: datetime,
    ) -> Receipt:
        """One vote's transaction: check the poll and the answer, store it, queue the refresh and
        the confirmation."""
        statements = _vote_statements(self.engine.dialect.name)
        state = conn.execute(statements["state"], {"id": poll.id, "voter_key": key}).first()
        if state is None:
            raise UserError("That poll no longer exists.")
        status, message_ts = state.status, state.message_ts
        if status == "closed":
            raise UserError(
                f"This poll is closed; your answer to _{mrkdwn(poll.question)}_ was not recorded."
            )
        if status != "open":
            raise UserError("This poll is not open yet.")
        if poll.kind == PollKind.SURVEY:
            answers = _check_survey(poll, answers)
        else:
            choices, text = _check_answer(poll, choices, text)
        previous = (state.choices, state.text, state.answers) if state.response_id is not None else None
        repeated = previous == (choices, text, answers)
        if not repeated:
            values: dict[str, Any] = {
                "poll_id": poll.id,
                "voter_key": key,
                "choices": choices,
                "text": text,
                "answers": answers,
                # An anonymous answer keeps neither who, nor when, nor the role: only
                # the bot, holding the key, can tell whose token is whose (see roles).
                "user_id": None if poll.anonymous else user_id,
                "updated_at": None if poll.anonymous else now,
                "role": None if poll.anonymous or person is None else person.role,
            }
            if poll.anonymous:
                # A random id, so the order of the rows is not the order of the votes.
                values["id"] = ANONYMOUS_IDS[0] + secrets.randbelow(ANONYMOUS_IDS[1] - ANONYMOUS_IDS[0])
            conn.execute(statements["upsert"], values)
            if message_ts:  # a pre-event poll answered by DM has no channel message
                outbox.request_refresh(conn, poll_id=poll.id, now=now)
        receipt = Receipt(
            poll=poll,
            answer="your survey answers" if answers is not None else _describe(poll, choices, text),
            changed=previous is not None and not repeated,
            repeated=repeated,
        )
        if reply_to:
            claim = self.own_replies.claim_id if self.own_replies is not None else None
            reply = outbox.enqueue_notice(conn, reply_to, receipt.message(), now=now, claimed_by=claim)
            return replace(receipt, reply=reply)
        return receipt

    def _definition(self, poll_id: str) -> Poll:
        """A poll's question, kind, options and visibility: read once it has launched, when they
        stop changing; read afresh while it is a draft (the event file may still change it)."""
        poll = self._definitions.get(poll_id)
        if poll is None:
            with reading(self.engine) as session:
                poll = session.get(Poll, poll_id)
            if poll is None:
                raise UserError("That poll no longer exists.")
            if poll.status != "draft":
                self._definitions[poll_id] = poll
        return poll

    def check_may_answer(self, poll: Poll, user_id: str) -> None:
        """Refuse, in words, someone outside the poll's audience (see `Event.may_answer`): a
        channel is open to anyone who joins it, the poll is not, and its "N of M answered"
        counts only its audience."""
        self._check_may_answer(poll, self.directory.person(user_id, ask_slack=False))

    def _check_may_answer(self, poll: Poll, person: Person | None) -> None:
        spec = self.event.polls.get(poll.id) if poll.source == "event" else None
        if spec is None or self.event.may_answer(person, spec):
            return
        session = self.event.sessions.get(spec.session) if spec.session else None
        who = mrkdwn(poll_is_for(self.event, spec))
        where = f"the audience of *{mrkdwn(session.title)}* ({who})" if session else who
        raise UserError(f"This poll is only for {where}; your answer was not recorded.")

    def current_answer(self, *, poll_id: str, user_id: str) -> Response | None:
        """The person's current answer (to pre-fill a modal)."""
        with reading(self.engine) as session:
            poll = self._get(session, poll_id)
            return session.exec(
                select(Response).where(
                    Response.poll_id == poll.id, Response.voter_key == self.voter_key(poll, user_id)
                )
            ).first()

    def get(self, poll_id: str) -> Poll:
        with reading(self.engine) as session:
            return self._get(session, poll_id)

    def voter_key(self, poll: Poll, user_id: str) -> str:
        """The de-duplication key: the user id, or for anonymous polls an unlinkable keyed hash."""
        if not poll.anonymous:
            return user_id
        if self._secret is None:
            raise UserError("Anonymous polls need the anonymity key (CONVENE_ANONYMITY_KEY).")
        digest = hmac.new(self._secret, f"{poll.id}\x00{user_id}".encode(), hashlib.sha256).hexdigest()
        return "anon:" + digest[:48]

    def people_by_key(self, poll: Poll, keys: set[str]) -> dict[str, Person]:
        """The roster people behind some of a poll's voter keys. For an anonymous poll only the
        bot, holding the key, can work this out; callers use it for counts and breakdowns by
        role, never to show or store who answered. Empty without the key."""
        if poll.anonymous and self._secret is None:
            return {}
        found = {}
        for person in self.event.people.values():
            user = self.directory.slack_id(person.id)
            if user and (key := self.voter_key(poll, user)) in keys:
                found[key] = person
        return found

    def roles(self, session: Session, poll: Poll) -> dict[str, str | None] | None:
        """Each response's voter role (None: not on the roster), by voter key. None when an
        anonymous poll's roles cannot be known here (no anonymity key)."""
        rows = session.execute(
            select(Response.voter_key, Response.role).where(Response.poll_id == poll.id)
        ).all()
        if not poll.anonymous:
            return {key: role for key, role in rows}
        if self._secret is None:
            return None
        people = self.people_by_key(poll, {key for key, _ in rows})
        return {key: people[key].role if key in people else None for key, _ in rows}

    # ------------------------------------------------------------ internals

    def _open(
        self,
        session: Session,
        poll: Poll,
        *,
        channel_id: str,
        user_id: str,
        now: datetime,
        reply_to: dict[str, Any] | None = None,
    ) -> None:
        poll.status, poll.channel_id, poll.launched_at = "open", channel_id, now
        poll.launched_by = None if poll.anonymous else user_id
        outbox.enqueue(
            session,
            kind=Kind.POLL_POST,
            # One per launch: a poll whose post failed can be launched again.
            key=f"poll-post:{poll.id}:{secrets.token_hex(8)}",
            channel=channel_id,
            # Who to tell if the post fails; dropped once it is settled (see views.register).
            payload={"poll_id": poll.id, "reply_to": {"user": user_id, **(reply_to or {})}},
            now=now,
        )

    def _get(self, session: Session, poll_id: str | None) -> Poll:
        poll = session.get(Poll, (poll_id or "").strip().lower())
        if poll is None:
            known = sorted(session.exec(select(Poll.id)).all())
            hint = _closest(poll_id or "", known)
            extra = f" Did you mean `{hint}`?" if hint else " See `/poll list`."
            raise UserError(f"There is no poll `{mrkdwn(poll_id or '')}`.{extra}")
        return poll

    def _latest_open(self, session: Session, channel_id: str) -> Poll:
        poll = session.exec(
            select(Poll)
            .where(Poll.status == "open", Poll.channel_id == channel_id)
            .order_by(col(Poll.launched_at).desc())
        ).first()
        if poll is None:
            raise UserError("No poll is open in this channel. Name one: `/poll close <id>`.")
        return poll

    def _latest(self, session: Session, channel_id: str) -> Poll:
        poll = session.exec(
            select(Poll).where(Poll.channel_id == channel_id).order_by(col(Poll.launched_at).desc())
        ).first()
        if poll is None:
            raise UserError("No poll has run in this channel. Name one: `/poll results <id>`.")
        return poll

    def _new_id(self, session: Session, question: str) -> str:
        base = "-".join(re.findall(r"[a-z0-9]+", question.lower())[:4])[:40] or "poll"
        candidate, n = base, 1
        while session.get(Poll, candidate) is not None:
            n += 1
            candidate = f"{base}-{n}"
        return candidate


def unlaunch(session: Session, *, poll_id: str) -> Poll | None:
    """Put back to not launched a poll whose message could not be posted (nobody saw it, so
    nobody answered it): it can be launched again. None if it has a message after all."""
    poll = session.get(Poll, poll_id)
    if poll is None or poll.message_ts or poll.status == "draft":
        return None
    poll.status, poll.channel_id, poll.launched_at, poll.launched_by = "draft", None, None, None
    poll.closed_at = poll.closed_by = None
    return poll


def launch_failure(poll_id: str, channel_id: str | None, error: str, reason: str | None) -> str:
    """What the person who launched a poll is told when Slack refused its message for good
    (`reason`: the error in words, None for one that only retrying again might fix)."""
    where = f"<#{channel_id}>" if channel_id else "that channel"
    again = f"`/poll launch {poll_id}`"
    head = f":warning: `{poll_id}` was not launched: Convene could not post it in {where}"
    if error == "not_in_channel":
        return (
            f"{head}, because it is not in that channel. Invite it there (`/invite @Convene`), "
            f"then {again} again."
        )
    if error == "channel_not_found":
        return (
            f"{head}: Slack says the channel is not there for Convene, as with a private channel it was "
            f"not invited to. Invite it there (`/invite @Convene`), then {again} again."
        )
    if error == "is_archived":
        return f"{head}, because the channel is archived. Launch it in another channel: {again} there."
    if reason is None:
        return f"{head}: Slack kept answering with an error (`{error}`). Try {again} again in a few minutes."
    return f"{head}: {reason}. Once that is fixed, {again} again."


@cache
def _vote_statements(dialect: str) -> dict[str, Any]:
    """The statements a vote runs, built once per SQL dialect (values come as parameters)."""
    polls, responses = table_of(Poll), table_of(Response)
    insert = insert_for(dialect, responses)
    return {
        # The poll's state and the voter's current answer, in one round trip.
        "state": sa.select(
            polls.c.status,
            polls.c.message_ts,
            responses.c.id.label("response_id"),
            responses.c.choices,
            responses.c.text,
            responses.c.answers,
        )
        .select_from(
            polls.outerjoin(
                responses,
                and_(responses.c.poll_id == polls.c.id, responses.c.voter_key == bindparam("voter_key")),
            )
        )
        .where(polls.c.id == bindparam("id")),
        "upsert": insert.on_conflict_do_update(
            index_elements=[responses.c.poll_id, responses.c.voter_key],
            set_={
                name: insert.excluded[name] for name in ("role", "choices", "text", "answers", "updated_at")
            },
        ),
    }


def tally_respondents(session: Session, poll: Poll, polls: PollService) -> set[str]:
    """Roster ids of the people who have answered (for nudges and counts, never shown per person).

    For an anonymous poll only the bot, holding the key, can test a person
    against the stored tokens; nothing it learns is stored or displayed.
    """
    keys = set(session.exec(select(Response.voter_key).where(Response.poll_id == poll.id)).all())
    return {person.id for person in polls.people_by_key(poll, keys).values()}


def _check_answer(
    poll: Poll, choices: list[int] | None, text: str | None
) -> tuple[list[int] | None, str | None]:
    kind = PollKind(poll.kind)
    if kind == PollKind.OPEN_TEXT:
        text = (text or "").strip()
        if not text:
            raise UserError("Your answer is empty.")
        if len(text) > MAX_TEXT_ANSWER:
            raise UserError(f"Your answer is longer than {MAX_TEXT_ANSWER} characters.")
        return None, text
    if kind == PollKind.RANKING:
        return check_ranking(choices, poll.options), None
    size = len(choice_labels(poll))
    if choices is None or any(
        not isinstance(c, int) or isinstance(c, bool) or not 0 <= c < size for c in choices
    ):
        raise UserError("That option is not part of this poll.")
    choices = sorted(set(choices))
    if kind in (PollKind.SINGLE, PollKind.RATING) and len(choices) != 1:
        raise UserError("Choose exactly one option.")
    if kind == PollKind.MULTIPLE and not choices:
        raise UserError("Choose at least one option.")
    return choices, None


def _check_survey(poll: Poll, answers: dict[str, Any] | None) -> dict[str, Any]:
    """A survey's answers: a 0-4 scale index per statement, interests, comments."""
    survey = poll.survey or {}
    answers = answers or {}
    statements = answers.get("statements")
    n = len(survey.get("statements") or [])
    if (
        not isinstance(statements, list)
        or len(statements) != n
        or any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 4 for v in statements)
    ):
        raise FieldErrors({"s0": "Rate every statement from 1 to 5."})
    interests = answers.get("interests") or []
    if not isinstance(interests, list) or any(
        not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(poll.options) for i in interests
    ):
        raise UserError("That option is not part of this survey.")
    comments = str(answers.get("comments") or "").strip() or None
    if comments and len(comments) > 2000:
        raise FieldErrors({"comments": "Keep comments to 2,000 characters."})
    return {"statements": statements, "interests": sorted(set(interests)), "comments": comments}


def _describe(poll: Poll, choices: list[int] | None, text: str | None) -> str:
    if text is not None:
        return mrkdwn(text if len(text) <= 200 else text[:199] + "…")
    labels = choice_labels(poll)
    if poll.kind == PollKind.RANKING:
        return mrkdwn(ranking_text(labels, choices))
    return ", ".join(mrkdwn(labels[i]) for i in choices or [])


def _spec_fields(spec: PollSpec) -> dict[str, Any]:
    return {
        "question": spec.question,
        "kind": spec.kind.value,
        "options": list(spec.options),
        "labels": {str(k): v for k, v in spec.labels.items()} if spec.labels else None,
        "session_id": spec.session,
        "survey": {"statements": list(spec.statements), "comments": spec.comments}
        if spec.kind == PollKind.SURVEY
        else None,
        "anonymous": spec.anonymous,
        "results": spec.results.value,
    }


def _poll_from_spec(spec: PollSpec, now: datetime) -> Poll:
    return Poll(id=spec.id, source="event", status="draft", created_at=now, **_spec_fields(spec))


# What the /poll new form offers: a survey comes only from the event file.
FORM_KINDS = frozenset(k.value for k in PollKind if k != PollKind.SURVEY)
MAX_FORM_QUESTION = 300  # the form's own max_length


def validate_draft(draft: dict[str, Any]) -> dict[str, Any]:
    """Check a /poll new form; raise FieldErrors keyed by field name.

    The form is Slack's, but its submission is whatever was sent: every field is
    checked for its type as well as its value.
    """
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = draft.get(name)
        return value.strip() if isinstance(value, str) else ""

    question, kind, results = text("question"), text("kind") or PollKind.SINGLE.value, text("results")
    options = [line.strip() for line in text("options").splitlines() if line.strip()]
    if not question:
        errors["question"] = "Write the question."
    elif len(question) > MAX_FORM_QUESTION:
        errors["question"] = f"Keep the question to {MAX_FORM_QUESTION} characters or fewer."
    if kind not in FORM_KINDS or (draft.get("kind") is not None and not isinstance(draft["kind"], str)):
        errors["kind"] = "Choose a kind."
    elif kind in (PollKind.SINGLE, PollKind.MULTIPLE, PollKind.RANKING):
        if not 2 <= len(options) <= MAX_OPTIONS:
            errors["options"] = f"Give 2 to {MAX_OPTIONS} options, one per line."
        elif any(len(o) > MAX_OPTION_CHARS for o in options):
            errors["options"] = f"Keep each option to {MAX_OPTION_CHARS} characters or fewer."
        elif len({o.lower() for o in options}) != len(options):
            errors["options"] = "Two options are the same."
    elif options:
        errors["options"] = "Rating and open-text polls take no options; clear this field."
    if draft.get("results") is not None and results not in {m.value for m in ResultsMode}:
        errors["results"] = "Choose when results are shown."
    if errors:
        raise FieldErrors(errors)
    return {
        "question": question,
        "kind": kind,
        "options": options if kind in ("single_choice", "multiple_choice", "ranking") else [],
        "anonymous": bool(draft.get("anonymous")),
        "results": results or ResultsMode.LIVE.value,
    }


def _closest(word: str, known: list[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(word.lower(), known, n=1, cutoff=0.6)
    return match[0] if match else None
