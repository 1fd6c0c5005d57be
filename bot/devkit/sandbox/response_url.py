"""response_url: the URLs interactions carry, and what a POST to one does."""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from .blockkit import _message_content
from .params import _decode_json_fields, _flag, _str_or_none
from .records import Ephemeral, _Reply, _ResponseUrl, _SlackError
from .state import WorkspaceState

RESPONSE_URL_TTL = timedelta(minutes=30)
RESPONSE_URL_USES = 5


class ResponseUrls(WorkspaceState):
    """Minting response URLs (5 uses in 30 minutes) and answering posts to them."""

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

    def _handle_response_url(self, path: str, raw: bytes, content_type: str) -> _Reply:
        """A POST to a response_url; Slack answers it in plain text, not JSON."""
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
