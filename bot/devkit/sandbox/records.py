"""What the sandbox keeps and answers with: recorded calls, messages, views, channels, replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

BOT_ID = "B0SANDBOX"
APP_ID = "A0SANDBOX"
BOT_NAME = "convene"

# The error an injected failure answers with when the test names none, by HTTP status.
_FAULT_ERRORS = {429: "ratelimited", 503: "service_unavailable"}


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
    after_work: bool = False  # do the call's work, then drop the connection: the answer is lost

    def reply(self) -> _Reply:
        if self.drop_connection:
            return _Reply(0, {"ok": False, "error": "connection_dropped"}, drop=True)
        error = self.error or _FAULT_ERRORS.get(self.status, "internal_error")
        headers = {}
        if self.retry_after is not None or self.status == 429:
            headers["Retry-After"] = str(self.retry_after if self.retry_after is not None else 1)
        return _Reply(self.status, {"ok": False, "error": error}, headers)
