"""/closing and /wordcloud: the closing session's wall and word clouds, on demand."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt import Ack, App

from bot.errors import UserError
from bot.services import Services
from handlers.common import SORRY, channel_id, log, user_id


def register(app: App, services: Services) -> None:
    """Wire /closing and /wordcloud."""
    closing = services.closing
    assert closing is not None

    def staff(body: dict[str, Any], doing: str) -> None:
        services.polls.require_staff(user_id(body), doing)

    @app.command("/wordcloud")
    def wordcloud_command(ack: Ack, body: dict[str, Any]) -> None:
        name = (body.get("text") or "").strip().split(" ")[0]
        try:
            staff(body, "post word clouds")
            if not name:
                choices = ", ".join(
                    f"`{p}`" for p, spec in services.event.polls.items() if spec.kind == "open_text"
                )
                raise UserError(
                    f"Which answers? `/wordcloud <poll id>` or `/wordcloud headlines`. "
                    f"Open-text polls: {choices or 'none'}."
                )
            rendered = closing.post_cloud(name, channel=channel_id(body) or "")
            answer = f"Word cloud of {rendered.cloud.answers} answers on its way (saved as {rendered.path})."
        except UserError as exc:
            answer = str(exc)
        except Exception:
            log.exception("/wordcloud %s failed", name)
            answer = SORRY
        ack(text=answer)

    @app.command("/closing")
    def closing_command(ack: Ack, body: dict[str, Any]) -> None:
        try:
            staff(body, "run the closing session")
            answer = closing.post_now(key=f"closing-now:{uuid.uuid4().hex[:8]}")
        except UserError as exc:
            answer = str(exc)
        except Exception:
            log.exception("/closing failed")
            answer = SORRY
        ack(text=answer)
