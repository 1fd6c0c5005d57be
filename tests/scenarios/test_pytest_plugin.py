"""Convene's pytest plugin, as another project uses it: installed with Convene, pointed at an
event file by one setting, and a scenario test is one line."""

from __future__ import annotations

import pytest

from tests.kit import ROOT

QUICKSTART = ROOT / "examples" / "quickstart" / "event.yaml"


@pytest.mark.slow
def test_another_project_tests_its_event_with_the_ws_fixture_alone(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nconvene_event = {QUICKSTART}\n")
    pytester.makepyfile(
        test_summit="""
        def test_the_host_asks_for_the_agenda(ws):
            reply = ws.driver.command(ws.user("sam-host"), "/agenda", channel="#summit-plenary")
            assert "Opening plenary" in reply.text
        """
    )
    # A process of its own: the plugin loads from Convene's entry point, not from this suite.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
