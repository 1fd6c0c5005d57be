"""What the tests share: paths and waiting; the modules beside this one hold the helpers of
each part of the bot (`serve`: `convene serve` as a real process).

Test modules import helpers from `tests.kit`, never from one another. This package imports
nothing of the bot, so the unit tier loads only what its tests use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "symposium-2015" / "event.yaml"
SUMMER = ROOT / "examples" / "summer-institute" / "event.yaml"
SCHEMA = ROOT / "tests" / "data" / "slack" / "manifest.schema.json"  # Slack's, with its licence beside it


def wait_until(check: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")
