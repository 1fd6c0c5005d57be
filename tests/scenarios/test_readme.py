"""The README's event-file example is the shipped quickstart example, and it is valid."""

from __future__ import annotations

from bot.event import load_event
from tests.conftest import ROOT

QUICKSTART = ROOT / "examples" / "quickstart"


def test_readme_shows_the_quickstart_files_verbatim() -> None:
    readme = (ROOT / "README.md").read_text()
    assert (QUICKSTART / "event.yaml").read_text().strip() in readme
    assert (QUICKSTART / "roster.csv").read_text().strip() in readme


def test_quickstart_example_is_valid() -> None:
    event = load_event(QUICKSTART / "event.yaml")
    assert event.people["valley-supt"].name == "Val Ortiz, Ed.D."
    assert event.people["river-teachers"].slack_id == "U024BE7LH"
    assert event.staff_ids() == {"ana-lead", "sam-host"}
