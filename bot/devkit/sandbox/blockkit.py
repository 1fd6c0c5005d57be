"""Block Kit and message validation, with Slack's limits and its "[ERROR] ..." messages."""

from __future__ import annotations

import copy
import re
from typing import Any

from .records import _SlackError

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 40_000
MAX_ATTACHMENTS = 100
MAX_EVENT_TYPE = 255
_EVENT_TYPE = re.compile(r"[a-zA-Z0-9_]+")
_KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
        "call",
    }
)
_OPTION_LIMITS = {
    "static_select": 100,
    "multi_static_select": 100,
    "radio_buttons": 10,
    "checkboxes": 10,
    "overflow": 5,
}


def _message_metadata(value: Any) -> dict[str, Any] | None:
    """Message metadata checked as chat.postMessage checks it; None when none was sent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, dict):
        # Not a JSON object (or not JSON at all: form fields arrive undecoded then).
        raise _SlackError("invalid_metadata_format")
    event_type, payload = value.get("event_type"), value.get("event_payload")
    if (
        not isinstance(event_type, str)
        or len(event_type) > MAX_EVENT_TYPE
        or not _EVENT_TYPE.fullmatch(event_type)
        or not isinstance(payload, dict)
    ):
        raise _SlackError("invalid_metadata_schema")
    return {"event_type": event_type, "event_payload": copy.deepcopy(payload)}


def _message_content(
    p: dict[str, Any], *, require_content: bool = True, status: int | None = None
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Text, blocks and attachments of a message, checked as chat.postMessage checks them."""

    def fail(error: str, **extra: Any) -> _SlackError:
        if status is not None:
            extra["status"] = status
        return _SlackError(error, **extra)

    text = p.get("text")
    text = "" if text is None else str(text)
    blocks = p.get("blocks")
    attachments = p.get("attachments")
    if blocks in (None, ""):
        blocks = []
    if attachments in (None, ""):
        attachments = []
    if not isinstance(blocks, list):
        raise fail("invalid_blocks_format")
    if not isinstance(attachments, list):
        raise fail("invalid_attachments")
    if require_content and not text and not blocks and not attachments:
        raise fail("no_text")
    if len(text) > MAX_TEXT:
        raise fail("msg_too_long")
    if len(attachments) > MAX_ATTACHMENTS:
        raise fail("too_many_attachments")
    problems = _block_problems(blocks, "/blocks", MAX_MESSAGE_BLOCKS)
    if problems:
        raise fail("invalid_blocks", errors=problems, response_metadata={"messages": problems})
    return text, copy.deepcopy(blocks), copy.deepcopy(attachments)


def _view_problems(view: Any, kind: str) -> list[str]:
    """Slack-style "[ERROR] ... [json-pointer:...]" lines for an invalid modal or home view."""
    if not isinstance(view, dict):
        return ["[ERROR] view must be a JSON object [json-pointer:/view]"]
    problems: list[str] = []
    if view.get("type") != kind:
        problems.append(f"[ERROR] must be '{kind}' [json-pointer:/view/type]")
    if kind == "modal":
        if not isinstance(view.get("title"), dict):
            problems.append("[ERROR] missing required field: title [json-pointer:/view]")
        for key in ("title", "close", "submit"):
            _check_text(view.get(key), 24, f"/view/{key}", problems)
        blocks = view.get("blocks")
        has_inputs = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_inputs and "submit" not in view:
            problems.append("[ERROR] must provide submit when inputs are present [json-pointer:/view/submit]")
    _check_length(view.get("private_metadata"), 3000, "/view/private_metadata", problems)
    _check_length(view.get("callback_id"), 255, "/view/callback_id", problems)
    _check_length(view.get("external_id"), 255, "/view/external_id", problems)
    problems += _block_problems(view.get("blocks", []), "/view/blocks", MAX_VIEW_BLOCKS)
    return problems


def _block_problems(blocks: Any, pointer: str, max_blocks: int) -> list[str]:
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:{pointer}]")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            _check_length(block_id, 255, f"{where}/block_id", problems)
            if block_id in seen_ids:
                problems.append(f"[ERROR] duplicate block_id {block_id!r} [json-pointer:{where}/block_id]")
            seen_ids.add(str(block_id))
        _check_block(block, where, problems)
    return problems


def _check_block(block: dict[str, Any], where: str, problems: list[str]) -> None:
    kind = block["type"]
    if kind not in _KNOWN_BLOCK_TYPES:
        problems.append(f"[ERROR] unsupported type: {kind} [json-pointer:{where}/type]")
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"[ERROR] must provide either text or fields [json-pointer:{where}]")
        _check_text(block.get("text"), 3000, f"{where}/text", problems)
        fields = block.get("fields") or []
        _check_count(fields, 10, f"{where}/fields", problems)
        for i, item in enumerate(fields if isinstance(fields, list) else []):
            _check_text(item, 2000, f"{where}/fields/{i}", problems)
        if isinstance(block.get("accessory"), dict):
            _check_element(block["accessory"], f"{where}/accessory", problems)
    elif kind == "header":
        text = block.get("text")
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            problems.append(f"[ERROR] must be a plain_text object [json-pointer:{where}/text]")
        _check_text(text, 150, f"{where}/text", problems)
    elif kind in ("actions", "context"):
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            problems.append(f"[ERROR] missing required field: elements [json-pointer:{where}]")
            return
        _check_count(elements, 25 if kind == "actions" else 10, f"{where}/elements", problems)
        for i, element in enumerate(elements):
            if kind == "actions":
                _check_element(element, f"{where}/elements/{i}", problems)
            elif not (isinstance(element, dict) and element.get("type") == "image"):
                _check_text(element, 3000, f"{where}/elements/{i}", problems)
    elif kind == "input":
        if not isinstance(block.get("label"), dict):
            problems.append(f"[ERROR] missing required field: label [json-pointer:{where}]")
        _check_text(block.get("label"), 2000, f"{where}/label", problems)
        _check_text(block.get("hint"), 2000, f"{where}/hint", problems)
        if not isinstance(block.get("element"), dict):
            problems.append(f"[ERROR] missing required field: element [json-pointer:{where}]")
        else:
            _check_element(block["element"], f"{where}/element", problems)
    elif kind == "image":
        if not block.get("alt_text"):
            problems.append(f"[ERROR] missing required field: alt_text [json-pointer:{where}]")
        _check_length(block.get("alt_text"), 2000, f"{where}/alt_text", problems)


def _check_element(element: Any, where: str, problems: list[str]) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        problems.append(f"[ERROR] missing required field: type [json-pointer:{where}]")
        return
    _check_length(element.get("action_id"), 255, f"{where}/action_id", problems)
    kind = element["type"]
    if kind == "button":
        _check_text(element.get("text"), 75, f"{where}/text", problems)
        _check_length(element.get("value"), 2000, f"{where}/value", problems)
        _check_length(element.get("url"), 3000, f"{where}/url", problems)
    if kind in _OPTION_LIMITS:
        options = element.get("options") or []
        _check_count(options, _OPTION_LIMITS[kind], f"{where}/options", problems)
        for i, option in enumerate(options if isinstance(options, list) else []):
            option_where = f"{where}/options/{i}"
            if not isinstance(option, dict):
                problems.append(f"[ERROR] must be an option object [json-pointer:{option_where}]")
                continue
            _check_text(option.get("text"), 75, f"{option_where}/text", problems)
            _check_length(option.get("value"), 150, f"{option_where}/value", problems)


def _check_text(obj: Any, limit: int, where: str, problems: list[str]) -> None:
    if obj is None:
        return
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        problems.append(f"[ERROR] must be a text object [json-pointer:{where}]")
        return
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"[ERROR] must be more than 0 characters [json-pointer:{where}/text]")
        return
    _check_length(text, limit, f"{where}/text", problems)


def _check_length(value: Any, limit: int, where: str, problems: list[str]) -> None:
    if value is not None and len(str(value)) > limit:
        problems.append(f"[ERROR] must be less than {limit + 1} characters [json-pointer:{where}]")


def _check_count(items: Any, limit: int, where: str, problems: list[str]) -> None:
    if isinstance(items, list) and len(items) > limit:
        problems.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{where}]")
