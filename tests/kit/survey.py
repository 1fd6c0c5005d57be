"""Taking the summer institute's survey as a participant would."""

from __future__ import annotations

from bot.devkit import Workspace


def take_survey(ws: Workspace, person: str, ratings: list[int | None], interests: list[int], comments: str):  # type: ignore[no-untyped-def]
    user = ws.user(person)
    dm = ws.sandbox.dms[user]
    card = [m for m in ws.sandbox.messages(dm) if "Thank you for coming" in m.text][0]
    assert ws.driver.click(user, channel=dm, message_ts=card.ts, action_id="poll_answer").status == 200
    (view,) = ws.sandbox.open_views(user)
    values: dict = {}  # type: ignore[type-arg]
    for n, rating in enumerate(ratings):
        option = None if rating is None else {"value": str(rating - 1)}
        values[f"s{n}"] = {"value": {"type": "radio_buttons", "selected_option": option}}
    values["interests"] = {
        "value": {"type": "checkboxes", "selected_options": [{"value": str(i)} for i in interests]}
    }
    values["comments"] = {"value": {"type": "plain_text_input", "value": comments}}
    return view, ws.driver.submit(user, view.id, values)

