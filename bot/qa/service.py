"""Audience Q&A: opening and closing a session's Q&A, asking, upvoting, moderating, and the
ranked list every view shows. Knows nothing of Slack's transport.

Every change commits together with the outbox rows it causes (the live message's one
coalesced refresh, the asker's confirmation, the moderators' direct messages); the caller
acks Slack only after a method here has returned.

Anonymous questions keep the promise anonymous polls make: the question row holds no user
id and no time, only a keyed hash of its asker made for that question alone (so the bot,
holding the key, can refuse a self-upvote and tell the asker when a moderator dismisses
it), and every note about it to one person is deleted from the outbox once sent. In a Q&A
that takes anonymous questions, upvotes too are keyed hashes, one per question, with no
time. Question ids are drawn at random, so they do not say in which order people asked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.core import Clock, FieldErrors, NotAllowed, UserError
from bot.delivery import Kind, outbox
from bot.event import Event, QaSpec, SessionSpec
from bot.people import Directory
from bot.qa.board import Board, Ranked
from bot.qa.views import moderated_note, moderation_card
from bot.slack import mrkdwn, truncate
from storage.db import insert_for, reading, transaction, writing
from storage.models import Qa, Question, Upvote, table_of

MAX_QUESTION = 300
# Question ids are drawn from this range (short enough to type in `/qa answered 4821`); a
# Q&A that fills it draws from the wide one.
QUESTION_IDS = (1000, 100_000)
WIDE_IDS = (100_000, 2**31 - 1)
# An anonymous Q&A's upvotes take random ids from this range, as anonymous answers do.
UPVOTE_IDS = (2**30, 2**31 - 1)
# /qa open with no session: the session in this channel that is on now, or whose start is
# this close (a Q&A is often opened a little before its panel starts).
EARLY = timedelta(minutes=30)
QA_NOT_OPEN = "This Q&A is closed; {what} was not recorded."


@dataclass(frozen=True)
class Upvoted:
    """What an upvote (or taking one back) did, for the person's confirmation."""

    question: Question
    changed: bool  # False: it was already so (a double click, a redelivery)


class QaService:
    """The rules of audience Q&A, over the database."""

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

    # ------------------------------------------------------------ settings

    def spec(self, session_id: str) -> QaSpec:
        """A session's Q&A settings: the event file's, or its defaults for a session without `qa:`."""
        session = self.event.sessions.get(session_id)
        return (self.event.qa_of(session) if session else None) or self.event.qa

    def title(self, qa_id: str) -> str:
        session = self.event.sessions.get(qa_id)
        return session.title if session else qa_id

    def moderators(self, qa_id: str) -> list[tuple[str, str]]:
        """(roster id, Slack user id) of those who moderate a Q&A: its `moderators:`, else the
        session's facilitators, else the organizers; those found in Slack."""
        spec = self.spec(qa_id)
        session = self.event.sessions.get(qa_id)
        refs = spec.moderators or (session.facilitators if session else []) or self.event.organizers
        found = []
        for ref in refs:
            person = self.event.person(ref)
            user = self.directory.slack_id(person.id) if person else None
            if person and user:
                found.append((person.id, user))
        return found

    def can_moderate(self, user_id: str, qa_id: str) -> bool:
        """Facilitators and organizers, and the Q&A's own moderators."""
        if self.directory.is_staff(user_id):
            return True
        return any(user == user_id for _, user in self.moderators(qa_id))

    def _require_moderator(self, user_id: str, qa_id: str, doing: str) -> None:
        if not self.can_moderate(user_id, qa_id):
            raise NotAllowed(f"Only facilitators, organizers and this Q&A's moderators can {doing}.")

    # ------------------------------------------------------------ opening and closing

    def session_here(self, channel_id: str, session_id: str | None, *, verb: str = "open") -> SessionSpec:
        """The session a command (`/qa <verb>`) means: the one named, else the one meeting in this
        channel now (or about to), else the nearest in time."""
        if session_id:
            session = self.event.sessions.get(session_id.strip().lower())
            if session is None:
                raise UserError(f"There is no session `{mrkdwn(session_id)}`. {self._sessions_hint()}")
            return session
        here = [
            s for s in self.event.agenda() if s.channel and self.directory.channel(s.channel) == channel_id
        ]
        if not here:
            raise UserError(
                f"No session meets in this channel. Name one: `/qa {verb} <session>`. {self._sessions_hint()}"
            )
        now = self.clock.now()

        def distance(s: SessionSpec) -> tuple[float, float]:
            start, end = self.event.session_start(s), self.event.session_end(s)
            if self.is_on(s):
                away = 0.0
            else:
                away = min(abs((now - (start - EARLY)).total_seconds()), abs((now - end).total_seconds()))
            return away, -start.timestamp()

        return min(here, key=distance)

    def is_on(self, session: SessionSpec) -> bool:
        """Whether a session is on now, or starts within `EARLY`."""
        now = self.clock.now()
        return self.event.session_start(session) - EARLY <= now <= self.event.session_end(session)

    def _sessions_hint(self) -> str:
        with_qa = [s.id for s in self.event.agenda() if self.event.qa_of(s) is not None]
        return f"Sessions with Q&A: {', '.join(f'`{i}`' for i in with_qa)}." if with_qa else ""

    def open(
        self,
        *,
        session_id: str | None,
        channel_id: str,
        user_id: str,
        reply_to: dict[str, Any] | None = None,
    ) -> Qa:
        """Open a session's Q&A in this channel and post its live message (or open again one that
        was closed: its message takes questions again)."""
        self.directory.require_staff(user_id, "open Q&A")
        session = self.session_here(channel_id, session_id)
        with transaction(self.engine) as db:
            qa = db.get(Qa, session.id)
            if qa is not None and qa.status == "open" and qa.channel_id:
                raise UserError(f"Q&A for _{mrkdwn(session.title)}_ is already open in <#{qa.channel_id}>.")
            return self.open_in(
                db, session=session, channel_id=channel_id, user_id=user_id, reply_to=reply_to
            )

    def open_in(
        self,
        db: Session,
        *,
        session: SessionSpec,
        channel_id: str,
        user_id: str | None,
        reply_to: dict[str, Any] | None = None,
    ) -> Qa:
        """Open a Q&A inside the caller's transaction (a command's, or a scheduled job's)."""
        now = self.clock.now()
        spec = self.spec(session.id)
        qa = db.get(Qa, session.id)
        if qa is None:
            qa = Qa(id=session.id, moderated=spec.moderated, anonymous=spec.anonymous)
            db.add(qa)
        elif qa.channel_id and qa.channel_id != channel_id and qa.message_ts:
            raise UserError(f"Q&A for _{mrkdwn(session.title)}_ runs in <#{qa.channel_id}>: open it there.")
        qa.status, qa.opened_at, qa.closed_at = "open", now, None
        if qa.message_ts:
            outbox.request_qa_refresh(db, qa_id=qa.id, now=now, immediate=True)
            return qa
        qa.channel_id = channel_id
        db.flush()
        outbox.enqueue(
            db,
            kind=Kind.QA_POST,
            key=f"qa-post:{qa.id}:{secrets.token_hex(8)}",
            channel=channel_id,
            payload={"qa_id": qa.id, "reply_to": {"user": user_id, **(reply_to or {})} if user_id else {}},
            now=now,
        )
        return qa

    def close(self, *, session_id: str | None, channel_id: str, user_id: str) -> Qa:
        """Close a Q&A (by default the one open in this channel); its message shows the final list."""
        self.directory.require_staff(user_id, "close Q&A")
        with transaction(self.engine) as db:
            if session_id:
                qa = db.get(Qa, self.session_here(channel_id, session_id).id)
            else:
                qa = db.exec(
                    select(Qa)
                    .where(Qa.status == "open", Qa.channel_id == channel_id)
                    .order_by(col(Qa.opened_at).desc())
                ).first()
                if qa is None:
                    raise UserError("No Q&A is open in this channel. Name one: `/qa close <session>`.")
            if qa is None:
                raise UserError("That session's Q&A has not been opened.")
            if qa.status == "closed":
                raise UserError(f"Q&A for _{mrkdwn(self.title(qa.id))}_ is already closed.")
            self.close_in(db, qa)
            return qa

    def close_in(self, db: Session, qa: Qa) -> None:
        now = self.clock.now()
        qa.status, qa.closed_at = "closed", now
        outbox.request_qa_refresh(db, qa_id=qa.id, now=now, immediate=True)

    def open_on_schedule(self, db: Session, session_id: str) -> str:
        """The `qa-open:<session>` job, in its transaction; what it did, in words."""
        session = self.event.sessions[session_id]
        if db.get(Qa, session_id) is not None:
            return "already opened by hand"
        if not session.channel:
            return "no channel"
        self.open_in(db, session=session, channel_id=self.directory.channel(session.channel), user_id=None)
        return f"opened in #{session.channel.lstrip('#')}"

    def close_on_schedule(self, db: Session, session_id: str) -> str:
        """The `qa-close:<session>` job, in its transaction."""
        qa = db.get(Qa, session_id)
        if qa is None or qa.status != "open":
            return "not open"
        self.close_in(db, qa)
        return "closed"

    def get(self, qa_id: str) -> Qa:
        with reading(self.engine) as db:
            qa = db.get(Qa, qa_id)
        if qa is None:
            raise UserError("That Q&A no longer exists.")
        return qa

    # ------------------------------------------------------------ asking

    def ask(
        self,
        *,
        qa_id: str,
        user_id: str,
        text: str | None,
        anonymous: bool,
        reply_to: dict[str, Any] | None = None,
    ) -> Question:
        """Record a question; FieldErrors name what is wrong with the form ("question",
        "anonymous"). The asker hears back privately, and moderators are sent it to approve
        when the Q&A is moderated."""
        text = (text or "").strip() if isinstance(text, str) else ""
        if not text:
            raise FieldErrors({"question": "Write your question."})
        if len(text) > MAX_QUESTION:
            raise FieldErrors(
                {"question": f"Keep your question to {MAX_QUESTION} characters (this one has {len(text)})."}
            )
        if anonymous and self._secret is None:
            raise FieldErrors(
                {"anonymous": "Anonymous questions need the anonymity key (CONVENE_ANONYMITY_KEY)."}
            )
        for attempt in range(4):
            try:
                with transaction(self.engine) as db:
                    return self._ask(db, qa_id, user_id, text, anonymous, reply_to, wide=attempt == 3)
            except IntegrityError:
                # Two questions drew the same id at once: draw again.
                if attempt == 3:
                    raise
        raise AssertionError("unreachable")

    def _ask(
        self,
        db: Session,
        qa_id: str,
        user_id: str,
        text: str,
        anonymous: bool,
        reply_to: dict[str, Any] | None,
        *,
        wide: bool,
    ) -> Question:
        now = self.clock.now()
        qa = db.get(Qa, qa_id)
        if qa is None:
            raise UserError("That Q&A no longer exists.")
        if qa.status != "open":
            raise UserError(QA_NOT_OPEN.format(what="your question"))
        if anonymous and not qa.anonymous:
            raise FieldErrors({"anonymous": "This Q&A takes questions with your name only."})
        same = db.exec(select(Question).where(Question.qa_id == qa_id, Question.text == text)).all()
        if any(self.asked_by(q, user_id) for q in same):
            raise FieldErrors({"question": "You have already asked this question here."})
        question_id = self._new_id(db, wide=wide)
        question = Question(
            id=question_id,
            qa_id=qa_id,
            text=text,
            status="pending" if qa.moderated else "open",
            anonymous=anonymous,
            asker_user=None if anonymous else user_id,
            asker_key=self._asker_key(question_id, user_id) if anonymous else None,
            created_at=None if anonymous else now,
        )
        db.add(question)
        db.flush()
        title = mrkdwn(self.title(qa_id))
        quoted = f"_{mrkdwn(text)}_"
        if qa.moderated:
            self._send_to_moderators(db, qa, question, now)
            head = "Your anonymous question waits" if anonymous else "Your question waits"
            note = (
                f"{head} for a moderator: {quoted}\nIt shows under _{title}_ once approved; "
                "you will hear from Convene if it is not."
            )
        else:
            outbox.request_qa_refresh(db, qa_id=qa_id, now=now)
            head = "Your anonymous question is up" if anonymous else "Your question is up"
            note = f"{head} under _{title}_ (#{question_id}): {quoted}\nOthers can upvote it now."
        if anonymous:
            note += "\nYour name is not stored with it."
        if reply_to:
            outbox.enqueue_notice(db, reply_to, note, now=now)
        return question

    def _new_id(self, db: Session, *, wide: bool) -> int:
        low, high = WIDE_IDS if wide else QUESTION_IDS
        for _ in range(20):
            candidate = low + secrets.randbelow(high - low)
            if db.get(Question, candidate) is None:
                return candidate
        return WIDE_IDS[0] + secrets.randbelow(WIDE_IDS[1] - WIDE_IDS[0])

    def _send_to_moderators(self, db: Session, qa: Qa, question: Question, now: datetime) -> None:
        """A direct message to each moderator with the question and Approve / Dismiss buttons.
        About an anonymous question, the messages are private (deleted once sent), so no row
        keeps when it was asked."""
        card = moderation_card(question, title=self.title(qa.id), asker=self._asker_name(question))
        for person_id, user in self.moderators(qa.id):
            outbox.enqueue_dm(
                db,
                user=user,
                text=card["text"],
                blocks=card["blocks"],
                now=now,
                key=f"qa-moderate:{question.id}:{person_id}",
                describe="a question to moderate",
                private=question.anonymous,
            )

    # ------------------------------------------------------------ upvoting

    def upvote(self, *, question_id: int, user_id: str, reply_to: dict[str, Any] | None = None) -> Upvoted:
        """One upvote per person per question: a second one (a double click, Slack delivering
        the click again) changes nothing and never takes the first away. Nobody upvotes their
        own question."""
        now = self.clock.now()
        for attempt in range(3):
            try:
                with writing(self.engine) as conn:
                    return self._upvote(conn, question_id, user_id, reply_to, now=now)
            except IntegrityError:
                # An anonymous upvote's random id was taken: draw another.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _upvote(
        self,
        conn: Connection,
        question_id: int,
        user_id: str,
        reply_to: dict[str, Any] | None,
        *,
        now: datetime,
    ) -> Upvoted:
        statements = _statements(self.engine.dialect.name)
        state = conn.execute(statements["state"], {"id": question_id}).first()
        if state is None:
            raise UserError("That question is not part of this Q&A.")
        question = Question(
            id=question_id,
            qa_id=state.qa_id,
            text=state.text,
            status=state.status,
            anonymous=state.anonymous,
            asker_user=state.asker_user,
            asker_key=state.asker_key,
        )
        quoted = f"_{mrkdwn(truncate(question.text, 200))}_"
        if state.qa_status != "open":
            raise UserError(QA_NOT_OPEN.format(what=f"your upvote for {quoted}"))
        if question.status == "answered":
            raise UserError(f"That question has been answered: {quoted}")
        if question.status != "open":
            raise UserError("That question is not shown, so it takes no upvotes.")
        if self.asked_by(question, user_id):
            raise UserError(
                f"That is your own question, so your upvote does not count for it: {quoted}\n"
                "The upvotes show what others want answered."
            )
        values: dict[str, Any] = {
            "question_id": question_id,
            "voter_key": self._voter_key(state.qa_anonymous, question_id, user_id),
            "created_at": None if state.qa_anonymous else now,
        }
        if state.qa_anonymous:
            values["id"] = UPVOTE_IDS[0] + secrets.randbelow(UPVOTE_IDS[1] - UPVOTE_IDS[0])
        changed = conn.execute(statements["upvote"], values).first() is not None
        if changed:
            outbox.request_qa_refresh(conn, qa_id=question.qa_id, now=now)
        if reply_to:
            head = "Upvoted" if changed else "Already upvoted (it counts once)"
            note = f"{head}: {quoted}\nTo take it back, press *Take back an upvote* under the questions."
            outbox.enqueue_notice(conn, reply_to, note, now=now)
        return Upvoted(question=question, changed=changed)

    def take_back(
        self, *, qa_id: str, question_ids: list[int], user_id: str, reply_to: dict[str, Any] | None = None
    ) -> list[Upvoted]:
        """Take back one's upvotes of these questions of one Q&A (the form's): a deliberate act
        of its own, never a second click of Upvote. Taking back one that is not there changes
        nothing; a question of another Q&A is refused."""
        now = self.clock.now()
        done = []
        with transaction(self.engine) as db:
            qa_ids = set()
            for question_id in question_ids:
                question = db.get(Question, question_id)
                if question is None or question.qa_id != qa_id:
                    raise UserError("That question is not part of this Q&A.")
                qa = db.get(Qa, question.qa_id)
                assert qa is not None
                if qa.status != "open":
                    raise UserError(QA_NOT_OPEN.format(what="taking back your upvote"))
                key = self._voter_key(qa.anonymous, question_id, user_id)
                vote = db.exec(
                    select(Upvote).where(Upvote.question_id == question_id, Upvote.voter_key == key)
                ).first()
                gone = vote is not None
                if vote is not None:
                    db.delete(vote)
                done.append(Upvoted(question=question, changed=bool(gone)))
                if gone:
                    qa_ids.add(qa.id)
            for qa_id in qa_ids:
                outbox.request_qa_refresh(db, qa_id=qa_id, now=now)
            if reply_to and done:
                taken = [u for u in done if u.changed]
                lines = [f"• _{mrkdwn(truncate(u.question.text, 200))}_" for u in taken]
                note = (
                    "Took back your upvote for:\n" + "\n".join(lines)
                    if taken
                    else "Nothing to take back: you had not upvoted those questions."
                )
                outbox.enqueue_notice(db, reply_to, note, now=now)
        return done

    def upvoted_by(self, *, qa_id: str, user_id: str) -> list[Question]:
        """The open questions of a Q&A this person has upvoted (for the take-back form)."""
        with reading(self.engine) as db:
            qa = db.get(Qa, qa_id)
            if qa is None:
                raise UserError("That Q&A no longer exists.")
            questions = db.exec(
                select(Question).where(Question.qa_id == qa_id, Question.status == "open")
            ).all()
            keys = {self._voter_key(qa.anonymous, q.id or 0, user_id): q for q in questions}
            if not keys:
                return []
            found = db.exec(select(Upvote.voter_key).where(col(Upvote.voter_key).in_(list(keys)))).all()
        return sorted((keys[k] for k in found), key=lambda q: q.text.lower())

    # ------------------------------------------------------------ moderating

    def approve(self, **kwargs: Any) -> Question:
        """Show a waiting question in its Q&A (see `_moderate` for the arguments)."""
        return self._moderate(status="open", doing="approve questions", **kwargs)

    def dismiss(self, **kwargs: Any) -> Question:
        """Keep a question off the list (waiting or shown); its asker is told, privately."""
        return self._moderate(status="dismissed", doing="dismiss questions", **kwargs)

    def mark_answered(self, **kwargs: Any) -> Question:
        """Move a shown question below the open ones, as answered."""
        return self._moderate(status="answered", doing="mark questions answered", **kwargs)

    def _moderate(
        self,
        *,
        question_id: int,
        user_id: str,
        status: str,
        doing: str,
        reply_to: dict[str, Any] | None = None,
        replace: bool = False,
    ) -> Question:
        """Settle one question. With `reply_to`, the moderator hears what was done: with
        `replace`, in place of the card their click came from."""
        now = self.clock.now()
        with transaction(self.engine) as db:
            question = db.get(Question, question_id)
            if question is None:
                if not self.directory.is_staff(user_id):
                    raise NotAllowed(f"Only facilitators, organizers and moderators can {doing}.")
                raise UserError(f"There is no question #{question_id}. `/qa queue` lists them.")
            self._require_moderator(user_id, question.qa_id, doing)
            if question.status == status:
                raise UserError(f"Question #{question.id} is already {_STATUS_WORDS[status]}.")
            allowed = {"open": {"pending"}, "dismissed": {"pending", "open"}, "answered": {"open"}}[status]
            if question.status not in allowed:
                raise UserError(
                    f"Question #{question.id} is {_STATUS_WORDS[question.status]}, so it cannot be "
                    f"{_STATUS_WORDS[status]}."
                )
            was = question.status
            question.status = status
            if was != "pending" or status == "open":
                outbox.request_qa_refresh(db, qa_id=question.qa_id, now=now)
            if status == "dismissed":
                self._tell_asker_dismissed(db, question, now)
            if reply_to:
                note = moderated_note(
                    question, title=self.title(question.qa_id), by=self.directory.display(user_id)
                )
                outbox.enqueue_notice(db, reply_to, note, now=now, replace=replace)
            return question

    def _tell_asker_dismissed(self, db: Session, question: Question, now: datetime) -> None:
        """The asker hears, by a private direct message, that their question was not shown. For
        an anonymous question only the bot, holding the key, can find them on the roster."""
        user = question.asker_user or self._anonymous_asker(question)
        if user is None:
            return
        text = (
            f"Your question for _{mrkdwn(self.title(question.qa_id))}_ was not shown by the moderators: "
            f"_{mrkdwn(question.text)}_"
        )
        outbox.enqueue_dm(
            db,
            user=user,
            text=text,
            now=now,
            key=f"qa-dismissed:{uuid.uuid4().hex}",
            describe="a note about a question",
            private=True,
        )

    def _anonymous_asker(self, question: Question) -> str | None:
        if self._secret is None or question.asker_key is None or question.id is None:
            return None
        for person in self.event.people.values():
            user = self.directory.slack_id(person.id)
            if user and hmac.compare_digest(self._asker_key(question.id, user), question.asker_key):
                return user
        return None

    # ------------------------------------------------------------ reading

    def board(self, qa_id: str) -> Board:
        with reading(self.engine) as db:
            qa = db.get(Qa, qa_id)
            if qa is None:
                raise UserError("That Q&A has not been opened yet.")
            return self.board_in(db, qa)

    def find(self, qa_id: str) -> Board | None:
        """A Q&A's board, or None if it was never opened."""
        with reading(self.engine) as db:
            qa = db.get(Qa, qa_id)
            return self.board_in(db, qa) if qa is not None else None

    def board_in(self, db: Session, qa: Qa) -> Board:
        """A Q&A's questions with their upvotes, ranked (ties in id order: ids are random)."""
        upvotes = func.count(col(Upvote.id))
        rows = db.exec(
            select(Question, upvotes)
            .outerjoin(Upvote, col(Upvote.question_id) == col(Question.id))
            .where(Question.qa_id == qa.id)
            .group_by(col(Question.id))
        ).all()
        board = Board(qa=qa, title=self.title(qa.id))
        ranked = sorted(
            (Ranked(q, int(n), self._asker_name(q)) for q, n in rows),
            key=lambda r: (-r.upvotes, r.question.id or 0),
        )
        for r in ranked:
            getattr(board, r.question.status if r.question.status != "dismissed" else "dismissed").append(r)
        return board

    def boards(self) -> Iterator[Board]:
        """Every Q&A that was opened, in the agenda's order (for the report)."""
        order = {s.id: n for n, s in enumerate(self.event.agenda())}
        with reading(self.engine) as db:
            for qa in sorted(db.exec(select(Qa)).all(), key=lambda q: (order.get(q.id, len(order)), q.id)):
                yield self.board_in(db, qa)

    def queue(self, *, channel_id: str, user_id: str, session_id: str | None = None) -> Board:
        """A Q&A's board for its moderators: the waiting questions and the shown ones."""
        session = self._session_for_queue(channel_id, session_id)
        self._require_moderator(user_id, session.id, "see the questions waiting")
        return self.board(session.id)

    def _session_for_queue(self, channel_id: str, session_id: str | None) -> SessionSpec:
        if session_id:
            return self.session_here(channel_id, session_id)
        with reading(self.engine) as db:
            qa = db.exec(
                select(Qa).where(Qa.channel_id == channel_id).order_by(col(Qa.opened_at).desc())
            ).first()
        if qa is not None and qa.id in self.event.sessions:
            return self.event.sessions[qa.id]
        return self.session_here(channel_id, None, verb="queue")

    # ------------------------------------------------------------ who asked, who upvoted

    def asked_by(self, question: Question, user_id: str) -> bool:
        """Whether `user_id` asked `question` (for an anonymous one, only the key can tell)."""
        if not question.anonymous:
            return question.asker_user == user_id
        if self._secret is None or question.asker_key is None or question.id is None:
            return False
        return hmac.compare_digest(self._asker_key(question.id, user_id), question.asker_key)

    def _asker_name(self, question: Question) -> str | None:
        if question.anonymous or not question.asker_user:
            return None
        return self.directory.display(question.asker_user)

    def _asker_key(self, question_id: int, user_id: str) -> str:
        return self._hash(f"qa-ask:{question_id}\x00{user_id}")

    def _voter_key(self, anonymous: bool, question_id: int, user_id: str) -> str:
        """The upvote's de-duplication key: the user id, or in a Q&A that takes anonymous
        questions an unlinkable keyed hash made for this question alone."""
        if not anonymous:
            return user_id
        return self._hash(f"qa-upvote:{question_id}\x00{user_id}")

    def _hash(self, text: str) -> str:
        if self._secret is None:
            raise UserError("Anonymous Q&A needs the anonymity key (CONVENE_ANONYMITY_KEY).")
        return "anon:" + hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()[:48]


_STATUS_WORDS = {
    "pending": "waiting for a moderator",
    "open": "shown",
    "answered": "marked answered",
    "dismissed": "dismissed",
}


@cache
def _statements(dialect: str) -> dict[str, Any]:
    """The statements an upvote runs, built once per SQL dialect (values come as parameters)."""
    questions, qas, upvotes = table_of(Question), table_of(Qa), table_of(Upvote)
    insert = insert_for(dialect, upvotes)
    return {
        # The question and its Q&A's state, in one round trip.
        "state": sa.select(
            questions.c.qa_id,
            questions.c.text,
            questions.c.status,
            questions.c.anonymous,
            questions.c.asker_user,
            questions.c.asker_key,
            qas.c.status.label("qa_status"),
            qas.c.anonymous.label("qa_anonymous"),
        )
        .select_from(questions.join(qas, qas.c.id == questions.c.qa_id))
        .where(questions.c.id == bindparam("id")),
        # RETURNING says whether the upvote is new; a repeat hits the unique constraint.
        "upvote": insert.on_conflict_do_nothing(
            index_elements=[upvotes.c.question_id, upvotes.c.voter_key]
        ).returning(upvotes.c.id),
    }
