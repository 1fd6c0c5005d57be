"""Reading a request's arguments the way Slack does: query, form, multipart, JSON, cursors."""

from __future__ import annotations

import base64
import binascii
import contextlib
import email
import email.policy
import json
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from .records import _SlackError

# Form fields that Slack documents as "a JSON-based array/object presented as a string".
_JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")


def _parse_params(query: str, raw: bytes, content_type: str) -> dict[str, Any]:
    """Merge query string and body (form, multipart or JSON) the way Slack reads arguments."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";", 1)[0].strip().lower()
    if raw:
        if kind == "application/json":
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                body = None
            if isinstance(body, dict):
                params.update(body)
        elif kind == "multipart/form-data":
            params.update(_parse_multipart(raw, content_type))
        else:
            params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return _decode_json_fields(params)


def _parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw, policy=email.policy.HTTP
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        fields[str(name)] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return fields


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            # Undecodable stays a string; validation then reports it as Slack would.
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true")


def _str_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _ts_micros(value: Any, error: str) -> int | None:
    """A Slack ts ("1431097200.000123") as whole microseconds; None when absent."""
    raw = _str_or_none(value)
    if raw is None:
        return None
    try:
        micros = Decimal(raw.strip()) * 1_000_000
    except InvalidOperation as err:
        raise _SlackError(error) from err
    if not micros.is_finite() or micros < 0:
        raise _SlackError(error)
    return int(micros)


def _paginate(items: list[Any], p: dict[str, Any], *, default_limit: int) -> tuple[list[Any], str]:
    """Slice `items` by Slack's cursor and limit; return the page and the next cursor ("" at the end)."""
    try:
        limit = int(p.get("limit") or default_limit)
    except (TypeError, ValueError):
        limit = default_limit
    limit = min(limit, 1000) if limit > 0 else len(items) or 1
    offset = 0
    cursor = _str_or_none(p.get("cursor"))
    if cursor:
        try:
            kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
            offset = int(number)
            if kind != "offset" or offset < 0:
                raise ValueError(cursor)
        except (ValueError, binascii.Error, UnicodeDecodeError) as err:
            raise _SlackError("invalid_cursor") from err
    page = items[offset : offset + limit]
    following = offset + limit
    next_cursor = base64.b64encode(f"offset:{following}".encode()).decode() if following < len(items) else ""
    return page, next_cursor
