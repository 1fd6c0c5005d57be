"""A message repeated from one place is written once per interval, with a count of the rest."""

from __future__ import annotations

import logging

import pytest

from bot.core import settings as settings_module
from bot.core.settings import OncePerInterval


def record(
    msg: str, *args: object, name: str = "convene.web", level: int = logging.INFO
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_flood_is_one_line_per_interval_with_a_count(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(settings_module.time, "monotonic", lambda: now[0])
    once = OncePerInterval(interval=10)
    went_away = "a client went away before its request was read whole"
    passed = [once.filter(record(went_away)) for _ in range(50)]
    assert passed == [True] + [False] * 49
    now[0] += 10.5
    later = record(went_away)
    assert once.filter(later)
    assert later.getMessage() == f"{went_away} [and 49 more like this in the last 10 s]"
    assert not once.filter(record(went_away))


def test_other_messages_and_other_places_are_not_held_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_module.time, "monotonic", lambda: 5.0)
    once = OncePerInterval(interval=10)
    assert once.filter(record("refused a request of %d bytes: %s", 10, "too large"))
    # The same format with other values is the same message: held back.
    assert not once.filter(record("refused a request of %d bytes: %s", 12, "too large"))
    assert once.filter(record("lost the lead; following"))
    assert once.filter(record("refused a request of %d bytes: %s", 10, "x", name="convene.other"))
    assert once.filter(record("refused a request of %d bytes: %s", 10, "x", level=logging.WARNING))


def test_a_line_its_own_loop_spaces_out_is_written_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A retry with backoff says one line per attempt: the filter must not fold them."""
    monkeypatch.setattr(settings_module.time, "monotonic", lambda: 5.0)
    once = OncePerInterval(interval=10)
    tries = []
    for attempt in range(1, 5):
        line = record("Slack cannot be reached; trying again in %.0f s (attempt %d)", 2.0**attempt, attempt)
        line.__dict__.update(settings_module.PACED)
        tries.append(once.filter(line))
    assert tries == [True] * 4
