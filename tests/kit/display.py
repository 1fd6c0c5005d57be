"""Reading a room's display page through the ASGI app."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from bot.devkit import Workspace
from handlers.web import build_asgi


def client_for(ws: Workspace) -> TestClient:
    return TestClient(build_asgi(ws.app, ws.signing_secret, displays=ws.services.displays))


def display_path(reply_text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/display/[\w-]+)", reply_text)
    assert match, reply_text
    return match.group(1)

