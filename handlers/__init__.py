"""Slack listeners: parse the payload, call the core, answer. Nothing else: no queries, no
transactions, no Block Kit of their own.

Each module registers its own listeners over `handlers.core.Core`, the narrow face of
the core that `bot.app` builds; `web` is the HTTP boundary. May import the features
(`bot.polls`, `bot.qa`, `bot.headlines`, `bot.agenda`, `bot.closing`, `bot.displays`,
`bot.insights`) and the layers below them, never `bot.app` or `bot.devkit`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from handlers import agenda, closing, coverage, headlines, poll_answers, poll_commands, qa, summary
from handlers.core import Core

__all__ = ["Core", "register_all"]

log = logging.getLogger("convene.handlers")

MODULES = (poll_commands, poll_answers, qa, agenda, coverage, headlines, closing, summary)


def register_all(app: App, core: Core) -> None:
    """Register every listener module."""
    for module in MODULES:
        module.register(app, core)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error for %s: %s", body.get("type") or body.get("command"), error)
