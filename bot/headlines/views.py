"""Block Kit for headlines: the form, the lists, and the wall for the closing session.

Whatever a person typed goes out as plain_text, which Slack never formats,
links or turns into a mention; where mrkdwn is unavoidable (notification
text) it is escaped.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core import formatting
from bot.event import Event, TeamSpec
from bot.slack import mrkdwn, truncate
from bot.slack.blocks import SECTION_LIMIT, button, plain_section, section
from storage.models import Headline

BLOCKS_PER_MESSAGE = 50


def submit_button() -> dict[str, Any]:
    """The "Submit a headline" button for reminders and the Home tab."""
    return {"type": "actions", "elements": [button("Submit a headline", "headline_open", "new", "primary")]}


def headline_modal(
    teams: list[TeamSpec],
    *,
    metadata: dict[str, Any],
    current: Headline | None = None,
    closes: datetime,
    now: datetime,
) -> dict[str, Any]:
    """The /headline form; the team is filled in (a choice only for people on several teams).
    `closes` is in the event's zone; its day is named unless it is today."""
    blocks: list[dict[str, Any]] = [
        section(
            f"How will the news describe your team's success in its partnership? One headline, "
            f"150 characters at most. Collection closes at {formatting.deadline(closes, now)}."
        ),
    ]
    if len(teams) == 1:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Team: *{mrkdwn(teams[0].name)}*"}]}
        )
    else:
        options = [
            {"text": {"type": "plain_text", "text": truncate(t.name, 75)}, "value": t.id} for t in teams
        ]
        select: dict[str, Any] = {
            "type": "static_select",
            "action_id": "value",
            "options": options,
            "placeholder": {"type": "plain_text", "text": "Your team"},
        }
        chosen = next((o for o in options if current and o["value"] == current.team_id), None)
        if chosen:
            select["initial_option"] = chosen
        blocks.append(
            {
                "type": "input",
                "block_id": "team",
                "label": {"type": "plain_text", "text": "Team"},
                "element": select,
            }
        )
    text: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": 150}
    explanation: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": 300}
    if current:
        text["initial_value"] = current.text
        if current.explanation:
            explanation["initial_value"] = current.explanation
    blocks.append(
        {
            "type": "input",
            "block_id": "headline",
            "label": {"type": "plain_text", "text": "Headline"},
            "element": text,
        }
    )
    blocks.append(
        {
            "type": "input",
            "block_id": "explanation",
            "optional": True,
            "label": {"type": "plain_text", "text": "In one line, what it means"},
            "element": explanation,
        }
    )
    return {
        "type": "modal",
        "callback_id": "headline_submit",
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Vision headline"},
        "submit": {"type": "plain_text", "text": "Save" if current else "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _quote(headline: Headline) -> str:
    line = f"“{headline.text}”"
    if headline.explanation:
        line += f"\n    {headline.explanation}"
    return line


def mine_blocks(headlines: list[Headline], event: Event, *, is_open: bool) -> dict[str, Any]:
    """A person's own headlines, with edit and withdraw buttons while collection is open."""
    if not headlines:
        return {"text": "You have not submitted a headline yet. `/headline` opens the form."}
    blocks: list[dict[str, Any]] = [section("*Your headlines*")]
    for h in headlines:
        blocks.append(
            plain_section(
                f"#{h.id} · {event.teams[h.team_id].name if h.team_id in event.teams else h.team_id}\n"
                f"{_quote(h)}"
            )
        )
        if is_open:
            blocks.append(
                {
                    "type": "actions",
                    "elements": [
                        button("Edit", "headline_edit", str(h.id)),
                        button("Withdraw", "headline_withdraw", str(h.id), "danger"),
                    ],
                }
            )
    text = f"You have {formatting.count(len(headlines), 'headline', 'headlines')}."
    return {"text": text, "blocks": blocks[:BLOCKS_PER_MESSAGE]}


def staff_list_blocks(
    wall: dict[str, list[Headline]], missing: list[TeamSpec], event: Event
) -> dict[str, Any]:
    """Every headline with its id and visibility, and the teams still missing, for facilitators."""
    count = formatting.count(sum(len(v) for v in wall.values()), "headline", "headlines")
    teams = event.count_teams(event.teams[t] for t in wall if t in event.teams)
    lines = [
        f"{count} from {teams}; {_have_not_submitted(len(missing), event.team_noun(len(missing), missing))}."
    ]
    for team_id, headlines in wall.items():
        name = event.teams[team_id].name if team_id in event.teams else team_id
        lines.append(f"{name}")
        for h in headlines:
            lines.append(f"  #{h.id}{' (hidden)' if h.hidden else ''} “{h.text}”")
    text = "\n".join(lines)
    chunks = [text[i : i + SECTION_LIMIT] for i in range(0, len(text), SECTION_LIMIT)][:40]
    blocks = [plain_section(c) for c in chunks]
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "`/headline hide <id>` hides one from the wall and word cloud; "
                    "`/headline show <id>` brings it back; "
                    "`/headline missing` lists the teams still to submit.",
                }
            ],
        }
    )
    return {"text": lines[0], "blocks": blocks}


def missing_blocks(missing: list[TeamSpec], *, can_nudge: bool) -> dict[str, Any]:
    if not missing:
        return {"text": "Every team has submitted a headline."}
    names = ", ".join(t.name for t in missing)
    blocks: list[dict[str, Any]] = [
        plain_section(truncate(f"{_have_not_submitted(len(missing))}: {names}", SECTION_LIMIT))
    ]
    if can_nudge:
        blocks.append(
            {
                "type": "actions",
                "elements": [button("Nudge their members (once)", "headline_nudge", "missing", "primary")],
            }
        )
    return {"text": f"{_have_not_submitted(len(missing))} a headline.", "blocks": blocks}


def _have_not_submitted(n: int, noun: str | None = None) -> str:
    """ "1 team has not submitted", "3 district teams have not submitted"."""
    noun = noun or formatting.plural(n, "team", "teams")
    return f"{formatting.number(n)} {noun} {formatting.plural(n, 'has', 'have')} not submitted"


def wall_messages(wall: dict[str, list[Headline]], event: Event) -> list[dict[str, Any]]:
    """The headlines wall for the closing channel, grouped by team, split within Slack's limits."""
    total = sum(len(v) for v in wall.values())
    if not total:
        return [
            {"text": "No headlines were submitted.", "blocks": [section("_No headlines were submitted._")]}
        ]
    messages: list[dict[str, Any]] = []
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Vision headlines"}},
        section(
            f"{formatting.count(total, 'headline', 'headlines')} from "
            f"{event.count_teams(event.teams[t] for t in wall if t in event.teams)}: "
            "future success, in a sentence."
        ),
    ]
    for team_id, headlines in wall.items():
        name = event.teams[team_id].name if team_id in event.teams else team_id
        body = "\n".join(_quote(h) for h in headlines)
        team_blocks = [section(f"*{mrkdwn(name)}*")] + [
            plain_section(body[i : i + SECTION_LIMIT]) for i in range(0, len(body), SECTION_LIMIT)
        ]
        if len(blocks) + len(team_blocks) > BLOCKS_PER_MESSAGE:
            messages.append({"blocks": blocks})
            blocks = []
        blocks.extend(team_blocks)
    messages.append({"blocks": blocks})
    for n, message in enumerate(messages, 1):
        suffix = f" ({n} of {len(messages)})" if len(messages) > 1 else ""
        message["text"] = f"Vision headlines{suffix}"
    return messages
