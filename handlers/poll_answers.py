"""Answering polls: vote buttons, the open-text and multiple-choice modals, and /poll new's form."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core import FieldErrors, UserError
from bot.event import PollKind
from bot.polls import answer_modal, check_ranking, choose_modal, rank_block, rank_modal, survey_modal
from handlers.common import (
    SORRY,
    answering,
    form_value,
    log,
    metadata,
    open_view,
    reply_target,
    tell,
    user_id,
)
from handlers.core import Core
from handlers.poll_commands import new_poll_draft

BAD_OPTION = "That option is not part of this poll."


def parse_vote(value: Any) -> tuple[str, list[int]]:
    """A vote button's value: {"poll": id, "choices": [i]}; anything else is a bad option."""
    try:
        data = json.loads(value)
        poll_id, choices = data["poll"], data["choices"]
    except (TypeError, ValueError, KeyError, RecursionError):
        raise UserError(BAD_OPTION) from None
    if not isinstance(poll_id, str) or not isinstance(choices, list):
        raise UserError(BAD_OPTION)
    return poll_id, choices


def register(app: App, core: Core) -> None:
    """Wire poll buttons and modals."""
    polls = core.polls

    @app.action(re.compile(r"^poll_vote_\d+$"))
    def vote(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        def work() -> None:
            poll_id, choices = parse_vote(action.get("value"))
            polls.vote(poll_id=poll_id, user_id=user_id(body), choices=choices, reply_to=reply_target(body))

        answering(core, body, ack, work, replies_only=True)

    @app.action("poll_answer")
    @app.action("poll_choose")
    @app.action("poll_rank")
    def open_answer(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        def work() -> None:
            poll = polls.get(str(action.get("value")))
            who = user_id(body)
            if poll.status != "open":
                raise UserError(
                    "This poll is closed." if poll.status == "closed" else "This poll is not open yet."
                )
            polls.check_may_answer(poll, who)
            current = polls.current_answer(poll_id=poll.id, user_id=who)
            # The form carries where to reply, never who asked: the submission says who.
            meta = {"poll": poll.id, **{k: v for k, v in reply_target(body).items() if k != "user"}}
            if poll.kind == PollKind.OPEN_TEXT:
                view = answer_modal(poll, metadata=meta, current=current.text if current else None)
            elif poll.kind == PollKind.MULTIPLE:
                view = choose_modal(poll, metadata=meta, current=(current.choices or []) if current else [])
            elif poll.kind == PollKind.SURVEY:
                view = survey_modal(poll, metadata=meta, current=current.answers if current else None)
            elif poll.kind == PollKind.RANKING:
                view = rank_modal(
                    poll.question,
                    poll.options,
                    metadata=meta,
                    current=current.choices if current else None,
                    anonymous=poll.anonymous,
                )
            else:
                raise UserError(BAD_OPTION)
            open_view(client, body, view, again="please press the button again")

        answering(core, body, ack, work)

    @app.view("poll_answer")
    def submit_answer(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _submit(
            ack,
            body,
            lambda meta: polls.vote(
                poll_id=meta.get("poll", ""),
                user_id=user_id(body),
                text=form_value(_values(view), "answer", "text"),
                reply_to=_target(meta, body),
            ),
            field="answer",
        )

    @app.view("poll_choose")
    def submit_choices(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        def work(meta: dict[str, Any]) -> None:
            selected = form_value(_values(view), "choices", "choices") or []
            try:
                choices = [int(value) for value in selected]
            except (KeyError, TypeError, ValueError):
                raise UserError(BAD_OPTION) from None
            polls.vote(
                poll_id=meta.get("poll", ""),
                user_id=user_id(body),
                choices=choices,
                reply_to=_target(meta, body),
            )

        _submit(ack, body, work, field="choices")

    @app.view("poll_survey")
    def submit_survey(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = _values(view)

        def picked(block: str) -> Any:
            """A survey answer as numbers: a scale position, or the chosen interests."""
            value = form_value(values, block)
            if isinstance(value, list):
                return [int(v) for v in value]
            return None if value is None else int(value)

        def work(meta: dict[str, Any]) -> None:
            try:
                statements = [
                    picked(b)
                    for b in sorted(
                        (k for k in values if k.startswith("s") and k[1:].isdigit()), key=lambda k: int(k[1:])
                    )
                ]
                answers = {
                    "statements": statements,
                    "interests": picked("interests") or [],
                    "comments": form_value(values, "comments"),
                }
            except (KeyError, TypeError, ValueError):
                raise UserError(BAD_OPTION) from None
            polls.vote(
                poll_id=meta.get("poll", ""),
                user_id=user_id(body),
                answers=answers,
                reply_to=_target(meta, body),
            )

        _submit(ack, body, work, field="s0")

    @app.view("poll_rank")
    def submit_ranking(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = _values(view)

        def work(meta: dict[str, Any]) -> None:
            poll = polls.get(str(meta.get("poll", "")))
            # The option at each position (None where none was chosen), checked before the vote.
            picked: list[int | None] = []
            for position in range(len(poll.options)):
                chosen = form_value(values, rank_block(position), "option")
                picked.append(int(chosen) if chosen is not None and chosen.isdigit() else None)
            polls.vote(
                poll_id=poll.id,
                user_id=user_id(body),
                choices=check_ranking(picked, poll.options),
                reply_to=_target(meta, body),
            )

        _submit(ack, body, work, field=rank_block(0))

    @app.view("poll_new")
    def submit_new(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        def work(meta: dict[str, Any]) -> None:
            poll = polls.create(
                draft=new_poll_draft(_values(view)), channel_id=meta.get("channel", ""), user_id=user_id(body)
            )
            tell(
                core,
                {"channel": meta.get("channel"), "user": user_id(body)},
                f"Launched `{poll.id}` in this channel. Close it with `/poll close {poll.id}`.",
            )

        _submit(ack, body, work, field="question")

    def _submit(ack: Ack, body: dict[str, Any], work: Any, *, field: str) -> None:
        """Run a modal's work; field errors show inline, and the modal stays open on error."""
        try:
            work(metadata(body))
        except FieldErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except UserError as exc:
            ack(response_action="errors", errors={field: str(exc)})
            return
        except Exception:
            log.exception("modal submission failed")
            ack(response_action="errors", errors={field: SORRY})
            return
        core.replies.wake()
        ack()


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return (view.get("state") or {}).get("values") or {}


def _target(meta: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    if meta.get("response_url"):
        return {"response_url": meta["response_url"], "user": user_id(body)}
    return {"channel": meta.get("channel"), "user": user_id(body)}
