"""Slack's side of the conversation, simulated: signed slash commands, button clicks and
modal submissions in the exact shapes Slack sends, delivered to the bot in-process or
over HTTP. The shell, the tests and rehearsals all act through this.
"""

from __future__ import annotations

import itertools
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.devkit.sandbox import SlackSandbox

Transport = Callable[[bytes, dict[str, str]], tuple[int, str]]


@dataclass
class Reply:
    """The bot's HTTP answer to one request."""

    status: int
    body: str

    @property
    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body) if self.body else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def text(self) -> str:
        return self.json.get("text", self.body)


def free_port() -> int:
    """A loopback port free now, for a local server to listen on (the bot under test)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers for `body`."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None  # None only when no timestamp is given
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def http_transport(url: str) -> Transport:
    """Deliver requests to a running `convene serve` at `url` (its /slack/events)."""

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    return send


def endpoint_transport(
    handle: Callable[[bytes, dict[str, str]], tuple[int, dict[str, str], str]],
) -> Transport:
    """Deliver requests in-process to an endpoint's handler (the code behind /slack/events)."""

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        status, _headers, text = handle(body, headers)
        return status, text

    return send


class SlackDriver:
    """Acts as Slack towards the bot, for users of the sandbox workspace."""

    _ids = itertools.count(1)

    def __init__(
        self,
        *,
        sandbox: SlackSandbox,
        signing_secret: str,
        transport: Transport,
        api_app_id: str = "A0CONVENE",
    ) -> None:
        self.sandbox = sandbox
        self.secret = signing_secret
        self.transport = transport
        self.api_app_id = api_app_id

    # ------------------------------------------------------------ sending

    def send_form(
        self, fields: dict[str, str], *, headers: dict[str, str] | None = None, signed: bool = True
    ) -> Reply:
        body = urlencode(fields).encode()
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        if signed:
            all_headers.update(sign(self.secret, body))
        status, text = self.transport(body, all_headers)
        return Reply(status, text)

    def send_payload(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.send_form({"payload": json.dumps(payload)}, **kwargs)

    # ------------------------------------------------------------ what people do

    def command(self, user_id: str, line: str, *, channel: str) -> Reply:
        """Type a slash command, e.g. command("U1", "/poll launch warmup", channel="#plenary")."""
        command, _, text = line.strip().partition(" ")
        channel_id = self.sandbox.channel_id(channel)
        fields = {
            "token": "sandbox-verification-token",
            "team_id": self.sandbox.team_id,
            "team_domain": "sandbox",
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text.strip(),
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.sandbox.new_response_url(channel_id=channel_id, user_id=user_id),
            "trigger_id": self.sandbox.new_trigger_id(user_id),
        }
        return self.send_form(fields)

    def click(
        self, user_id: str, *, channel: str, message_ts: str, action_id: str, value: str | None = None
    ) -> Reply:
        """Press a button on a message in the sandbox; `value` defaults to the button's own."""
        channel_id = self.sandbox.channel_id(channel)
        message = self.sandbox.message(channel_id, message_ts)
        block_id, element = find_element(message.blocks or [], action_id)
        action = {
            "action_id": action_id,
            "block_id": block_id,
            "type": element.get("type", "button") if element else "button",
            "action_ts": f"{time.time():.6f}",
        }
        if element and element.get("text"):
            action["text"] = element["text"]
        action["value"] = value if value is not None else (element or {}).get("value", "")
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": "sandbox-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "trigger_id": self.sandbox.new_trigger_id(user_id),
            "team": {"id": self.sandbox.team_id, "domain": "sandbox"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
            "message": {
                "type": "message",
                "ts": message_ts,
                "text": message.text,
                "blocks": message.blocks,
                "user": message.user,
            },
            "state": {"values": {}},
            "response_url": self.sandbox.new_response_url(
                channel_id=channel_id, user_id=user_id, message_ts=message_ts
            ),
            "actions": [action],
        }
        return self.send_payload(payload)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> Reply:
        """Deliver an Events API event (e.g. {"type": "app_home_opened", "user": "U1", "tab": "home"}).

        `retry_num` adds Slack's X-Slack-Retry-Num header, as on a redelivery.
        """
        envelope = {
            "token": "sandbox-verification-token",
            "team_id": self.sandbox.team_id,
            "api_app_id": self.api_app_id,
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.sandbox.team_id, "user_id": "UBOT", "is_bot": True}],
        }
        body = json.dumps(envelope).encode()
        headers = {"Content-Type": "application/json", **sign(self.secret, body)}
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        status, text = self.transport(body, headers)
        return Reply(status, text)

    def select(self, user_id: str, *, view_id: str, action_id: str, value: str) -> Reply:
        """Pick an option in a static select on a published Home tab."""
        view = self.sandbox.views[view_id]
        _block_id, element = find_element(view.view.get("blocks", []), action_id)
        option = next(
            (o for o in (element or {}).get("options", []) if o.get("value") == value),
            {"text": {"type": "plain_text", "text": value}, "value": value},
        )
        return self._view_action(
            user_id, view_id, action_id, {"type": "static_select", "selected_option": option}
        )

    def press(self, user_id: str, *, view_id: str, action_id: str) -> Reply:
        """Press a button on a published Home tab (or an open modal)."""
        _block_id, element = find_element(self.sandbox.views[view_id].view.get("blocks", []), action_id)
        action: dict[str, Any] = {"type": "button", "value": (element or {}).get("value", "")}
        if element and element.get("text"):
            action["text"] = element["text"]
        return self._view_action(user_id, view_id, action_id, action)

    def _view_action(self, user_id: str, view_id: str, action_id: str, action: dict[str, Any]) -> Reply:
        view = self.sandbox.views[view_id]
        block_id, _element = find_element(view.view.get("blocks", []), action_id)
        payload = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": "sandbox-verification-token",
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": self.sandbox.new_trigger_id(user_id),
            "team": {"id": self.sandbox.team_id, "domain": "sandbox"},
            "view": {
                "id": view_id,
                "type": view.kind,
                "blocks": view.view.get("blocks", []),
                "private_metadata": view.view.get("private_metadata", ""),
                "hash": view.hash,
                "state": {"values": {}},
            },
            "actions": [
                {**action, "action_id": action_id, "block_id": block_id, "action_ts": f"{time.time():.6f}"}
            ],
        }
        return self.send_payload(payload)

    def submit(self, user_id: str, view_id: str, values: dict[str, dict[str, dict[str, Any]]]) -> Reply:
        """Submit an open modal with state values ({block_id: {action_id: {...}}}).

        A plain ack closes the modal in the sandbox, as Slack would; an
        `errors` answer leaves it open.
        """
        view = self.sandbox.views[view_id]
        sent = view.view
        payload = {
            "type": "view_submission",
            "team": {"id": self.sandbox.team_id, "domain": "sandbox"},
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": "sandbox-verification-token",
            "trigger_id": self.sandbox.new_trigger_id(user_id),
            "view": {
                "id": view_id,
                "team_id": self.sandbox.team_id,
                "type": "modal",
                "blocks": sent.get("blocks", []),
                "private_metadata": sent.get("private_metadata", ""),
                "callback_id": sent.get("callback_id", ""),
                "state": {"values": values},
                "hash": view.hash,
                "title": sent.get("title"),
                "root_view_id": view.root_view_id or view_id,
                "app_id": self.api_app_id,
                "bot_id": "B0SANDBOX",
                "external_id": "",
                "clear_on_close": False,
                "notify_on_close": False,
            },
            "response_urls": [],
            "is_enterprise_install": False,
        }
        reply = self.send_payload(payload)
        if reply.status == 200 and reply.json.get("response_action") != "errors":
            self.sandbox.close_view(view_id)
        return reply

    # ------------------------------------------------------------ helpers

    def _user(self, user_id: str) -> dict[str, Any]:
        name = self._user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.sandbox.team_id}

    def _user_name(self, user_id: str) -> str:
        return self.sandbox.user_name(user_id) or user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        return self.sandbox.channel_name(channel_id) or "directmessage"


def find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, dict[str, Any] | None]:
    """The block id and element with `action_id` in a message's blocks."""
    for index, block in enumerate(blocks):
        block_id = block.get("block_id") or f"b{index}"
        candidates = list(block.get("elements") or [])
        if block.get("accessory"):
            candidates.append(block["accessory"])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block_id, element
    return "", None


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button in a message, in reading order."""
    found = []
    for block in blocks:
        for element in [
            *(block.get("elements") or []),
            *([block["accessory"]] if block.get("accessory") else []),
        ]:
            if isinstance(element, dict) and element.get("type") == "button":
                found.append(element)
    return found
