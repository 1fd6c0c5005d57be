"""A local Slack: the Web API, files upload v2 and response_url on loopback.

Tests, `convene shell` and rehearsals point a real `slack_sdk.WebClient` at
`SlackSandbox.api_url`. The sandbox answers in Slack's shapes, validates what
Slack validates (block limits, trigger and response_url lifetimes, rate limits,
message metadata) and records every request with its body, so the same bot code
runs with no chat service behind it. Tests can make the next calls to a method
fail the way Slack fails (`fail_next`), deactivate users and archive channels
mid-run. Only the standard library serves HTTP, so it starts in milliseconds.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import email
import email.policy
import json
import logging
import math
import mimetypes
import re
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from bot.core.clock import Clock, SystemClock

log = logging.getLogger(__name__)

BOT_ID = "B0SANDBOX"
APP_ID = "A0SANDBOX"
BOT_NAME = "convene"

TRIGGER_TTL = timedelta(seconds=3)
RESPONSE_URL_TTL = timedelta(minutes=30)
RESPONSE_URL_USES = 5
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_STACK = 3
MAX_TEXT = 40_000
MAX_ATTACHMENTS = 100
MAX_EVENT_TYPE = 255
HISTORY_DEFAULT_LIMIT = 100
HISTORY_MAX_LIMIT = 999

# Form fields that Slack documents as "a JSON-based array/object presented as a string".
_JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EVENT_TYPE = re.compile(r"[a-zA-Z0-9_]+")
# The error an injected failure answers with when the test names none, by HTTP status.
_FAULT_ERRORS = {429: "ratelimited", 503: "service_unavailable"}
_KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
        "call",
    }
)
_OPTION_LIMITS = {
    "static_select": 100,
    "multi_static_select": 100,
    "radio_buttons": 10,
    "checkboxes": 10,
    "overflow": 5,
}


@dataclass(frozen=True)
class Call:
    """One request the sandbox received, in arrival order.

    `method` is the Web API method ("chat.postMessage"), or "response_url" for a
    POST to a response URL, or "files.upload" for the raw bytes sent to an upload
    URL of the files upload v2 flow (its params: file_id, filename, length; the
    bytes are in `SlackSandbox.files`). A call to the retired Web API method
    files.upload is recorded under the same name and answered method_deprecated.
    `params` merges query, form and JSON body (without the token), with
    JSON-in-a-string fields already decoded. For response_url, `response` is
    {"ok": true} or {"ok": false, "error": ...} although the HTTP body is text.
    A call answered by `fail_next(..., drop_connection=True)` has status 0 and
    response {"ok": false, "error": "connection_dropped"}: nothing was sent back.
    """

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class Message:
    """A message in a channel as the workspace now shows it (a snapshot)."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    edited: bool = False
    deleted: bool = False
    files: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    edited_ts: str | None = None
    #: Message metadata as posted: {"event_type": str, "event_payload": dict}, or None.
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class Ephemeral:
    """A message only `user` saw, from chat.postEphemeral or a response_url."""

    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    at: datetime
    source: Literal["chat.postEphemeral", "response_url"]
    replace_original: bool = False


@dataclass(frozen=True)
class View:
    """A modal or App Home view, as last sent by the bot (a snapshot)."""

    id: str
    user: str
    view: dict[str, Any]
    hash: str
    root_view_id: str
    kind: Literal["modal", "home"]
    closed: bool = False
    external_id: str | None = None
    previous_view_id: str | None = None


@dataclass
class _Channel:
    id: str
    name: str
    created: int
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    user: str | None = None
    members: list[str] = field(default_factory=list)
    is_archived: bool = False
    bot_is_member: bool = True


@dataclass
class _Trigger:
    user: str
    issued: datetime
    used: bool = False


@dataclass
class _ResponseUrl:
    channel: str
    user: str
    message_ts: str | None
    issued: datetime
    uses: int = 0


class _SlackError(Exception):
    """An ok:false answer; `extra` lands beside "error" in the body."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


@dataclass
class _Reply:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the socket without answering


@dataclass
class _Fault:
    """A failure queued by `fail_next`, answered instead of the next `remaining` calls."""

    error: str | None
    status: int
    retry_after: int | None
    drop_connection: bool
    remaining: int

    def reply(self) -> _Reply:
        if self.drop_connection:
            return _Reply(0, {"ok": False, "error": "connection_dropped"}, drop=True)
        error = self.error or _FAULT_ERRORS.get(self.status, "internal_error")
        headers = {}
        if self.retry_after is not None or self.status == 429:
            headers["Retry-After"] = str(self.retry_after if self.retry_after is not None else 1)
        return _Reply(self.status, {"ok": False, "error": error}, headers)


class SlackSandbox:
    """An emulated Slack workspace serving the Web API on 127.0.0.1.

    Use as a context manager or call `start()`/`stop()`. Set the workspace up
    with `add_user`/`add_channel`, point `slack_sdk.WebClient(base_url=api_url,
    token=bot_token)` at it, then read `calls`, `messages()`, `ephemerals`,
    `views` and `files`. All state is guarded by one lock, so handlers running
    on server threads and the test thread can read and write concurrently.

    `rate_limits` maps a method to (calls, seconds), a sliding window over the
    whole workspace; "METHOD:per_channel" keeps one such window per channel.
    Both may be set for one method: a call then needs a free slot in each.
    """

    #: Slack-like limits (count, seconds); pass as `rate_limits` to rehearse throttling.
    SLACK_LIKE_LIMITS: ClassVar[dict[str, tuple[int, float]]] = {
        "chat.postMessage:per_channel": (3, 3.0),
        "chat.update": (50, 60.0),
        "conversations.open": (50, 60.0),
        "chat.postEphemeral": (100, 60.0),
        "conversations.history": (50, 60.0),
        "views.open": (100, 60.0),
        "views.push": (100, 60.0),
        "views.update": (100, 60.0),
        "views.publish": (100, 60.0),
        "users.info": (100, 60.0),
        "files.getUploadURLExternal": (100, 60.0),
        "files.completeUploadExternal": (100, 60.0),
    }

    BENCH_LIMITS: ClassVar[dict[str, tuple[int, float]]] = {
        "chat.postMessage": (50, 1.0),
        "chat.postMessage:per_channel": (1, 1.0),
        "chat.update": (50, 60.0),
        "conversations.open": (50, 60.0),
        "chat.postEphemeral": (100, 60.0),
    }
    """The figures the benchmark treats as Slack's rate limits, as (calls, seconds) windows.

    chat.postMessage: 50 a second across the workspace and 1 a second per
    channel; chat.update and conversations.open: 50 a minute (Tier 3);
    chat.postEphemeral: 100 a minute (Tier 4). Pass as `rate_limits`.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        bot_token: str = "xoxb-sandbox",
        team_id: str = "T0SANDBOX",
        team_name: str = "Sandbox",
        bot_user_id: str = "UBOT",
        rate_limits: dict[str, tuple[int, float]] | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.rate_limits: dict[str, tuple[int, float]] = dict(rate_limits or {})
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
        self._serials: dict[str, int] = {}
        self._last_ts_us = 0

        self._methods: dict[str, Callable[[dict[str, Any], datetime], dict[str, Any]]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.list": self._conversations_list,
            "conversations.members": self._conversations_members,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.list": self._users_list,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.info": self._files_info,
            "files.upload": self._files_upload_v1,
        }
        self._users[bot_user_id] = self._user_record(
            id=bot_user_id, name=BOT_NAME, real_name="Convene", email=None, deleted=False, is_bot=True
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SlackSandbox:
        """Bind a free port on 127.0.0.1 and serve on a daemon thread; idempotent."""
        with self._lock:
            if self._server is not None:
                return self
            server = _Server(("127.0.0.1", 0), _Handler)
            server.sandbox = self
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-sandbox", daemon=True
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

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

    # ------------------------------------------------------------------ workspace setup

    def add_user(
        self,
        *,
        id: str,
        name: str,
        real_name: str = "",
        email: str | None = None,
        deleted: bool = False,
        is_bot: bool = False,
        tz: str = "America/Los_Angeles",
    ) -> dict[str, Any]:
        """Add (or replace) a workspace member; returns it as users.info shows it."""
        with self._lock:
            record = self._user_record(
                id=id, name=name, real_name=real_name, email=email, deleted=deleted, is_bot=is_bot, tz=tz
            )
            self._users[id] = record
            return copy.deepcopy(record)

    def add_channel(
        self,
        *,
        name: str,
        id: str | None = None,
        is_private: bool = False,
        members: list[str] | None = None,
        is_archived: bool = False,
        bot_is_member: bool = True,
    ) -> dict[str, Any]:
        """Add a channel (ids like "C0001" when none given); returns it as conversations.info shows it."""
        name = name.lstrip("#")
        with self._lock:
            if any(ch.name == name and not ch.is_im for ch in self._channels.values()):
                raise ValueError(f"a channel named #{name} already exists")
            channel_id = id or self._new_id("C")
            if channel_id in self._channels:
                raise ValueError(f"channel id {channel_id} is already taken")
            channel = _Channel(
                id=channel_id,
                name=name,
                created=int(self.clock.now().timestamp()),
                is_private=is_private,
                members=list(members or []),
                is_archived=is_archived,
                bot_is_member=bot_is_member,
            )
            self._channels[channel_id] = channel
            self._messages[channel_id] = []
            return self._channel_json(channel)

    def deactivate_user(self, user_id: str) -> None:
        """Deactivate a member, as an admin would mid-run; KeyError for an unknown id.

        Posting to their DM (by user id or D id) and conversations.open with them
        then answer user_disabled. Deactivating the bot user itself makes every
        authenticated call answer account_inactive, Slack's error for a token
        whose own account is gone.
        """
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                raise KeyError(f"no user {user_id!r} in the sandbox")
            user["deleted"] = True
            user["updated"] = int(self.clock.now().timestamp())

    def archive_channel(self, name_or_id: str) -> dict[str, Any]:
        """Archive a channel ("#name", name or id) mid-run; posting to it then answers is_archived.

        KeyError for an unknown channel; ValueError for a one-to-one DM, which Slack cannot archive.
        """
        with self._lock:
            channel = self._find_channel(name_or_id)
            if channel is None:
                raise KeyError(f"no channel {name_or_id!r} in the sandbox")
            if channel.is_im:
                raise ValueError("a one-to-one DM cannot be archived")
            channel.is_archived = True
            return self._channel_json(channel)

    @property
    def users(self) -> dict[str, dict[str, Any]]:
        """Workspace members by id, as users.info shows them (a copy; includes the bot user)."""
        with self._lock:
            return copy.deepcopy(self._users)

    @property
    def channels(self) -> dict[str, dict[str, Any]]:
        """Named conversations (public, private, group DMs) by id, as conversations.info shows them.

        One-to-one DMs have no name in Slack and are left out; see `dms`.
        """
        with self._lock:
            return {cid: self._channel_json(ch) for cid, ch in self._channels.items() if not ch.is_im}

    @property
    def dms(self) -> dict[str, str]:
        """Open one-to-one DMs: user id -> D channel id."""
        with self._lock:
            return dict(self._dms)

    def channel_id(self, name_or_id: str) -> str:
        """Resolve "#name", "name", a channel id, or a user id with an open DM; KeyError otherwise."""
        with self._lock:
            channel = self._find_channel(name_or_id)
            if channel is None:
                raise KeyError(f"no channel {name_or_id!r} in the sandbox")
            return channel.id

    # ------------------------------------------------------------------ interactivity helpers

    def new_trigger_id(self, user_id: str) -> str:
        """A trigger_id for `user_id`, valid for 3 s of clock time and one views.open/views.push."""
        with self._lock:
            now = self.clock.now()
            serial = self._next_serial("trigger")
            trigger_id = f"{serial}.{int(now.timestamp())}.{secrets.token_hex(10)}"
            self._triggers[trigger_id] = _Trigger(user=user_id, issued=now)
            return trigger_id

    def new_response_url(self, *, channel_id: str, user_id: str, message_ts: str | None = None) -> str:
        """A response_url for an interaction in `channel_id`: 5 uses within 30 minutes of clock time.

        `message_ts` is the message the interaction came from; replace_original
        and delete_original act on it.
        """
        with self._lock:
            channel = self._find_channel(channel_id)
            serial = self._next_serial("response_url")
            path = f"/actions/{self.team_id}/{serial}/{secrets.token_urlsafe(12)}"
            self._response_urls[path] = _ResponseUrl(
                channel=channel.id if channel else channel_id,
                user=user_id,
                message_ts=message_ts,
                issued=self.clock.now(),
            )
        return self.base_url + path

    # ------------------------------------------------------------------ fault injection and limits

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        times: int = 1,
        retry_after: int | None = None,
        drop_connection: bool = False,
    ) -> None:
        """Answer the next `times` calls to Web API `method` with a failure instead of doing the work.

        - `error="channel_not_found"`: HTTP 200 {"ok": false, "error": "channel_not_found"};
        - `status=500` (or any non-200): that status with {"ok": false, "error": ...}, the
          error defaulting to "ratelimited" for 429, "service_unavailable" for 503 and
          "internal_error" otherwise;
        - `status=429, retry_after=2`: also a Retry-After header (429 without it sends 1);
        - `drop_connection=True`: the server reads the request and closes the socket
          without a word, so the client sees a connection error.

        Injected failures come before authentication and rate limiting and use no
        rate-limit slot; they are recorded like any call. Several `fail_next` calls
        for one method queue up in order.
        """
        if method not in self._methods:
            raise ValueError(f"{method!r} is not a Web API method the sandbox serves")
        if times < 1:
            raise ValueError("times must be at least 1")
        if drop_connection:
            if error is not None or status != 200 or retry_after is not None:
                raise ValueError("drop_connection answers nothing; leave error, status and retry_after unset")
        elif status == 200 and error is None:
            raise ValueError("give an error, a non-200 status or drop_connection=True")
        elif status == 200 and retry_after is not None:
            raise ValueError("retry_after needs a non-200 status, such as 429")
        if not drop_connection and not 200 <= status <= 599:
            raise ValueError(f"status {status} is not an HTTP status the sandbox can answer")
        fault = _Fault(
            error=error,
            status=status,
            retry_after=retry_after,
            drop_connection=drop_connection,
            remaining=times,
        )
        with self._lock:
            self._faults.setdefault(method, deque()).append(fault)

    def clear_faults(self) -> None:
        """Drop every failure queued by `fail_next` that has not fired yet."""
        with self._lock:
            self._faults.clear()

    def limit_floor(self, method: str, calls: int, channels: int = 1) -> float:
        """Fewest seconds `calls` calls to `method`, spread evenly over `channels`, need under `rate_limits`.

        A sliding window of (n, w) lets the first n calls through at once and n
        more every w seconds, so c calls need (ceil(c / n) - 1) * w. The
        workspace-wide window counts all calls, the per-channel one the busiest
        channel's share (ceil(calls / channels)); the floor is the larger.
        Network and handling time come on top.
        """
        if calls < 0:
            raise ValueError("calls cannot be negative")
        if channels < 1:
            raise ValueError("channels must be at least 1")
        with self._lock:
            wide = self.rate_limits.get(method)
            per_channel = self.rate_limits.get(f"{method}:per_channel")
        floor = 0.0
        if wide is not None:
            floor = max(floor, _window_floor(calls, *wide))
        if per_channel is not None:
            floor = max(floor, _window_floor(-(-calls // channels), *per_channel))
        return floor

    # ------------------------------------------------------------------ recorded traffic

    @property
    def calls(self) -> list[Call]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls to one method, in order."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget recorded calls (workspace state and rate-limit windows stay)."""
        with self._lock:
            self._calls.clear()

    def subscribe(self, callback: Callable[[Call], None]) -> None:
        """Call `callback(call)` after each recorded call, on the server thread, outside the lock."""
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Call], None]) -> None:
        """Stop calling a subscribed callback."""
        with self._lock:
            self._subscribers.remove(callback)

    # ------------------------------------------------------------------ workspace state

    def messages(self, channel: str) -> list[Message]:
        """Messages of a channel ("#name", name, id, or a user id for their DM) in post order.

        Deleted messages stay in the list with `deleted=True`; thread replies are included.
        """
        with self._lock:
            found = self._find_channel(channel)
            if found is None:
                if channel in self._users:
                    return []
                raise KeyError(f"no channel {channel!r} in the sandbox")
            return list(self._messages.get(found.id, []))

    def message(self, channel: str, ts: str) -> Message:
        """One message by channel and ts; KeyError when there is none."""
        for message in self.messages(channel):
            if message.ts == ts:
                return message
        raise KeyError(f"no message {ts} in {channel}")

    @property
    def ephemerals(self) -> list[Ephemeral]:
        """Ephemeral messages in the order they were shown (a copy)."""
        with self._lock:
            return list(self._ephemerals)

    @property
    def views(self) -> dict[str, View]:
        """Every view ever opened or published, by view id (a copy)."""
        with self._lock:
            return dict(self._views)

    def open_views(self, user_id: str) -> list[View]:
        """Modals currently open for a user, root first, top of the stack last."""
        with self._lock:
            return [self._views[v] for v in self._stacks.get(user_id, []) if not self._views[v].closed]

    def close_view(self, view_id: str) -> None:
        """Close a modal and any view pushed above it, as Slack does after a closing submission."""
        with self._lock:
            view = self._views.get(view_id)
            if view is None:
                raise KeyError(f"no view {view_id}")
            stack = self._stacks.get(view.user, [])
            if view_id in stack:
                position = stack.index(view_id)
                for above in stack[position:]:
                    self._views[above] = replace(self._views[above], closed=True)
                del stack[position:]
            else:
                self._views[view_id] = replace(view, closed=True)

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """Uploaded files by id: name, title, length, alt_txt, channel, content (bytes), ..."""
        with self._lock:
            return copy.deepcopy(self._files)

    # ------------------------------------------------------------------ HTTP entry points

    def _handle_http(self, handler: BaseHTTPRequestHandler) -> _Reply:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type", "")
        if url.path.startswith("/api/"):
            params = _parse_params(url.query, raw, content_type)
            return self._handle_api(url.path[len("/api/") :], params, handler.headers.get("Authorization"))
        if url.path.startswith("/upload/"):
            return self._handle_upload(url.path.rsplit("/", 1)[-1], raw, content_type)
        if url.path.startswith("/actions/"):
            return self._handle_response_url(url.path, raw)
        return _Reply(404, {"ok": False, "error": "unknown_method"})

    def _handle_api(self, method: str, params: dict[str, Any], authorization: str | None) -> _Reply:
        with self._lock:
            now = self.clock.now()
            token = params.pop("token", None)
            if authorization and authorization.startswith("Bearer "):
                token = authorization[len("Bearer ") :].strip()
            reply = self._answer_api(method, params, token, now)
            call = self._record(method, params, reply, now)
        self._notify(call)
        return reply

    def _answer_api(self, method: str, params: dict[str, Any], token: str | None, now: datetime) -> _Reply:
        faults = self._faults.get(method)
        if faults:
            fault = faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.popleft()
            return fault.reply()
        handler = self._methods.get(method)
        if handler is None:
            return _Reply(404, {"ok": False, "error": "unknown_method"})
        # api.test is the one method Slack answers without a token.
        if method != "api.test":
            if not token:
                return _Reply(200, {"ok": False, "error": "not_authed"})
            if token != self.bot_token:
                return _Reply(200, {"ok": False, "error": "invalid_auth"})
            if self._users[self.bot_user_id]["deleted"]:
                return _Reply(200, {"ok": False, "error": "account_inactive"})
        retry_after = self._take_rate_slot(method, params, now)
        if retry_after is not None:
            return _Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        try:
            return _Reply(200, {"ok": True, **handler(params, now)})
        except _SlackError as err:
            return _Reply(200, err.body())
        except Exception:
            # A sandbox bug is recorded like any answer so the failing call stays visible.
            log.exception("sandbox failed on %s", method)
            return _Reply(500, {"ok": False, "error": "fatal_error"})

    def _handle_upload(self, file_id: str, raw: bytes, content_type: str) -> _Reply:
        if content_type.startswith("multipart/form-data"):
            parts = _parse_multipart(raw, content_type)
            raw = next((value for value in parts.values() if isinstance(value, bytes)), b"")
        with self._lock:
            now = self.clock.now()
            record = self._files.get(file_id)
            params = {"file_id": file_id, "length": len(raw)}
            if record is None:
                reply = _Reply(404, {"ok": False, "error": "file_not_found"})
            else:
                params["filename"] = record["name"]
                record["content"] = raw
                record["uploaded"] = True
                reply = _Reply(200, {"ok": True})
            call = self._record("files.upload", params, reply, now)
        self._notify(call)
        if reply.status == 200:
            return _Reply(200, f"OK - {len(raw)}")
        return _Reply(reply.status, "file_not_found")

    def _handle_response_url(self, path: str, raw: bytes) -> _Reply:
        try:
            body = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        params = body if isinstance(body, dict) else {"_raw": raw.decode("utf-8", "replace")}
        params = _decode_json_fields(params)
        with self._lock:
            now = self.clock.now()
            try:
                self._use_response_url(path, params if isinstance(body, dict) else None, now)
                reply = _Reply(200, {"ok": True})
            except _SlackError as err:
                status = int(err.extra.pop("status", 400))
                reply = _Reply(status, err.body())
            call = self._record("response_url", params, reply, now)
        self._notify(call)
        text = "ok" if reply.status == 200 else str(reply.body["error"])  # type: ignore[index]
        return _Reply(reply.status, text)

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

    def _take_rate_slot(self, method: str, params: dict[str, Any], now: datetime) -> int | None:
        """Seconds to wait when `method` is over a configured limit, else None (and count the call)."""
        windows: list[tuple[str, tuple[int, float]]] = []
        if method in self.rate_limits:
            windows.append((method, self.rate_limits[method]))
        per_channel = self.rate_limits.get(f"{method}:per_channel")
        if per_channel is not None:
            windows.append((f"{method}:per_channel:{self._rate_key(params)}", per_channel))
        wait = 0.0
        for key, (count, seconds) in windows:
            window = self._windows.setdefault(key, deque())
            cutoff = now - timedelta(seconds=seconds)
            while window and window[0] <= cutoff:
                window.popleft()
            if len(window) >= count:
                wait = max(wait, (window[0] + timedelta(seconds=seconds) - now).total_seconds())
        if wait > 0:
            return max(1, math.ceil(wait))
        for key, _ in windows:
            self._windows[key].append(now)
        return None

    def _rate_key(self, params: dict[str, Any]) -> str:
        # "#general", "general" and "C0001" share one window; so do "U1" and U1's DM id.
        raw = str(params.get("channel") or params.get("channel_id") or "").strip()
        if raw in self._users:
            return f"im:{raw}"
        found = self._find_channel(raw) if raw else None
        if found is None:
            return raw
        return f"im:{found.user}" if found.is_im else found.id

    # ------------------------------------------------------------------ api, auth

    def _api_test(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        if p.get("error"):
            raise _SlackError(str(p["error"]), args=p)
        return {"args": p}

    def _auth_test(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        return {
            "url": f"https://{self.domain}.slack.com/",
            "team": self.team_name,
            "user": BOT_NAME,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    # ------------------------------------------------------------------ chat

    def _chat_post_message(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        channel = self._postable_channel(p.get("channel"))
        text, blocks, attachments = _message_content(p)
        metadata = _message_metadata(p.get("metadata"))
        thread_ts = _str_or_none(p.get("thread_ts"))
        message = self._append_message(
            channel.id, text, blocks, attachments, thread_ts, now, metadata=metadata
        )
        return {"channel": channel.id, "ts": message.ts, "message": self._message_json(message)}

    def _chat_update(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        channel = self._channel_by_id(p.get("channel"))
        index, message = self._find_message(channel.id, p.get("ts"))
        if message.user != self.bot_user_id:
            raise _SlackError("cant_update_message")
        if channel.is_archived:
            raise _SlackError("is_archived")
        if not any(p.get(k) not in (None, "") for k in ("text", "blocks", "attachments")):
            raise _SlackError("no_text")
        text, blocks, attachments = _message_content(p, require_content=False)
        # Metadata rides along with new content and replaces the old; alone it is no update (no_text above).
        metadata = _message_metadata(p.get("metadata"))
        updated = replace(
            message,
            text=text if "text" in p else message.text,
            blocks=blocks if "blocks" in p else message.blocks,
            attachments=attachments if "attachments" in p else message.attachments,
            metadata=metadata if metadata is not None else message.metadata,
            edited=True,
            edited_ts=self._next_ts(now),
        )
        self._messages[channel.id][index] = updated
        return {
            "channel": channel.id,
            "ts": updated.ts,
            "text": updated.text,
            "message": self._message_json(updated),
        }

    def _chat_delete(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        channel = self._channel_by_id(p.get("channel"))
        index, message = self._find_message(channel.id, p.get("ts"))
        if message.user != self.bot_user_id:
            raise _SlackError("cant_delete_message")
        self._messages[channel.id][index] = replace(message, deleted=True)
        return {"channel": channel.id, "ts": message.ts}

    def _chat_post_ephemeral(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        channel = self._postable_channel(p.get("channel"))
        user_id = str(p.get("user") or "")
        if user_id not in self._users:
            raise _SlackError("user_not_found")
        text, blocks, _attachments = _message_content(p)
        self._ephemerals.append(
            Ephemeral(
                channel=channel.id,
                user=user_id,
                text=text,
                blocks=blocks,
                at=now,
                source="chat.postEphemeral",
            )
        )
        return {"message_ts": self._next_ts(now)}

    def _chat_get_permalink(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        channel = self._channel_by_id(p.get("channel"))
        _index, message = self._find_message(channel.id, p.get("message_ts"))
        link = f"https://{self.domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
        if message.thread_ts and message.thread_ts != message.ts:
            link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    # ------------------------------------------------------------------ conversations

    def _conversations_open(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        if p.get("channel"):
            channel = self._channels.get(str(p["channel"]))
            if channel is None:
                raise _SlackError("channel_not_found")
            if not (channel.is_im or channel.is_mpim):
                raise _SlackError("method_not_supported_for_channel_type")
            return {"no_op": True, "already_open": True, "channel": self._channel_json(channel)}
        users = [u.strip() for u in str(p.get("users") or "").split(",") if u.strip()]
        if not users:
            raise _SlackError("users_list_not_supplied")
        if len(users) > 8:
            raise _SlackError("too_many_users")
        for user_id in users:
            self._dm_target(user_id)
        if len(users) == 1:
            existed = users[0] in self._dms
            channel = self._open_dm(users[0], now)
        else:
            existed, channel = self._open_mpim(users, now)
        body: dict[str, Any] = {
            "channel": self._channel_json(channel) if _flag(p.get("return_im")) else {"id": channel.id}
        }
        if existed:
            body.update(no_op=True, already_open=True)
        return body

    def _conversations_info(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        channel = self._visible_channel(p.get("channel"))
        return {"channel": self._channel_json(channel)}

    def _conversations_join(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        channel = self._visible_channel(p.get("channel"))
        if channel.is_im or channel.is_mpim or channel.is_private:
            raise _SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise _SlackError("is_archived")
        if channel.bot_is_member:
            return {
                "channel": self._channel_json(channel),
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        channel.bot_is_member = True
        return {"channel": self._channel_json(channel)}

    def _conversations_list(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        types = {t.strip() for t in str(p.get("types") or "public_channel").split(",") if t.strip()}
        unknown = types - {"public_channel", "private_channel", "mpim", "im"}
        if unknown:
            raise _SlackError("invalid_types")
        exclude_archived = _flag(p.get("exclude_archived"))
        selected = []
        for channel in self._channels.values():
            if channel.is_im:
                kind = "im"
            elif channel.is_mpim:
                kind = "mpim"
            elif channel.is_private:
                kind = "private_channel"
            else:
                kind = "public_channel"
            if kind not in types or (exclude_archived and channel.is_archived):
                continue
            if kind in ("private_channel", "mpim") and not channel.bot_is_member:
                continue
            selected.append(self._channel_json(channel))
        page, cursor = _paginate(selected, p, default_limit=100)
        return {"channels": page, "response_metadata": {"next_cursor": cursor}}

    def _conversations_members(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        channel = self._visible_channel(p.get("channel"))
        page, cursor = _paginate(self._member_ids(channel), p, default_limit=100)
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _conversations_history(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        # Slack takes only a conversation id here: a name or a user id is channel_not_found.
        channel = self._channels.get(str(p.get("channel") or "").strip())
        if channel is None or ((channel.is_private or channel.is_mpim) and not channel.bot_is_member):
            raise _SlackError("channel_not_found")
        if not channel.is_im and not channel.bot_is_member:
            raise _SlackError("not_in_channel")
        try:
            limit = int(p.get("limit") or HISTORY_DEFAULT_LIMIT)
        except (TypeError, ValueError):
            limit = HISTORY_DEFAULT_LIMIT
        limit = min(limit, HISTORY_MAX_LIMIT) if limit > 0 else HISTORY_DEFAULT_LIMIT
        inclusive = _flag(p.get("inclusive"))
        oldest = _ts_micros(p.get("oldest"), "invalid_ts_oldest")
        latest = _ts_micros(p.get("latest"), "invalid_ts_latest")
        cursor = _str_or_none(p.get("cursor"))
        start: int | None = None
        if cursor:
            try:
                kind, _, ts = base64.b64decode(cursor, validate=True).decode().partition(":")
                if kind != "next_ts" or not ts:
                    raise ValueError(cursor)
            except (ValueError, binascii.Error, UnicodeDecodeError) as err:
                raise _SlackError("invalid_cursor") from err
            start = _ts_micros(ts, "invalid_cursor")

        everything = self._messages.get(channel.id, [])
        replies: dict[str, list[Message]] = {}
        for message in everything:
            if message.thread_ts and message.thread_ts != message.ts and not message.deleted:
                replies.setdefault(message.thread_ts, []).append(message)
        selected: list[tuple[int, Message]] = []
        for message in everything:
            if message.deleted or (message.thread_ts and message.thread_ts != message.ts):
                continue
            at = _ts_micros(message.ts, "invalid_ts") or 0
            if oldest is not None and (at < oldest or (at == oldest and not inclusive)):
                continue
            if latest is not None and (at > latest or (at == latest and not inclusive)):
                continue
            if start is not None and at > start:
                continue
            selected.append((at, message))
        selected.sort(key=lambda pair: pair[0], reverse=True)
        page = [message for _, message in selected[:limit]]
        has_more = len(selected) > limit
        next_cursor = (
            base64.b64encode(f"next_ts:{selected[limit][1].ts}".encode()).decode() if has_more else ""
        )
        include_metadata = _flag(p.get("include_all_metadata"))
        shown = []
        for message in page:
            body = self._message_json(message, include_metadata=include_metadata)
            thread = replies.get(message.ts)
            if thread:
                body.update(
                    thread_ts=message.ts,
                    reply_count=len(thread),
                    reply_users=sorted({r.user for r in thread}),
                    latest_reply=thread[-1].ts,
                )
            shown.append(body)
        return {
            "messages": shown,
            "has_more": has_more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    # ------------------------------------------------------------------ users

    def _users_info(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        user = self._users.get(str(p.get("user") or ""))
        if user is None:
            raise _SlackError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _users_lookup_by_email(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        wanted = str(p.get("email") or "").strip().lower()
        for user in self._users.values():
            email_address = user["profile"].get("email")
            if wanted and email_address and email_address.lower() == wanted:
                return {"user": copy.deepcopy(user)}
        raise _SlackError("users_not_found")

    def _users_list(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        # Slack's users.list returns everyone when no limit is given.
        members = [copy.deepcopy(u) for u in self._users.values()]
        page, cursor = _paginate(members, p, default_limit=0)
        return {
            "members": page,
            "cache_ts": int(now.timestamp()),
            "response_metadata": {"next_cursor": cursor},
        }

    # ------------------------------------------------------------------ views

    def _views_open(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        trigger = self._check_trigger(p, now)
        view = self._checked_view(p.get("view"), "modal")
        external_id = self._checked_external_id(view)
        trigger.used = True
        for view_id in self._stacks.get(trigger.user, []):
            self._views[view_id] = replace(self._views[view_id], closed=True)
        view_id = self._new_id("V")
        record = View(
            id=view_id,
            user=trigger.user,
            view=view,
            hash=self._new_hash(now),
            root_view_id=view_id,
            kind="modal",
            external_id=external_id,
        )
        self._views[view_id] = record
        self._stacks[trigger.user] = [view_id]
        return {"view": self._view_json(record)}

    def _views_push(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        trigger = self._check_trigger(p, now)
        view = self._checked_view(p.get("view"), "modal")
        external_id = self._checked_external_id(view)
        stack = self._stacks.get(trigger.user, [])
        if not stack:
            raise _SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] no open view to push onto"]}
            )
        if len(stack) >= MAX_VIEW_STACK:
            raise _SlackError("push_limit_reached")
        trigger.used = True
        view_id = self._new_id("V")
        record = View(
            id=view_id,
            user=trigger.user,
            view=view,
            hash=self._new_hash(now),
            root_view_id=stack[0],
            kind="modal",
            external_id=external_id,
            previous_view_id=stack[-1],
        )
        self._views[view_id] = record
        stack.append(view_id)
        return {"view": self._view_json(record)}

    def _views_update(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        view_id, external_id = _str_or_none(p.get("view_id")), _str_or_none(p.get("external_id"))
        if not view_id and not external_id:
            raise _SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view_id or external_id is required"]},
            )
        current = self._views.get(view_id) if view_id else self._view_by_external_id(external_id)
        if current is None or current.closed:
            raise _SlackError("not_found")
        view = self._checked_view(p.get("view"), current.kind)
        new_external_id = self._checked_external_id(view, ignore=current.id) or current.external_id
        expected = _str_or_none(p.get("hash"))
        if expected and expected != current.hash:
            raise _SlackError("hash_conflict")
        updated = replace(current, view=view, hash=self._new_hash(now), external_id=new_external_id)
        self._views[current.id] = updated
        return {"view": self._view_json(updated)}

    def _views_publish(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        user_id = str(p.get("user_id") or "")
        if user_id not in self._users:
            raise _SlackError("user_not_found")
        view = self._checked_view(p.get("view"), "home")
        current = self._views.get(self._homes.get(user_id, ""))
        expected = _str_or_none(p.get("hash"))
        if expected and current is not None and expected != current.hash:
            raise _SlackError("hash_conflict")
        view_id = current.id if current else self._new_id("V")
        record = View(
            id=view_id,
            user=user_id,
            view=view,
            hash=self._new_hash(now),
            root_view_id=view_id,
            kind="home",
            external_id=_str_or_none(view.get("external_id")),
        )
        self._views[view_id] = record
        self._homes[user_id] = view_id
        return {"view": self._view_json(record)}

    def _check_trigger(self, p: dict[str, Any], now: datetime) -> _Trigger:
        trigger_id = _str_or_none(p.get("trigger_id")) or _str_or_none(p.get("interactivity_pointer"))
        if not trigger_id:
            raise _SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: trigger_id"]},
            )
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise _SlackError("invalid_trigger_id")
        if trigger.used:
            raise _SlackError("exchanged_trigger_id")
        if now - trigger.issued > TRIGGER_TTL:
            raise _SlackError("expired_trigger_id")
        return trigger

    def _checked_view(self, view: Any, kind: str) -> dict[str, Any]:
        problems = _view_problems(view, kind)
        if problems:
            raise _SlackError("invalid_arguments", response_metadata={"messages": problems})
        return copy.deepcopy(view)

    def _checked_external_id(self, view: dict[str, Any], ignore: str | None = None) -> str | None:
        external_id = _str_or_none(view.get("external_id"))
        if external_id:
            clash = self._view_by_external_id(external_id)
            if clash is not None and clash.id != ignore:
                raise _SlackError("duplicate_external_id")
        return external_id

    def _view_by_external_id(self, external_id: str | None) -> View | None:
        for view in self._views.values():
            if external_id and view.external_id == external_id and not view.closed:
                return view
        return None

    def _view_json(self, view: View) -> dict[str, Any]:
        sent = copy.deepcopy(view.view)
        return {
            "id": view.id,
            "team_id": self.team_id,
            "type": view.kind,
            "blocks": sent.get("blocks", []),
            "private_metadata": sent.get("private_metadata", ""),
            "callback_id": sent.get("callback_id", ""),
            "state": {"values": {}},
            "hash": view.hash,
            "title": sent.get("title"),
            "close": sent.get("close"),
            "submit": sent.get("submit"),
            "clear_on_close": bool(sent.get("clear_on_close", False)),
            "notify_on_close": bool(sent.get("notify_on_close", False)),
            "external_id": view.external_id or "",
            "previous_view_id": view.previous_view_id,
            "root_view_id": view.root_view_id,
            "app_id": APP_ID,
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }

    # ------------------------------------------------------------------ files (upload v2)

    def _files_get_upload_url(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        filename = _str_or_none(p.get("filename"))
        try:
            length = int(p.get("length"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            length = -1
        if not filename or length < 0:
            raise _SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] filename and length are required"]},
            )
        file_id = self._new_id("F")
        self._files[file_id] = {
            "id": file_id,
            "name": filename,
            "title": filename,
            "length": length,
            "alt_txt": _str_or_none(p.get("alt_txt")),
            "snippet_type": _str_or_none(p.get("snippet_type")),
            "channel": None,
            "channels": [],
            "content": None,
            "uploaded": False,
            "completed": False,
            "initial_comment": None,
            "thread_ts": None,
            "created": now,
        }
        return {"upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        entries = p.get("files")
        if not isinstance(entries, list) or not entries:
            raise _SlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] files must be an array"]}
            )
        records = []
        for entry in entries:
            record = self._files.get(str(entry.get("id") if isinstance(entry, dict) else ""))
            if record is None or not record["uploaded"]:
                raise _SlackError("file_not_found")
            records.append((record, entry))
        targets = [str(p["channel_id"])] if p.get("channel_id") else []
        targets += [c.strip() for c in str(p.get("channels") or "").split(",") if c.strip()]
        channels = []
        for target in targets:
            channel = self._find_channel(target, open_dm=True, now=now)
            if channel is None or (channel.is_private and not channel.bot_is_member):
                raise _SlackError("invalid_channel")
            if channel.is_archived:
                raise _SlackError("is_archived")
            if not channel.bot_is_member and not channel.is_im:
                raise _SlackError("not_in_channel")
            channels.append(channel)
        comment = str(p.get("initial_comment") or "")
        thread_ts = _str_or_none(p.get("thread_ts"))
        for record, entry in records:
            record.update(
                title=str(entry.get("title") or record["name"]),
                channel=channels[0].id if channels else None,
                channels=[c.id for c in channels],
                completed=True,
                initial_comment=comment or None,
                thread_ts=thread_ts,
            )
        shared = [self._file_json(record) for record, _ in records]
        for channel in channels:
            self._append_message(channel.id, comment, [], [], thread_ts, now, files=copy.deepcopy(shared))
        return {"files": shared}

    def _files_info(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        record = self._files.get(str(p.get("file") or ""))
        if record is None or not record["completed"]:
            raise _SlackError("file_not_found")
        return {"file": self._file_json(record)}

    def _files_upload_v1(self, p: dict[str, Any], now: datetime) -> dict[str, Any]:
        # Slack retired files.upload; answering as Slack does catches stray uses early.
        raise _SlackError("method_deprecated")

    def _file_json(self, record: dict[str, Any]) -> dict[str, Any]:
        name = record["name"]
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        return {
            "id": record["id"],
            "created": int(record["created"].timestamp()),
            "timestamp": int(record["created"].timestamp()),
            "name": name,
            "title": record["title"],
            "mimetype": _mimetype(name),
            "filetype": extension,
            "user": self.bot_user_id,
            "size": len(record["content"] or b""),
            "mode": "hosted",
            "is_external": False,
            "is_public": bool(record["channels"]),
            "alt_txt": record["alt_txt"],
            "url_private": f"{self.base_url}/files/{record['id']}/{name}",
            "permalink": f"https://{self.domain}.slack.com/files/{self.bot_user_id}/{record['id']}/{name}",
            "channels": list(record["channels"]),
        }

    # ------------------------------------------------------------------ response_url

    def _use_response_url(self, path: str, body: dict[str, Any] | None, now: datetime) -> None:
        target = self._response_urls.get(path)
        if target is None:
            raise _SlackError("invalid_url", status=404)
        if now - target.issued > RESPONSE_URL_TTL:
            raise _SlackError("expired_url", status=404)
        if target.uses >= RESPONSE_URL_USES:
            raise _SlackError("used_url", status=404)
        target.uses += 1
        if body is None:
            raise _SlackError("invalid_payload", status=400)
        has_content = any(body.get(k) for k in ("text", "blocks", "attachments"))
        if _flag(body.get("delete_original")):
            if target.message_ts:
                index, message = self._find_message(target.channel, target.message_ts, status=404)
                self._messages[target.channel][index] = replace(message, deleted=True)
            if not has_content:
                return
        text, blocks, attachments = _message_content(body, status=400)
        replacing = _flag(body.get("replace_original"))
        if replacing and target.message_ts:
            index, message = self._find_message(target.channel, target.message_ts, status=404)
            self._messages[target.channel][index] = replace(
                message, text=text, blocks=blocks, attachments=attachments
            )
            return
        if not replacing and body.get("response_type") == "in_channel":
            if target.channel not in self._channels:
                raise _SlackError("channel_not_found", status=404)
            thread_ts = _str_or_none(body.get("thread_ts"))
            self._append_message(target.channel, text, blocks, attachments, thread_ts, now)
            return
        # Ephemeral: a new one, or the replacement of an ephemeral original (a slash
        # command's answer, say), which has no ts here to find it by.
        self._ephemerals.append(
            Ephemeral(
                channel=target.channel,
                user=target.user,
                text=text,
                blocks=blocks,
                at=now,
                source="response_url",
                replace_original=replacing,
            )
        )

    # ------------------------------------------------------------------ state helpers

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


# ---------------------------------------------------------------------- HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SlackSandbox


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        self._serve()

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        self._serve()

    def _serve(self) -> None:
        try:
            reply = self.server.sandbox._handle_http(self)
        except Exception:
            log.exception("sandbox failed on %s", self.path)
            reply = _Reply(500, {"ok": False, "error": "fatal_error"})
        if reply.drop:
            # No status line, no body: the client sees the connection closed under it.
            self.close_connection = True
            return
        if isinstance(reply.body, str):
            payload, content_type = reply.body.encode("utf-8"), "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(reply.body).encode("utf-8"), "application/json; charset=utf-8"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        # Calls are already recorded; stderr noise would drown test and shell output.
        pass


# ---------------------------------------------------------------------- request parsing


def _parse_params(query: str, raw: bytes, content_type: str) -> dict[str, Any]:
    """Merge query string and body (form, multipart or JSON) the way Slack reads arguments."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";", 1)[0].strip().lower()
    if raw:
        if kind == "application/json":
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                body = None
            if isinstance(body, dict):
                params.update(body)
        elif kind == "multipart/form-data":
            params.update(_parse_multipart(raw, content_type))
        else:
            params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return _decode_json_fields(params)


def _parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw, policy=email.policy.HTTP
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        fields[str(name)] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return fields


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            # Undecodable stays a string; validation then reports it as Slack would.
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true")


def _str_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _ts_micros(value: Any, error: str) -> int | None:
    """A Slack ts ("1431097200.000123") as whole microseconds; None when absent."""
    raw = _str_or_none(value)
    if raw is None:
        return None
    try:
        micros = Decimal(raw.strip()) * 1_000_000
    except InvalidOperation as err:
        raise _SlackError(error) from err
    if not micros.is_finite() or micros < 0:
        raise _SlackError(error)
    return int(micros)


def _window_floor(calls: int, count: int, seconds: float) -> float:
    """Seconds `calls` calls need through a sliding window of `count` per `seconds`."""
    if calls <= 0:
        return 0.0
    return max(0, -(-calls // count) - 1) * float(seconds)


def _message_metadata(value: Any) -> dict[str, Any] | None:
    """Message metadata checked as chat.postMessage checks it; None when none was sent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, dict):
        # Not a JSON object (or not JSON at all: form fields arrive undecoded then).
        raise _SlackError("invalid_metadata_format")
    event_type, payload = value.get("event_type"), value.get("event_payload")
    if (
        not isinstance(event_type, str)
        or len(event_type) > MAX_EVENT_TYPE
        or not _EVENT_TYPE.fullmatch(event_type)
        or not isinstance(payload, dict)
    ):
        raise _SlackError("invalid_metadata_schema")
    return {"event_type": event_type, "event_payload": copy.deepcopy(payload)}


def _mimetype(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _paginate(items: list[Any], p: dict[str, Any], *, default_limit: int) -> tuple[list[Any], str]:
    """Slice `items` by Slack's cursor and limit; return the page and the next cursor ("" at the end)."""
    try:
        limit = int(p.get("limit") or default_limit)
    except (TypeError, ValueError):
        limit = default_limit
    limit = min(limit, 1000) if limit > 0 else len(items) or 1
    offset = 0
    cursor = _str_or_none(p.get("cursor"))
    if cursor:
        try:
            kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
            offset = int(number)
            if kind != "offset" or offset < 0:
                raise ValueError(cursor)
        except (ValueError, binascii.Error, UnicodeDecodeError) as err:
            raise _SlackError("invalid_cursor") from err
    page = items[offset : offset + limit]
    following = offset + limit
    next_cursor = base64.b64encode(f"offset:{following}".encode()).decode() if following < len(items) else ""
    return page, next_cursor


# ---------------------------------------------------------------------- Block Kit validation


def _message_content(
    p: dict[str, Any], *, require_content: bool = True, status: int | None = None
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Text, blocks and attachments of a message, checked as chat.postMessage checks them."""

    def fail(error: str, **extra: Any) -> _SlackError:
        if status is not None:
            extra["status"] = status
        return _SlackError(error, **extra)

    text = p.get("text")
    text = "" if text is None else str(text)
    blocks = p.get("blocks")
    attachments = p.get("attachments")
    if blocks in (None, ""):
        blocks = []
    if attachments in (None, ""):
        attachments = []
    if not isinstance(blocks, list):
        raise fail("invalid_blocks_format")
    if not isinstance(attachments, list):
        raise fail("invalid_attachments")
    if require_content and not text and not blocks and not attachments:
        raise fail("no_text")
    if len(text) > MAX_TEXT:
        raise fail("msg_too_long")
    if len(attachments) > MAX_ATTACHMENTS:
        raise fail("too_many_attachments")
    problems = _block_problems(blocks, "/blocks", MAX_MESSAGE_BLOCKS)
    if problems:
        raise fail("invalid_blocks", errors=problems, response_metadata={"messages": problems})
    return text, copy.deepcopy(blocks), copy.deepcopy(attachments)


def _view_problems(view: Any, kind: str) -> list[str]:
    """Slack-style "[ERROR] ... [json-pointer:...]" lines for an invalid modal or home view."""
    if not isinstance(view, dict):
        return ["[ERROR] view must be a JSON object [json-pointer:/view]"]
    problems: list[str] = []
    if view.get("type") != kind:
        problems.append(f"[ERROR] must be '{kind}' [json-pointer:/view/type]")
    if kind == "modal":
        if not isinstance(view.get("title"), dict):
            problems.append("[ERROR] missing required field: title [json-pointer:/view]")
        for key in ("title", "close", "submit"):
            _check_text(view.get(key), 24, f"/view/{key}", problems)
        blocks = view.get("blocks")
        has_inputs = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_inputs and "submit" not in view:
            problems.append("[ERROR] must provide submit when inputs are present [json-pointer:/view/submit]")
    _check_length(view.get("private_metadata"), 3000, "/view/private_metadata", problems)
    _check_length(view.get("callback_id"), 255, "/view/callback_id", problems)
    _check_length(view.get("external_id"), 255, "/view/external_id", problems)
    problems += _block_problems(view.get("blocks", []), "/view/blocks", MAX_VIEW_BLOCKS)
    return problems


def _block_problems(blocks: Any, pointer: str, max_blocks: int) -> list[str]:
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:{pointer}]")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            _check_length(block_id, 255, f"{where}/block_id", problems)
            if block_id in seen_ids:
                problems.append(f"[ERROR] duplicate block_id {block_id!r} [json-pointer:{where}/block_id]")
            seen_ids.add(str(block_id))
        _check_block(block, where, problems)
    return problems


def _check_block(block: dict[str, Any], where: str, problems: list[str]) -> None:
    kind = block["type"]
    if kind not in _KNOWN_BLOCK_TYPES:
        problems.append(f"[ERROR] unsupported type: {kind} [json-pointer:{where}/type]")
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"[ERROR] must provide either text or fields [json-pointer:{where}]")
        _check_text(block.get("text"), 3000, f"{where}/text", problems)
        fields = block.get("fields") or []
        _check_count(fields, 10, f"{where}/fields", problems)
        for i, item in enumerate(fields if isinstance(fields, list) else []):
            _check_text(item, 2000, f"{where}/fields/{i}", problems)
        if isinstance(block.get("accessory"), dict):
            _check_element(block["accessory"], f"{where}/accessory", problems)
    elif kind == "header":
        text = block.get("text")
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            problems.append(f"[ERROR] must be a plain_text object [json-pointer:{where}/text]")
        _check_text(text, 150, f"{where}/text", problems)
    elif kind in ("actions", "context"):
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            problems.append(f"[ERROR] missing required field: elements [json-pointer:{where}]")
            return
        _check_count(elements, 25 if kind == "actions" else 10, f"{where}/elements", problems)
        for i, element in enumerate(elements):
            if kind == "actions":
                _check_element(element, f"{where}/elements/{i}", problems)
            elif not (isinstance(element, dict) and element.get("type") == "image"):
                _check_text(element, 3000, f"{where}/elements/{i}", problems)
    elif kind == "input":
        if not isinstance(block.get("label"), dict):
            problems.append(f"[ERROR] missing required field: label [json-pointer:{where}]")
        _check_text(block.get("label"), 2000, f"{where}/label", problems)
        _check_text(block.get("hint"), 2000, f"{where}/hint", problems)
        if not isinstance(block.get("element"), dict):
            problems.append(f"[ERROR] missing required field: element [json-pointer:{where}]")
        else:
            _check_element(block["element"], f"{where}/element", problems)
    elif kind == "image":
        if not block.get("alt_text"):
            problems.append(f"[ERROR] missing required field: alt_text [json-pointer:{where}]")
        _check_length(block.get("alt_text"), 2000, f"{where}/alt_text", problems)


def _check_element(element: Any, where: str, problems: list[str]) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        problems.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
        return
    _check_length(element.get("action_id"), 255, f"{where}/action_id", problems)
    kind = element["type"]
    if kind == "button":
        _check_text(element.get("text"), 75, f"{where}/text", problems)
        _check_length(element.get("value"), 2000, f"{where}/value", problems)
        _check_length(element.get("url"), 3000, f"{where}/url", problems)
    if kind in _OPTION_LIMITS:
        options = element.get("options") or []
        _check_count(options, _OPTION_LIMITS[kind], f"{where}/options", problems)
        for i, option in enumerate(options if isinstance(options, list) else []):
            option_where = f"{where}/options/{i}"
            if not isinstance(option, dict):
                problems.append(f"[ERROR] must be an option object [json-pointer:{option_where}]")
                continue
            _check_text(option.get("text"), 75, f"{option_where}/text", problems)
            _check_length(option.get("value"), 150, f"{option_where}/value", problems)


def _check_text(obj: Any, limit: int, where: str, problems: list[str]) -> None:
    if obj is None:
        return
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        problems.append(f"[ERROR] must be a text object [json-pointer:{where}]")
        return
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"[ERROR] must be more than 0 characters [json-pointer:{where}/text]")
        return
    _check_length(text, limit, f"{where}/text", problems)


def _check_length(value: Any, limit: int, where: str, problems: list[str]) -> None:
    if value is not None and len(str(value)) > limit:
        problems.append(f"[ERROR] must be less than {limit + 1} characters [json-pointer:{where}]")


def _check_count(items: Any, limit: int, where: str, problems: list[str]) -> None:
    if isinstance(items, list) and len(items) > limit:
        problems.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{where}]")
