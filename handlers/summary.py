"""/summary now: the current digest, sent by DM to the organizer who asks."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.core import NotAllowed, UserError
from handlers.common import command_answer, user_id
from handlers.core import Core


def register(app: App, core: Core) -> None:
    """Wire /summary."""

    @app.command("/summary")
    def summary_command(ack: Ack, body: dict[str, Any]) -> None:
        summaries = core.summaries
        who = user_id(body)
        verb = (body.get("text") or "now").strip().lower() or "now"

        def work() -> str:
            person = core.directory.person(who)
            if person is None or person.id not in core.event.organizers:
                raise NotAllowed("Only the event's organizers receive summaries.")
            if verb != "now":
                raise UserError("`/summary now` sends you the summary of the day so far.")
            summary = summaries.send_now(who)
            return f"{summary.title}: on its way to your direct messages."

        ack(**command_answer(core, "/summary", work))
