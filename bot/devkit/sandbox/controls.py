"""What tests and the shell call directly: set the workspace up, change it mid-run, read it back."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .records import Call, Ephemeral, Message, _Channel
from .state import WorkspaceState


class WorkspaceControls(WorkspaceState):
    """Members and channels, deactivation and archiving, messages, ephemerals and recorded calls."""

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

    def user_name(self, user_id: str) -> str | None:
        """One member's name (None if there is no such member), without copying the others."""
        with self._lock:
            user = self._users.get(user_id)
            return None if user is None else str(user["name"])

    def channel_name(self, channel_id: str) -> str | None:
        """A named conversation's name (None for a DM or an unknown id), without building the others."""
        with self._lock:
            channel = self._channels.get(channel_id)
            return None if channel is None or channel.is_im else channel.name

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
