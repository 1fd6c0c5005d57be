"""The figures the benchmarks treat as Slack's rate limits, as (calls, seconds) windows.

chat.postMessage: 50 a second across the workspace and 1 a second per
channel; chat.update and conversations.open: 50 a minute (Tier 3);
chat.postEphemeral: 100 a minute (Tier 4). Pass as `SlackSandbox(rate_limits=...)`.
"""

from __future__ import annotations

BENCH_LIMITS: dict[str, tuple[int, float]] = {
    "chat.postMessage": (50, 1.0),
    "chat.postMessage:per_channel": (1, 1.0),
    "chat.update": (50, 60.0),
    "conversations.open": (50, 60.0),
    "chat.postEphemeral": (100, 60.0),
}
