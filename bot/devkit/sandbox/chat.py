"""chat.postMessage, chat.update, chat.delete, chat.postEphemeral and chat.getPermalink."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from .blockkit import _message_content, _message_metadata
from .params import _str_or_none
from .records import Ephemeral, _SlackError
from .state import WorkspaceState


class ChatMethods(WorkspaceState):
    """Posting, editing and deleting messages, ephemerals and permalinks."""

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
