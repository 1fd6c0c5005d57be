"""The same bot with no Slack behind it: the Slack sandbox (`sandbox/`), request
signing (`simulate`), workspace seeding (`workspace`), the bot's calls to the
sandbox without sockets (`inprocess`), the shell, the rehearsal, synthetic events
and scratch databases for tests and benchmarks.

May import `bot.app` and everything below it; nothing in the product imports it but the CLI.
"""

from bot.devkit.rehearsal import rehearse_event
from bot.devkit.sandbox import Call, SlackSandbox
from bot.devkit.shell import Shell, run_shell
from bot.devkit.shell_clock import shell_start
from bot.devkit.simulate import free_port, http_transport, sign
from bot.devkit.synthetic import fanout_event, live_polls_event, sandbox_users, voter_id
from bot.devkit.workspace import Workspace, seed_sandbox

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
