"""Submitting closing headlines as a participant would."""

from __future__ import annotations

from bot.devkit import Workspace

PLENARY = "#lmi-plenary"


def submit_headline(ws: Workspace, person: str, text: str) -> None:
    user = ws.user(person)
    ws.driver.command(user, "/headline", channel=PLENARY)
    (view,) = ws.sandbox.open_views(user)
    ws.driver.submit(
        user,
        view.id,
        {
            "headline": {"value": {"type": "plain_text_input", "value": text}},
            "explanation": {"value": {"type": "plain_text_input", "value": None}},
        },
    )

