"""/summary now: the current digest, sent by DM to the organizer who asks."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt import Ack, App

from bot.app.services import Services
from bot.core.errors import NotAllowed, UserError
from handlers.common import command_answer, user_id
from storage.db import transaction


def register(app: App, services: Services) -> None:
    """Wire /summary."""

    @app.command("/summary")
    def summary_command(ack: Ack, body: dict[str, Any]) -> None:
        summaries = services.summaries
        assert summaries is not None
        who = user_id(body)
        verb = (body.get("text") or "now").strip().lower() or "now"

        def work() -> str:
            person = services.directory.person(who)
            if person is None or person.id not in services.event.organizers:
                raise NotAllowed("Only the event's organizers receive summaries.")
            if verb != "now":
                raise UserError("`/summary now` sends you the summary of the day so far.")
            summary = summaries.digest()
            with transaction(services.engine) as session:
                summaries.send(session, summary, users=[who], key=f"summary-now:{uuid.uuid4().hex[:8]}")
            return f"{summary.title}: on its way to your direct messages."

        ack(**command_answer(services, "/summary", work))
