"""conversations.open, .info, .join, .list, .members and .history."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from .params import _flag, _paginate, _str_or_none, _ts_micros
from .records import Message, _SlackError
from .state import WorkspaceState

HISTORY_DEFAULT_LIMIT = 100
HISTORY_MAX_LIMIT = 999


class ConversationsMethods(WorkspaceState):
    """Opening DMs and group DMs, joining, listing channels and members, reading history."""

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
