"""Block Kit for Q&A: the live message, the forms people fill in, the moderators' cards and
queue, and the outbox renderers of the live message.

The live message is re-rendered at send time from the database (like a poll's), so one
refresh shows every upvote that came before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from bot.core import Clock, formatting, utc
from bot.delivery import Delivery, Kind, Renderers, outbox
from bot.delivery.dispatcher import PERMANENT
from bot.event import Event
from bot.qa.board import Board, Ranked
from bot.slack import mrkdwn, one_line, quote, truncate
from bot.slack.blocks import actions, button, context, header, input_block, modal, option, section
from storage.models import Outbox, Qa, Question

SHOWN = 10  # open questions in the live message (the room's screen shows more)
ANSWERED_SHOWN = 8
QUEUE_WAITING = 15
QUEUE_SHOWN = 10
OPTION_LIMIT = 100  # a multi-select's options


def _who(ranked: Ranked) -> str:
    return mrkdwn(ranked.asker) if ranked.asker else "anonymous"


def question_line(ranked: Ranked) -> str:
    """One question in mrkdwn: its upvotes, its text, its number and who asked."""
    q = ranked.question
    return f"*▲ {ranked.upvotes}* · {mrkdwn(q.text)}\n_#{q.id} · {_who(ranked)}_"


def qa_message(board: Board, *, updated: str | None = None) -> dict[str, Any]:
    """The Q&A's live message: the top open questions by upvotes with an Upvote button each,
    the answered ones below, and the Ask button while it is open."""
    qa = board.qa
    closed = qa.status == "closed"
    title = ("Q&A closed: " if closed else "Q&A: ") + one_line(board.title)
    blocks: list[dict[str, Any]] = [header(title)]
    facts = [formatting.count(board.shown, "question", "questions")]
    if not closed:
        facts.insert(0, "Ask below, and upvote the questions you want answered")
    if qa.moderated and not closed:
        facts.append("a moderator approves each question")
    if qa.anonymous and not closed:
        facts.append("you may ask anonymously")
    blocks.append(context(" · ".join(facts)))
    for i, ranked in enumerate(board.open[:SHOWN]):
        upvote = None if closed else button("▲ Upvote", f"qa_upvote_{i}", str(ranked.question.id))
        blocks.append(section(question_line(ranked), accessory=upvote))
    if len(board.open) > SHOWN:
        more = len(board.open) - SHOWN
        blocks.append(
            context(f"…and {formatting.count(more, 'more question', 'more questions')} with fewer upvotes")
        )
    if not board.open and not board.answered:
        blocks.append(
            section("_No questions yet._" if closed else "_No questions yet: be the first to ask._")
        )
    if board.answered:
        lines = [f"✓ {mrkdwn(truncate(r.question.text, 300))} · ▲ {r.upvotes}" for r in board.answered]
        shown = lines[:ANSWERED_SHOWN]
        if len(lines) > len(shown):
            shown.append(f"_…and {len(lines) - len(shown)} more_")
        blocks.append(section("*Answered*\n" + "\n".join(shown)))
    if not closed:
        # Taking back needs an upvote to take: with none on the open questions, the button
        # would only answer "nothing to take back".
        upvoted = any(r.upvotes for r in board.open)
        take_back = [button("Take back an upvote", "qa_take_back", qa.id)] if upvoted else []
        blocks.append(actions([button("Ask a question", "qa_ask", qa.id, style="primary"), *take_back]))
    footer = ["numbers (#) are for moderators"] if not closed else []
    if updated:
        footer.append(f"updated {updated}")
    if closed:
        footer.append("this Q&A is closed")
    blocks.append(context(" · ".join(footer)))
    count = formatting.count(board.shown, "question", "questions")
    return {"text": f"{mrkdwn(title)} ({count})", "blocks": blocks}


def moderation_card(question: Question, *, title: str, asker: str | None) -> dict[str, Any]:
    """The direct message a moderator gets for a question waiting for approval."""
    who = mrkdwn(asker) if asker else "anonymous"
    intro = f"A question for _{mrkdwn(title)}_ waits for a moderator:"
    blocks = [
        section(f"{intro}\n{quote(question.text)}\n_#{question.id} · {who}_"),
        actions(
            [
                button("Approve", "qa_approve_0", str(question.id), style="primary"),
                button("Dismiss", "qa_dismiss_0", str(question.id), style="danger"),
            ]
        ),
    ]
    return {"text": f"{intro} {mrkdwn(question.text)}", "blocks": blocks}


def moderated_note(question: Question, *, title: str, by: str) -> str:
    """What a moderator's card becomes once its question is settled."""
    done = {"open": "Approved", "dismissed": "Dismissed", "answered": "Marked answered"}[question.status]
    where = f" under _{mrkdwn(title)}_" if question.status == "open" else ""
    return f"{done}{where} by {mrkdwn(by)}: _{mrkdwn(question.text)}_ (#{question.id})"


def queue_blocks(board: Board) -> dict[str, Any]:
    """/qa queue: the questions waiting for a moderator (Approve / Dismiss) and the shown ones
    (Mark answered), only to the moderator who asked."""
    qa = board.qa
    status = "open" if qa.status == "open" else "closed"
    facts = [
        f"{len(board.pending)} waiting",
        f"{len(board.open)} shown",
        f"{len(board.answered)} answered",
        f"{len(board.dismissed)} dismissed",
    ]
    blocks: list[dict[str, Any]] = [
        section(f"*Q&A: {mrkdwn(board.title)}* ({status}) · " + " · ".join(facts))
    ]
    for i, ranked in enumerate(board.pending[:QUEUE_WAITING]):
        q = ranked.question
        blocks.append(section(f"{quote(q.text)}\n_#{q.id} · {_who(ranked)}_"))
        blocks.append(
            actions(
                [
                    button("Approve", f"qa_approve_{i}", str(q.id), style="primary"),
                    button("Dismiss", f"qa_dismiss_{i}", str(q.id), style="danger"),
                ]
            )
        )
    if len(board.pending) > QUEUE_WAITING:
        blocks.append(context(f"…and {len(board.pending) - QUEUE_WAITING} more waiting"))
    for i, ranked in enumerate(board.open[:QUEUE_SHOWN]):
        blocks.append(
            section(
                question_line(ranked),
                accessory=button("Mark answered", f"qa_answered_{i}", str(ranked.question.id)),
            )
        )
    if not board.pending and not board.open:
        blocks.append(section("_Nothing waiting and no open questions._"))
    blocks.append(context("Or type `/qa approve <#>`, `/qa dismiss <#>` or `/qa answered <#>`."))
    return {"text": f"Q&A: {mrkdwn(board.title)}: " + ", ".join(facts), "blocks": blocks[:50]}


# ------------------------------------------------------------------ for organizers

STATUS = {
    "open": "open",
    "answered": "answered",
    "pending": "waiting for a moderator",
    "dismissed": "dismissed",
}
SUMMARY_SHOWN = 5


def _tally(board: Board) -> str:
    asked = len(board.open) + len(board.answered) + len(board.pending) + len(board.dismissed)
    parts = [
        formatting.count(asked, "question", "questions") + " asked",
        f"{formatting.number(len(board.answered))} answered",
        formatting.count(board.upvotes, "upvote", "upvotes"),
    ]
    if board.pending:
        parts.append(f"{formatting.number(len(board.pending))} waiting for a moderator")
    if board.dismissed:
        parts.append(f"{formatting.number(len(board.dismissed))} dismissed")
    return ", ".join(parts)


def summary_lines(board: Board) -> str:
    """A session summary's Q&A section (mrkdwn): the counts and the top questions, no names."""
    lines = [f"*Q&A*: {_tally(board)}"]
    for r in [*board.open, *board.answered][:SUMMARY_SHOWN]:
        done = " (answered)" if r.question.status == "answered" else ""
        lines.append(f"• ▲ {r.upvotes} · {mrkdwn(truncate(r.question.text, 200))}{done}")
    return "\n".join(lines)


def report_rows(board: Board) -> tuple[str, str, list[list[str]]]:
    """A session's questions for the report, as typed (the report escapes them): its title, a
    line of counts, and a table of every question with its upvotes, status and asker (an
    anonymous one is only "anonymous")."""
    rows = [["Question", "Upvotes", "Status", "Asked by"]]
    for r in [*board.open, *board.answered, *board.pending, *board.dismissed]:
        rows.append([r.question.text, str(r.upvotes), STATUS[r.question.status], r.asker or "anonymous"])
    return f"Q&A: {board.title}", _tally(board).capitalize() + ".", rows


# ------------------------------------------------------------------ forms


def ask_modal(board_title: str, *, qa: Qa, metadata: dict[str, Any]) -> dict[str, Any]:
    """The form to ask a question: at most 300 characters, anonymously where the Q&A allows."""
    blocks: list[dict[str, Any]] = [
        section(f"*{mrkdwn(board_title)}*"),
        input_block(
            "question",
            "Your question",
            {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 300},
        ),
    ]
    if qa.anonymous:
        blocks.append(
            input_block(
                "anonymous",
                "Privacy",
                {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [option("yes", "Ask anonymously: your name is not shown or stored")],
                },
                optional=True,
            )
        )
    if qa.moderated:
        blocks.append(context("A moderator approves each question before it shows."))
    return modal("qa_ask", "Ask a question", "Ask", metadata, blocks)


def take_back_modal(questions: list[Question], *, metadata: dict[str, Any]) -> dict[str, Any]:
    """The form to take back upvotes: the open questions this person upvoted."""
    options = [option(str(q.id), truncate(one_line(q.text), 75)) for q in questions[:OPTION_LIMIT]]
    element = {
        "type": "multi_static_select",
        "action_id": "value",
        "placeholder": {"type": "plain_text", "text": "Questions you upvoted"},
        "options": options,
    }
    return modal(
        "qa_take_back",
        "Your upvotes",
        "Take back",
        metadata,
        [input_block("questions", "Take back your upvote for", element)],
    )


# ------------------------------------------------------------------ renderers


def post_failure(title: str, channel_id: str | None, error: str, reason: str | None, session_id: str) -> str:
    """What the person who opened a Q&A hears when Slack refused its message for good."""
    where = f"<#{channel_id}>" if channel_id else "that channel"
    again = f"`/qa open {session_id}`"
    head = f":warning: Q&A for _{mrkdwn(title)}_ did not open: Convene could not post it in {where}"
    if error in ("not_in_channel", "channel_not_found"):
        return f"{head}. Invite it there (`/invite @Convene`), then {again} again."
    if reason is None:
        return f"{head}: Slack kept answering with an error (`{error}`). Try {again} again in a few minutes."
    return f"{head}: {reason}. Once that is fixed, {again} again."


def register(
    renderers: Renderers, *, event: Event, clock: Clock, board: Callable[[Session, Qa], Board]
) -> None:
    """Register the renderers of the Q&A kinds: the live message posted, then refreshed in
    place, both drawn at send time from the database by `board`."""

    def stamp() -> str:
        return formatting.clock_seconds(clock.now().astimezone(event.tz))

    def qa_post(session: Session, row: Outbox) -> Delivery | None:
        qa = session.get(Qa, row.payload["qa_id"])
        if qa is None or not qa.channel_id:
            return None
        message = qa_message(board(session, qa), updated=stamp())
        row_id, channel, reply_to = row.id, qa.channel_id, row.payload.get("reply_to") or {}
        issued = row.created_at or clock.now()

        def settled(session: Session) -> None:
            # Who opened it is kept only until the post is settled.
            current = session.get(Outbox, row_id)
            if current is not None and "reply_to" in current.payload:
                current.payload = {k: v for k, v in current.payload.items() if k != "reply_to"}

        def remember(session: Session, result: dict[str, Any]) -> None:
            posted = session.get(Qa, row.payload["qa_id"])
            assert posted is not None
            posted.channel_id, posted.message_ts = result.get("channel"), result.get("ts")
            settled(session)

        def failed(session: Session, error: str) -> None:
            gone = session.get(Qa, row.payload["qa_id"])
            if gone is not None and not gone.message_ts:
                gone.status, gone.channel_id = "closed", None
                text = post_failure(board(session, gone).title, channel, error, PERMANENT.get(error), gone.id)
                if reply_to:
                    outbox.tell_later(
                        session,
                        reply_to,
                        text,
                        now=clock.now(),
                        issued=utc(issued),
                        key=f"qa-failed:{row_id}",
                    )
            settled(session)

        return Delivery("chat.postMessage", {"channel": channel, **message}, after=remember, failed=failed)

    def qa_refresh(session: Session, row: Outbox) -> Delivery | None:
        qa = session.get(Qa, row.payload["qa_id"])
        if qa is None or not qa.message_ts:
            return None
        message = qa_message(board(session, qa), updated=stamp())
        return Delivery("chat.update", {"channel": qa.channel_id, "ts": qa.message_ts, **message})

    renderers.register(Kind.QA_POST, qa_post)
    renderers.register(Kind.QA_REFRESH, qa_refresh)
