"""api.test and auth.test."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .records import BOT_ID, BOT_NAME, _SlackError
from .state import WorkspaceState


class AuthMethods(WorkspaceState):
    """api.test (answered without a token) and auth.test."""

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
