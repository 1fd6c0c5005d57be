"""Small helpers every listener uses: who is asking, where to answer, how to refuse."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import FieldErrors, UserError
from handlers.core import Core

log = logging.getLogger("convene.handlers")

SORRY = "Something went wrong on our side and nothing was changed. Please try again in a moment."
UNREADABLE = (
    "Part of this form came back in a shape Slack never sends. Please close the form and open it again."
)
# What the bot itself puts in a modal's private_metadata, and as what.
METADATA = {"poll": str, "headline": int, "qa": str, "response_url": str, "channel": str, "user": str}
# Ids are INTEGER columns: 2**31 - 1 on PostgreSQL (SQLite's go to 2**63 - 1).
MAX_ROW_ID = 2**31 - 1


def user_id(body: dict[str, Any]) -> str:
    """The acting user's id from any payload shape (commands put it at the top level)."""
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return user["id"]
    if isinstance(body.get("user_id"), str):
        return body["user_id"]
    raise UserError("This request does not say who sent it.")


def channel_id(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict):
        return channel.get("id")
    return body.get("channel_id") or (body.get("container") or {}).get("channel_id")


def reply_target(body: dict[str, Any]) -> dict[str, Any]:
    """Where an ephemeral answer to this interaction goes (with whom it is for, to keep one
    person's answers in order)."""
    if isinstance(body.get("response_url"), str):
        target = {"response_url": body["response_url"]}
        with contextlib.suppress(UserError):
            target["user"] = user_id(body)
        return target
    return {"channel": channel_id(body), "user": user_id(body)}


def metadata(body: dict[str, Any]) -> dict[str, Any]:
    """A modal's private_metadata, parsed; empty when missing or not ours.

    A field the bot puts there that comes back as another type was not written by the
    bot: a UserError, not a guess.
    """
    try:
        data = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
    except (TypeError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    for key, kind in METADATA.items():
        value = data.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise UserError(UNREADABLE)
    return {k: v for k, v in data.items() if v is not None or k not in METADATA}


def form_value(values: dict[str, Any], block: str, action: str = "value") -> Any:
    """One input's value from a submitted view's state: the chosen option's value, the chosen
    options' values, or the typed text (None when empty). A value that is not text, which
    Slack never sends, is a UserError."""
    element = (values.get(block) or {}).get(action) or {}
    if "selected_option" in element:
        option = element["selected_option"] or {}
        if not isinstance(option, dict):
            raise UserError(UNREADABLE)
        return _text(option.get("value"))
    if "selected_options" in element:
        options = element["selected_options"] or []
        if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
            raise UserError(UNREADABLE)
        return [_text(o.get("value")) for o in options]
    return _text(element.get("value"))


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise UserError(UNREADABLE)


def row_id(value: Any) -> int | None:
    """A row's id as a form or a person gave it (a number, or digits), if it can be one.

    None for anything that cannot: not a whole number, or outside the narrowest id
    column's range (PostgreSQL's INTEGER), which the database would refuse with an error.
    """
    if isinstance(value, str):
        digits = value.strip().lstrip("#")
        value = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 10 else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_ROW_ID else None


def open_view(
    client: WebClient, body: dict[str, Any], view: dict[str, Any], *, again: str = "please try again"
) -> None:
    """Open a modal on the click or command's trigger; if Slack will not (the trigger is
    missing or its 3 seconds are up), a UserError that says so and what to do."""
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except (SlackApiError, KeyError):
        raise UserError(f"Slack did not let me open the form in time; {again}.") from None


def tell(core: Core, target: dict[str, Any], text: str) -> None:
    """An ephemeral note to one person, through the outbox."""
    core.replies.tell(target, text)


def answering(
    core: Core,
    body: dict[str, Any],
    ack: Callable[..., Any],
    work: Callable[[], None],
    *,
    replies_only: bool = False,
) -> None:
    """Run a button's work, then ack; a UserError becomes an ephemeral note.

    The ack comes last so that Slack is answered only once the work is committed.
    `replies_only`: the work queues nothing but a reply and a live message's refresh (a
    vote), so only the sender of replies is woken.
    """
    try:
        work()
    except UserError as exc:
        target = _safe_target(body)
        if target:
            tell(core, target, str(exc))
    except Exception:
        log.exception("action failed")
        target = _safe_target(body)
        if target:
            tell(core, target, SORRY)
    (core.replies.wake_replies if replies_only else core.replies.wake)()
    ack()


def command_answer(core: Core, name: str, work: Callable[[], dict[str, Any] | str]) -> dict[str, Any]:
    """Run a slash command's work and turn its outcome into the ephemeral answer to ack with.

    A UserError (or a form's first FieldError) becomes the message; anything
    else is logged and answered with an apology, never a timeout.
    """
    try:
        answer = work()
    except FieldErrors as exc:
        answer = next(iter(exc.errors.values()))
    except UserError as exc:
        answer = str(exc)
    except Exception:
        log.exception("%s failed", name)
        answer = SORRY
    core.replies.wake()
    return {"text": answer} if isinstance(answer, str) else answer


def _safe_target(body: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return reply_target(body)
    except UserError:
        return None
