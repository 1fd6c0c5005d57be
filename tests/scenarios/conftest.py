"""Fixtures more than one scenario module uses, kept in tests/kit with the helpers they go
with (only the scenario tier loads them)."""

from tests.kit.qa import moderated, panel  # noqa: F401 - fixtures
