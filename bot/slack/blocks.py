"""Block Kit pieces every view builds with, each within Slack's limits.

mrkdwn pieces (`section`, `context`) take mrkdwn the caller has made: the bot's own
markup around `mrkdwn(...)` of anything people typed. Plain-text pieces (`header`,
`plain_section`, `button`, `option`, `input_block`, `modal`) take text as typed and
make it plain themselves, so a label built from a poll option or a team name can
never carry a control character or a line break where Slack allows none.
"""

from __future__ import annotations

import json
from typing import Any

from bot.slack.text import one_line, plain, truncate

Block = dict[str, Any]

SECTION_LIMIT = 3000  # characters in a section's text
HEADER_LIMIT = 150
LABEL_LIMIT = 75  # a button's, an option's or a select's text
INPUT_LABEL_LIMIT = 2000
TITLE_LIMIT = 24  # a modal's title, submit and close


def section(text: str, accessory: Block | None = None) -> Block:
    """A section of mrkdwn (already escaped by the caller), cut to Slack's limit."""
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}
    if accessory:
        block["accessory"] = accessory
    return block


def plain_section(text: str) -> Block:
    """A section of plain text as typed: Slack shows it exactly, with no formatting or emoji."""
    return {
        "type": "section",
        "text": {"type": "plain_text", "text": truncate(plain(text), SECTION_LIMIT), "emoji": False},
    }


def context(text: str) -> Block:
    """A context line of mrkdwn (already escaped by the caller)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}]}


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(one_line(text), HEADER_LIMIT), "emoji": True},
    }


def actions(elements: list[Block]) -> Block:
    return {"type": "actions", "elements": elements}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(one_line(text), LABEL_LIMIT), "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def option(value: str, text: str) -> Block:
    """One option of a select, radio buttons or checkboxes."""
    return {"text": {"type": "plain_text", "text": truncate(one_line(text), LABEL_LIMIT)}, "value": value}


def input_block(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": truncate(one_line(label), INPUT_LABEL_LIMIT)},
        "element": element,
    }
    if optional:
        block["optional"] = True
    return block


def modal(callback_id: str, title: str, submit: str, metadata: dict[str, Any], blocks: list[Block]) -> Block:
    """A modal whose private_metadata carries `metadata` as JSON."""

    def label(text: str) -> Block:
        return {"type": "plain_text", "text": truncate(one_line(text), TITLE_LIMIT)}

    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": label(title),
        "submit": label(submit),
        "close": label("Cancel"),
        "blocks": blocks,
    }
