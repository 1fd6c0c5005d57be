"""The same bot with no Slack behind it: the Slack sandbox (`sandbox/`), request
signing (`simulate`), workspace seeding (`workspace`), the bot's calls to the
sandbox without sockets (`inprocess`), the shell, the rehearsal, synthetic events
and scratch databases for tests and benchmarks, and Convene's pytest plugin
(`pytest_plugin`).

May import `bot.app` and everything below it; nothing in the product imports it but the CLI.

Each name below loads its module when first used, so loading the pytest plugin (which pytest
does at every start, through Convene's entry point) loads nothing of the bot.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.devkit.rehearsal import rehearse_event
    from bot.devkit.sandbox import Call, SlackSandbox
    from bot.devkit.shell import Shell, run_shell
    from bot.devkit.shell_clock import shell_start
    from bot.devkit.simulate import free_port, http_transport, sign
    from bot.devkit.synthetic import fanout_event, live_polls_event, sandbox_users, voter_id
    from bot.devkit.workspace import Workspace, seed_sandbox

_MODULES = {
    "rehearse_event": "rehearsal",
    "Call": "sandbox",
    "SlackSandbox": "sandbox",
    "Shell": "shell",
    "run_shell": "shell",
    "shell_start": "shell_clock",
    "free_port": "simulate",
    "http_transport": "simulate",
    "sign": "simulate",
    "fanout_event": "synthetic",
    "live_polls_event": "synthetic",
    "sandbox_users": "synthetic",
    "voter_id": "synthetic",
    "Workspace": "workspace",
    "seed_sandbox": "workspace",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Call",
    "Shell",
    "SlackSandbox",
    "Workspace",
    "fanout_event",
    "free_port",
    "http_transport",
    "live_polls_event",
    "rehearse_event",
    "run_shell",
    "sandbox_users",
    "voter_id",
    "seed_sandbox",
    "shell_start",
    "sign",
]
