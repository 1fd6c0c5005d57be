"""`convene serve` on an event as a real process, with the sandbox as its Slack."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.devkit import Workspace, free_port, http_transport
from bot.event import Event
from tests.kit import EXAMPLE, wait_until


@contextlib.contextmanager
def serving(
    event: Event, engine: Engine, tmp_path: Path, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[tuple[Workspace, str, Path]]:
    """`convene serve` on the example event as a real process, with the sandbox as its Slack.

    Yields the workspace, the server's URL and its log file; `env` overrides the server's
    environment (SLACK_API_URL, say).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with Workspace(event, engine=engine, transport=http_transport(f"{url}/slack/events")) as ws:
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "SLACK_API_URL": ws.sandbox.api_url,
            "SLACK_BOT_TOKEN": ws.sandbox.bot_token,
            "SLACK_SIGNING_SECRET": ws.signing_secret,
            "CONVENE_PUBLIC_URL": url,
            "CONVENE_FILES_DIR": str(tmp_path / "files"),
            "CONVENE_LOG_LEVEL": "INFO",
            **(env or {}),
        }
        # The server's log goes to a file: an unread pipe fills up and stalls the server.
        log_path = tmp_path / "serve.log"
        log = log_path.open("wb")
        command = [sys.executable, "-m", "bot.cli", "serve", str(EXAMPLE), "--port", str(port)]
        proc = subprocess.Popen(
            [*command, "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:

            def healthy() -> bool:
                if proc.poll() is not None:
                    raise AssertionError(log_path.read_text())
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:
                        return r.status == 200
                except OSError:
                    return False

            # A guard against a server that never comes up, not a measure of its start: on a
            # loaded 2-core machine, importing the app and migrating can take well over 20 s.
            wait_until(healthy, timeout=90)
            yield ws, url, log_path
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            log.close()
