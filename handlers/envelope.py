"""The shape of what Slack sends: who, where, and which listener, typed as Slack types them.

Bolt and the listeners read these fields without asking what they hold; a signed body
whose envelope has another shape is one Slack could not have sent, so `problem` names
it and the endpoint answers 400 before Bolt sees it. What a person typed or picked (a
form's values, a button's value) is not checked here: a bad one is theirs to hear
about, from the listener, as a UserError.
"""

from __future__ import annotations

import re
from typing import Any

from bot.slack.manifest import BOT_EVENTS, COMMANDS

# What the app's manifest subscribes to: Slack sends no other event or command, and a name
# from one list is no member of the other.
SUBSCRIBED_EVENTS = frozenset(BOT_EVENTS)
SUBSCRIBED_COMMANDS = frozenset(c["command"] for c in COMMANDS)
# U…, W…, B…, C…, D…, G…, T…, E…: Slack's ids are short runs of capitals and digits, and
# the columns that keep them hold 32 characters.
SLACK_ID = re.compile(r"[A-Z0-9]{1,32}")
EVENT_ID = re.compile(r"[A-Za-z0-9]{1,64}")

# Fields Bolt reads an id from: a bare id, or an object with one (None where Slack sends null).
HOLDERS = ("user", "team", "enterprise", "channel")
IDS = ("user_id", "channel_id", "team_id", "enterprise_id")
TEXTS = ("type", "token", "api_app_id", "trigger_id", "response_url", "callback_id", "private_metadata")
# Objects Bolt looks inside for more of the same.
NESTED = ("event", "message", "previous_message", "item", "assistant_thread", "container", "view")


def problem(body: Any) -> str | None:
    """Why `body` (a parsed request) cannot have come from Slack, or None when it could have."""
    if not isinstance(body, dict):
        return "not an object"
    if "command" in body:
        return _command(body)
    if "ssl_check" in body:
        return None
    kind = body.get("type")
    if not isinstance(kind, str):
        return "no type"
    found = _fields(body, depth=0)
    if found:
        return found
    if kind == "block_actions":
        return _actor(body) or _actions(body.get("actions"))
    if kind in ("view_submission", "view_closed"):
        return _actor(body) or _view(body.get("view"))
    if kind == "event_callback":
        return _event(body)
    if kind == "url_verification" and not isinstance(body.get("challenge"), str):
        return "no challenge"
    return None


def _command(body: dict[str, Any]) -> str | None:
    command = body.get("command")
    if command not in SUBSCRIBED_COMMANDS:
        return "command"
    if not _is_id(body.get("user_id")):
        return "user_id"
    for name in ("channel_id", "team_id", "enterprise_id"):
        if name in body and body[name] != "" and not _is_id(body[name]):
            return name
    return None


def _fields(obj: dict[str, Any], *, depth: int) -> str | None:
    for name in HOLDERS:
        value = obj.get(name)
        if isinstance(value, dict):
            if "id" in value and not _is_id(value["id"]):
                return f"{name}.id"
        elif value is not None and not _is_id(value):
            return name
    for name in IDS:
        if obj.get(name) is not None and not _is_id(obj[name]):
            return name
    for name in TEXTS:
        if obj.get(name) is not None and not isinstance(obj[name], str):
            return name
    if "is_ext_shared_channel" in obj and not isinstance(obj["is_ext_shared_channel"], bool | None):
        return "is_ext_shared_channel"
    for name in ("authorizations", "response_urls"):
        items = obj.get(name)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return name
        for item in items:
            found = _fields(item, depth=depth + 1)
            if found:
                return f"{name}.{found}"
    for name in NESTED:
        inner = obj.get(name)
        if inner is None:
            continue
        if not isinstance(inner, dict) or depth > 2:
            return name
        found = _fields(inner, depth=depth + 1)
        if found:
            return f"{name}.{found}"
    return None


def _actor(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    return None if isinstance(user, dict) and _is_id(user.get("id")) else "user"


def _actions(actions: Any) -> str | None:
    if not isinstance(actions, list) or not actions:
        return "actions"
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
            return "actions"
        for name in ("block_id", "type", "action_ts"):
            if action.get(name) is not None and not isinstance(action[name], str):
                return f"actions.{name}"
    return None


def _view(view: Any) -> str | None:
    if not isinstance(view, dict) or not all(isinstance(view.get(k), str) for k in ("callback_id", "type")):
        return "view"
    state = view.get("state")
    if state is None:
        return None
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return "view.state"
    for block in values.values():
        if not isinstance(block, dict) or not all(isinstance(e, dict) for e in block.values()):
            return "view.state"
    return None


def _event(body: dict[str, Any]) -> str | None:
    event = body.get("event")
    if not isinstance(event, dict) or event.get("type") not in SUBSCRIBED_EVENTS:
        return "event"
    if not isinstance(body.get("event_id"), str) or not EVENT_ID.fullmatch(body["event_id"]):
        return "event_id"
    for name in ("tab", "subtype", "bot_id"):
        if event.get(name) is not None and not isinstance(event[name], str):
            return f"event.{name}"
    return None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and SLACK_ID.fullmatch(value) is not None
