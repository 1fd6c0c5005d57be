"""/qa and the Q&A's buttons and forms: facilitators open, close and moderate; everyone asks
and upvotes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core import FieldErrors, UserError, formatting
from bot.qa import ask_modal, moderated_note, queue_blocks, take_back_modal
from bot.slack import mrkdwn
from handlers.common import (
    SORRY,
    UNREADABLE,
    answering,
    command_answer,
    form_value,
    log,
    metadata,
    open_view,
    reply_target,
    row_id,
    user_id,
)
from handlers.core import Core

HELP = """*Convene Q&A*
• `/qa open [session]`: open the session's Q&A in this channel, with a live message to ask and upvote
• `/qa close [session]`: close it (default: the one open here); its message shows the final list
• `/qa display [session]`: a link to show the top questions on the room's screen
• `/qa queue [session]`: the questions waiting for a moderator, and the shown ones
• `/qa approve <#>`, `/qa dismiss <#>`, `/qa answered <#>`: moderate a question by its number
• `/qa help`: this message
Opening, closing and the display are for facilitators and organizers; moderating is for them and
the Q&A's moderators. Everyone asks and upvotes with the buttons on the Q&A's message."""

NOT_A_QUESTION = "That question is not part of this Q&A."
MODERATION = {"approve": "approve", "dismiss": "dismiss", "answered": "mark_answered"}


def register(app: App, core: Core) -> None:
    """Wire /qa, the Q&A message's buttons, the moderators' buttons and the forms."""
    qa = core.qa

    @app.command("/qa")
    def qa_command(ack: Ack, body: dict[str, Any]) -> None:
        words = (body.get("text") or "").split()
        verb, args = (words[0].lower(), words[1:]) if words else ("help", [])
        ack(**command_answer(core, f"/qa {verb}", lambda: dispatch(core, verb, args, body)))

    @app.action("qa_ask")
    def open_ask(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        def work() -> None:
            found = qa.get(str(action.get("value")))
            if found.status != "open":
                raise UserError("This Q&A is closed; it takes no more questions.")
            # The form carries where to reply, never who asked: the submission says who.
            meta = {"qa": found.id, **{k: v for k, v in reply_target(body).items() if k != "user"}}
            view = ask_modal(qa.title(found.id), qa=found, metadata=meta)
            open_view(client, body, view, again="please press the button again")

        answering(core, body, ack, work)

    @app.view("qa_ask")
    def submit_ask(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        def work(meta: dict[str, Any]) -> None:
            values = _values(view)
            chosen = form_value(values, "anonymous") or []
            qa.ask(
                qa_id=meta.get("qa", ""),
                user_id=user_id(body),
                text=form_value(values, "question"),
                anonymous="yes" in chosen,
                reply_to=_target(meta, body),
            )

        _submit(core, ack, body, work, field="question")

    @app.action(re.compile(r"^qa_upvote_\d+$"))
    def upvote(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        def work() -> None:
            qa.upvote(
                question_id=_question(action.get("value")), user_id=user_id(body), reply_to=reply_target(body)
            )

        answering(core, body, ack, work)

    @app.action("qa_take_back")
    def open_take_back(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        def work() -> None:
            found = qa.get(str(action.get("value")))
            if found.status != "open":
                raise UserError("This Q&A is closed; its upvotes are final.")
            mine = qa.upvoted_by(qa_id=found.id, user_id=user_id(body))
            if not mine:
                raise UserError(
                    "You have not upvoted any open question here, so there is nothing to take back."
                )
            meta = {"qa": found.id, **{k: v for k, v in reply_target(body).items() if k != "user"}}
            open_view(
                client, body, take_back_modal(mine, metadata=meta), again="please press the button again"
            )

        answering(core, body, ack, work)

    @app.view("qa_take_back")
    def submit_take_back(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        def work(meta: dict[str, Any]) -> None:
            picked = form_value(_values(view), "questions") or []
            if not isinstance(picked, list) or not picked:
                raise FieldErrors({"questions": "Choose the questions to take your upvote back from."})
            ids = [_question(value) for value in picked]
            qa.take_back(
                qa_id=str(meta.get("qa", "")),
                question_ids=ids,
                user_id=user_id(body),
                reply_to=_target(meta, body),
            )

        _submit(core, ack, body, work, field="questions")

    @app.action(re.compile(r"^qa_(approve|dismiss|answered)_\d+$"))
    def moderate(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        def work() -> None:
            verb = str(action.get("action_id", "")).split("_")[1]
            # A moderator's card in their DMs becomes what was done; a click in /qa queue's
            # list (only they see it) gets a note below it.
            from_card = not (body.get("container") or {}).get("is_ephemeral")
            getattr(qa, MODERATION[verb])(
                question_id=_question(action.get("value")),
                user_id=user_id(body),
                reply_to=reply_target(body),
                replace=from_card,
            )

        answering(core, body, ack, work)


def dispatch(core: Core, verb: str, args: list[str], body: dict[str, Any]) -> dict[str, Any] | str:
    """Carry out one /qa sub-command and return the ephemeral answer."""
    qa = core.qa
    who = user_id(body)
    channel = body.get("channel_id") or ""
    session_id = args[0] if args else None
    if verb == "help":
        return HELP
    if verb == "open":
        opened = qa.open(session_id=session_id, channel_id=channel, user_id=who, reply_to=reply_target(body))
        title = mrkdwn(qa.title(opened.id))
        if opened.message_ts:
            return f"Opened Q&A for _{title}_ again: its message takes questions again."
        reply = (
            f"Opened Q&A for _{title}_ in this channel: its message, with an *Ask a question* button, "
            f"is on its way. Close it with `/qa close`."
        )
        session = core.event.sessions.get(opened.id)
        if session_id is None and session is not None and not qa.is_on(session):
            # Picked as the nearest in time: say when it is, in case another was meant.
            when = formatting.day_and_clock(core.event.session_start(session).astimezone(core.event.tz))
            reply += f"\nNo session is on here now; this one is at {when}. For another: `/qa open <session>`."
        return reply
    if verb == "close":
        closed = qa.close(session_id=session_id, channel_id=channel, user_id=who)
        title = mrkdwn(qa.title(closed.id))
        if closed.message_ts:
            return f"Closed Q&A for _{title}_. Its message now shows the final list."
        return f"Closed Q&A for _{title}_; it takes no more questions."
    if verb == "display":
        core.directory.require_staff(who, "open display pages")
        session = qa.session_here(channel, session_id, verb="display")
        url = core.displays.create(kind="qa", subject=session.id, user_id=who)
        return (
            f"For the room's screen (read-only; it follows the questions live, with no names): {url}\n"
            "Anyone with the link can see it, so share it only with the room."
        )
    if verb == "queue":
        return queue_blocks(qa.queue(channel_id=channel, user_id=who, session_id=session_id))
    if verb in MODERATION:
        number = row_id(args[0]) if args else None
        if number is None:
            return f"Which question? Give its number, e.g. `/qa {verb} 4821` (`/qa queue` lists them)."
        question = getattr(qa, MODERATION[verb])(question_id=number, user_id=who)
        return moderated_note(question, title=qa.title(question.qa_id), by=core.directory.display(who))
    return f"I don't know `/qa {mrkdwn(verb)}`.\n\n{HELP}"


def _question(value: Any) -> int:
    number = row_id(value)
    if number is None:
        raise UserError(NOT_A_QUESTION)
    return number


def _submit(
    core: Core, ack: Ack, body: dict[str, Any], work: Callable[[dict[str, Any]], None], *, field: str
) -> None:
    """Run a form's work; what is wrong shows in the form, which stays open."""
    try:
        work(metadata(body))
    except FieldErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    except UserError as exc:
        ack(response_action="errors", errors={field: str(exc)})
        return
    except Exception:
        log.exception("Q&A form submission failed")
        ack(response_action="errors", errors={field: SORRY})
        return
    core.replies.wake()
    ack()


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return (view.get("state") or {}).get("values") or {}


def _target(meta: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    if meta.get("response_url"):
        return {"response_url": meta["response_url"], "user": user_id(body)}
    if not meta.get("channel"):
        raise UserError(UNREADABLE)
    return {"channel": meta["channel"], "user": user_id(body)}
