"""users.info, users.lookupByEmail and users.list."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from .params import _paginate
from .records import _SlackError
from .state import WorkspaceState


class UsersMethods(WorkspaceState):
    """Looking members up by id or email, and listing them."""

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
