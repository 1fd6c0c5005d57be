"""/closing and /wordcloud: the closing session's wall and word clouds, on demand."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt import Ack, App

from bot.core import UserError, formatting
from handlers.common import channel_id, command_answer, user_id
from handlers.core import Core


def register(app: App, core: Core) -> None:
    """Wire /closing and /wordcloud."""
    closing = core.closing
    assert closing is not None

    def staff(body: dict[str, Any], doing: str) -> None:
        core.directory.require_staff(user_id(body), doing)

    @app.command("/wordcloud")
    def wordcloud_command(ack: Ack, body: dict[str, Any]) -> None:
        name = (body.get("text") or "").strip().split(" ")[0]

        def work() -> str:
            staff(body, "post word clouds")
            if not name:
                choices = ", ".join(
                    f"`{p}`" for p, spec in core.event.polls.items() if spec.kind == "open_text"
                )
                raise UserError(
                    f"Which answers? `/wordcloud <poll id>` or `/wordcloud headlines`. "
                    f"Open-text polls: {choices or 'none'}."
                )
            rendered = closing.post_cloud(name, channel=channel_id(body) or "")
            answers = formatting.count(rendered.cloud.answers, "answer", "answers")
            return f"Word cloud of {answers} on its way to this channel."

        ack(**command_answer(core, f"/wordcloud {name}", work))

    def display_links(body: dict[str, Any]) -> str:
        displays = core.displays
        assert displays is not None
        who = user_id(body)
        lines = ["Links for the room's screen (read-only, they update on their own):"]
        if core.event.headlines is not None:
            lines.append(f"• Headlines wall: {displays.create(kind='headlines', subject=None, user_id=who)}")
        for name in core.event.closing.wordclouds:
            lines.append(f"• Word cloud `{name}`: {displays.create(kind='cloud', subject=name, user_id=who)}")
        if len(lines) == 1:
            return "The event file names nothing for the closing session (headlines or closing.wordclouds)."
        return "\n".join(lines)

    @app.command("/closing")
    def closing_command(ack: Ack, body: dict[str, Any]) -> None:
        def work() -> str:
            staff(body, "run the closing session")
            if (body.get("text") or "").strip().lower() == "display":
                return display_links(body)
            return closing.post_now(key=f"closing-now:{uuid.uuid4().hex[:8]}")

        ack(**command_answer(core, "/closing", work))
