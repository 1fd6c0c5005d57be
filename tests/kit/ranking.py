"""Answering ranking polls through their form."""

from __future__ import annotations

from typing import Any

from bot.devkit import Workspace
from tests.kit.polls import click, notes_to

POLL = "next-year-priorities"


def values(order: list[int | None]) -> dict[str, Any]:
    """The form's state: the option chosen at each position (None: left empty)."""
    return {
        f"rank_{position}": {
            "option": {
                "type": "static_select",
                "selected_option": None
                if i is None
                else {"text": {"type": "plain_text", "text": str(i)}, "value": str(i)},
            }
        }
        for position, i in enumerate(order)
    }


def open_form(ws: Workspace, who: str, poll_id: str = POLL) -> Any:
    click(ws, who, poll_id, "poll_rank")
    views = ws.sandbox.open_views(ws.user(who))
    assert views, notes_to(ws, who)
    return views[-1]


def rank(ws: Workspace, who: str, order: list[int | None], poll_id: str = POLL) -> Any:
    view = open_form(ws, who, poll_id)
    reply = ws.driver.submit(ws.user(who), view.id, values(order))
    assert reply.status == 200, reply.body
    return reply

