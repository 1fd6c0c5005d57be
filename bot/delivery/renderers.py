"""Renderers for the kinds every feature uses: posts, DMs, private notes and file uploads."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.delivery.outbox import Delivery, Kind, Renderers
from storage.models import Outbox


def post(session: Session, row: Outbox) -> Delivery:
    args = {k: v for k, v in row.payload.items() if k != "describe"}
    return Delivery("chat.postMessage", args)


def dm(session: Session, row: Outbox) -> Delivery:
    p = row.payload
    args = {"channel": p["user"], "text": p["text"]}
    if p.get("blocks"):
        args["blocks"] = p["blocks"]
    return Delivery("chat.postMessage", args)


def respond(session: Session, row: Outbox) -> Delivery:
    p = row.payload
    return Delivery(
        "response_url",
        {
            "url": p["response_url"],
            "text": p["text"],
            "response_type": "ephemeral",
            "replace_original": bool(p.get("replace")),
        },
    )


def ephemeral(session: Session, row: Outbox) -> Delivery:
    p = row.payload
    return Delivery("chat.postEphemeral", {"channel": p["channel"], "user": p["user"], "text": p["text"]})


def upload(session: Session, row: Outbox) -> Delivery:
    p = row.payload
    args: dict[str, Any] = {
        "channel": p["channel"],
        "file": p["path"],
        "filename": p["filename"],
        "title": p["title"],
        "alt_txt": p["alt_txt"],
        "initial_comment": p.get("initial_comment"),
    }
    return Delivery("files_upload_v2", args)


def register(renderers: Renderers) -> None:
    """Register the renderers of the kinds delivery owns itself."""
    for kind, renderer in (
        (Kind.POST, post),
        (Kind.DM, dm),
        (Kind.RESPOND, respond),
        (Kind.EPHEMERAL, ephemeral),
        (Kind.UPLOAD, upload),
    ):
        renderers.register(kind, renderer)
