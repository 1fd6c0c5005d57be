"""The workspace's state: users, channels, messages, views, files and recorded calls.

`WorkspaceState` owns every piece of state and the one lock guarding it, and
the lookups and Slack-shaped renderings the Web API families share. The
families and the server are mixins over it; `SlackSandbox` composes them.
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import Clock, SystemClock

from .records import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    Call,
    Ephemeral,
    Message,
    View,
    _Channel,
    _Fault,
    _Reply,
    _ResponseUrl,
    _SlackError,
    _Trigger,
)

log = logging.getLogger(__package__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: A Web API method: (arguments, now) -> the answer's fields beside "ok": true.
Method = Callable[[dict[str, Any], datetime], dict[str, Any]]
#: A non-API URL (upload, response_url): (path, body, content type) -> the reply.
Endpoint = Callable[[str, bytes, str], _Reply]


class WorkspaceState:
    """Every piece of the emulated workspace, guarded by one re-entrant lock."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        bot_token: str = "xoxb-sandbox",
        team_id: str = "T0SANDBOX",
        team_name: str = "Sandbox",
        bot_user_id: str = "UBOT",
        rate_limits: dict[str, tuple[int, float]] | None = None,
        latency: float = 0.0,
    ) -> None:
        if latency < 0:
            raise ValueError("latency cannot be negative")
        self.clock: Clock = clock or SystemClock()
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.rate_limits: dict[str, tuple[int, float]] = dict(rate_limits or {})
        # Seconds every request waits before it is answered: Slack is a round trip away, not on loopback.
        self.latency = latency
        self.domain = "".join(ch for ch in team_name.lower() if ch.isalnum()) or "sandbox"

        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._subscribers: list[Callable[[Call], None]] = []

        self._calls: list[Call] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, _Channel] = {}
        self._dms: dict[str, str] = {}
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: dict[str, View] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._windows: dict[str, deque[datetime]] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._slow: dict[str, deque[float]] = {}  # seconds late, per call to come (`slow_next`)
        self._serials: dict[str, int] = {}
        self._last_ts_us = 0

        # Filled by SlackSandbox, which knows every family.
        self._methods: dict[str, Method] = {}
        self._endpoints: dict[str, Endpoint] = {}

        self._users[bot_user_id] = self._user_record(
            id=bot_user_id, name=BOT_NAME, real_name="Convene", email=None, deleted=False, is_bot=True
        )

    @property
    def base_url(self) -> str:
        """Root of the sandbox, e.g. "http://127.0.0.1:PORT"."""
        server = self._server
        if server is None:
            raise RuntimeError("the sandbox is not started; call start() first")
        return f"http://127.0.0.1:{server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The Web API root to pass as `WebClient(base_url=...)`."""
        return f"{self.base_url}/api/"

    def _record(self, method: str, params: dict[str, Any], reply: _Reply, now: datetime) -> Call:
        response = reply.body if isinstance(reply.body, dict) else {"ok": reply.status == 200}
        call = Call(
            method=method,
            params=copy.deepcopy(params),
            status=reply.status,
            response=copy.deepcopy(response),
            at=now,
        )
        self._calls.append(call)
        return call

    def _notify(self, call: Call) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(call)
            except Exception:
                # A broken printer in the shell must not turn into a failed Slack call.
                log.exception("sandbox subscriber %r failed on %s", callback, call.method)

    def _user_record(
        self,
        *,
        id: str,
        name: str,
        real_name: str,
        email: str | None,
        deleted: bool,
        is_bot: bool,
        tz: str = "America/Los_Angeles",
    ) -> dict[str, Any]:
        offset = self.clock.now().astimezone(ZoneInfo(tz)).utcoffset()
        profile: dict[str, Any] = {
            "real_name": real_name or name,
            "real_name_normalized": real_name or name,
            "display_name": name,
            "display_name_normalized": name,
            "team": self.team_id,
        }
        if email:
            profile["email"] = email
        if is_bot and id == self.bot_user_id:
            profile["bot_id"] = BOT_ID
        return {
            "id": id,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real_name or name,
            "tz": tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(self.clock.now().timestamp()),
            "profile": profile,
        }

    def _find_channel(
        self, raw: Any, *, open_dm: bool = False, now: datetime | None = None
    ) -> _Channel | None:
        """Resolve "#name", "name", a channel id, or a user id (their DM); None when unknown."""
        key = str(raw or "").strip()
        if not key:
            return None
        if key.startswith("#"):
            return self._channel_by_name(key[1:])
        if key in self._channels:
            return self._channels[key]
        if key in self._users:
            if key in self._dms:
                return self._channels[self._dms[key]]
            if open_dm and not self._users[key]["deleted"] and not self._users[key]["is_bot"]:
                return self._open_dm(key, now or self.clock.now())
            return None
        return self._channel_by_name(key)

    def _channel_by_name(self, name: str) -> _Channel | None:
        for channel in self._channels.values():
            if not channel.is_im and channel.name == name:
                return channel
        return None

    def _channel_by_id(self, raw: Any) -> _Channel:
        # chat.update/delete/getPermalink take only ids in Slack; names fail there too.
        channel = self._channels.get(str(raw or ""))
        if channel is None or (channel.is_private and not channel.bot_is_member):
            raise _SlackError("channel_not_found")
        return channel

    def _visible_channel(self, raw: Any) -> _Channel:
        channel = self._find_channel(raw)
        if channel is None or ((channel.is_private or channel.is_mpim) and not channel.bot_is_member):
            raise _SlackError("channel_not_found")
        return channel

    def _postable_channel(self, raw: Any) -> _Channel:
        key = str(raw or "").strip()
        if key in self._users:
            self._dm_target(key)
        channel = self._find_channel(key, open_dm=True)
        if channel is None or ((channel.is_private or channel.is_mpim) and not channel.bot_is_member):
            raise _SlackError("channel_not_found")
        if channel.is_archived:
            raise _SlackError("is_archived")
        if channel.is_im:
            user = self._users.get(channel.user or "")
            if user is not None and user["deleted"]:
                raise _SlackError("user_disabled")
        elif not channel.bot_is_member:
            raise _SlackError("not_in_channel")
        return channel

    def _dm_target(self, user_id: str) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            raise _SlackError("user_not_found")
        if user["deleted"]:
            raise _SlackError("user_disabled")
        if user["is_bot"]:
            raise _SlackError("cannot_dm_bot")
        return user

    def _open_dm(self, user_id: str, now: datetime) -> _Channel:
        if user_id in self._dms:
            return self._channels[self._dms[user_id]]
        channel = _Channel(
            id=self._new_id("D"), name=user_id, created=int(now.timestamp()), is_im=True, user=user_id
        )
        self._channels[channel.id] = channel
        self._messages[channel.id] = []
        self._dms[user_id] = channel.id
        return channel

    def _open_mpim(self, users: list[str], now: datetime) -> tuple[bool, _Channel]:
        wanted = set(users)
        for channel in self._channels.values():
            if channel.is_mpim and set(channel.members) == wanted:
                return True, channel
        names = "--".join(self._users[u]["name"] for u in users)
        channel = _Channel(
            id=self._new_id("G"),
            name=f"mpdm-{names}-1",
            created=int(now.timestamp()),
            is_private=True,
            is_mpim=True,
            members=list(users),
        )
        self._channels[channel.id] = channel
        self._messages[channel.id] = []
        return False, channel

    def _member_ids(self, channel: _Channel) -> list[str]:
        if channel.is_im:
            return [channel.user or "", self.bot_user_id]
        members = list(channel.members)
        if channel.bot_is_member and self.bot_user_id not in members:
            members.append(self.bot_user_id)
        return members

    def _channel_json(self, channel: _Channel) -> dict[str, Any]:
        if channel.is_im:
            user = self._users.get(channel.user or "", {})
            return {
                "id": channel.id,
                "created": channel.created,
                "is_im": True,
                "is_org_shared": False,
                "user": channel.user,
                "is_user_deleted": bool(user.get("deleted")),
                "priority": 0,
            }
        topic = {"value": "", "creator": "", "last_set": 0}
        return {
            "id": channel.id,
            "name": channel.name,
            "name_normalized": channel.name,
            "is_channel": not channel.is_private and not channel.is_mpim,
            "is_group": channel.is_private and not channel.is_mpim,
            "is_im": False,
            "is_mpim": channel.is_mpim,
            "is_private": channel.is_private,
            "created": channel.created,
            "creator": "",
            "is_archived": channel.is_archived,
            "is_general": False,
            "unlinked": 0,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_member": channel.bot_is_member,
            "num_members": len(self._member_ids(channel)),
            "topic": dict(topic),
            "purpose": dict(topic),
        }

    def _append_message(
        self,
        channel_id: str,
        text: str,
        blocks: list[dict[str, Any]],
        attachments: list[dict[str, Any]],
        thread_ts: str | None,
        now: datetime,
        *,
        files: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        message = Message(
            channel=channel_id,
            ts=self._next_ts(now),
            user=self.bot_user_id,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            files=files or [],
            attachments=attachments,
            metadata=metadata,
        )
        self._messages.setdefault(channel_id, []).append(message)
        return message

    def _find_message(self, channel_id: str, ts: Any, *, status: int | None = None) -> tuple[int, Message]:
        for index, message in enumerate(self._messages.get(channel_id, [])):
            if message.ts == str(ts or "") and not message.deleted:
                return index, message
        if status is not None:
            raise _SlackError("message_not_found", status=status)
        raise _SlackError("message_not_found")

    def _message_json(self, message: Message, *, include_metadata: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "message",
            "user": message.user,
            "text": message.text,
            "ts": message.ts,
            "team": self.team_id,
        }
        if message.user == self.bot_user_id:
            body.update(
                bot_id=BOT_ID,
                app_id=APP_ID,
                bot_profile={"id": BOT_ID, "app_id": APP_ID, "name": BOT_NAME, "team_id": self.team_id},
            )
        if message.blocks:
            body["blocks"] = copy.deepcopy(message.blocks)
        if message.attachments:
            body["attachments"] = copy.deepcopy(message.attachments)
        if message.thread_ts:
            body["thread_ts"] = message.thread_ts
        if message.files:
            body.update(files=copy.deepcopy(message.files), upload=True)
        if message.edited:
            body["edited"] = {"user": message.user, "ts": message.edited_ts or message.ts}
        if include_metadata and message.metadata is not None:
            body["metadata"] = copy.deepcopy(message.metadata)
        return body

    def _next_ts(self, now: datetime) -> str:
        # Slack's ts doubles as the message id, so it must never repeat, even when the clock stands still.
        micros = (now - _EPOCH) // timedelta(microseconds=1)
        micros = max(micros, self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_serial(self, prefix: str) -> int:
        self._serials[prefix] = self._serials.get(prefix, 0) + 1
        return self._serials[prefix]

    def _new_id(self, prefix: str) -> str:
        taken = set(self._channels) | set(self._views) | set(self._files) | set(self._users)
        while True:
            candidate = f"{prefix}{self._next_serial(prefix):04d}"
            if candidate not in taken:
                return candidate

    def _new_hash(self, now: datetime) -> str:
        return f"{int(now.timestamp())}.{secrets.token_hex(4)}"
