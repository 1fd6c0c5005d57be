"""The README's event-file example is the shipped quickstart example, and it is valid."""

from __future__ import annotations

import re
from types import UnionType
from typing import Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel

from bot.event import Event, load_event
from bot.event.load import TOP_LEVEL
from tests.kit import ROOT

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


# --------------------------------------------------------------------------- every key, documented


def event_file_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("\n## The event file\n")
    return readme[start : readme.index("\n## ", start + 1)]


def models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (in unions, lists, mappings, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in models_in(arg)]


def is_many(annotation: object) -> bool:
    """A list or mapping of items (`teams[]`), possibly optional."""
    if get_origin(annotation) in (list, dict):
        return True
    return get_origin(annotation) in (Union, UnionType) and any(is_many(a) for a in get_args(annotation))


def accepted_keys() -> tuple[dict[str, set[str]], set[str]]:
    """Every place in the event file that takes keys, with the keys the loader accepts there,
    walked from the loader's sections through the `Event` it builds and the models below; and
    the sections that take a plain value (a path, a list of ids, a mapping)."""
    hints = get_type_hints(Event)
    places: dict[str, set[str]] = {}
    plain: set[str] = set()

    def walk(model: type[BaseModel], where: str) -> None:
        places[where] = set(model.model_fields)
        for name, info in model.model_fields.items():
            for inner in models_in(info.annotation):
                walk(inner, f"{where}.{name}" + ("[]" if is_many(info.annotation) else ""))

    for section in TOP_LEVEL:
        hint = hints.get("info" if section == "event" else section)
        found = models_in(hint) if hint is not None else []
        if not found:
            plain.add(section)
        for model in found:
            walk(model, section + ("[]" if is_many(hint) else ""))
    return places, plain


def documented_keys() -> tuple[dict[str, set[str]], set[str]]:
    """The README's "Every key" table: each row's places (first cell) and keys (second cell)."""
    table = event_file_section().split("### Every key", 1)[1]
    places: dict[str, set[str]] = {}
    plain: set[str] = set()
    for row in re.findall(r"^\|(.+)\|(.+)\|$", table, re.MULTILINE):
        where = re.findall(r"`([^`]+)`", row[0])
        keys = set(re.findall(r"`([^`]+)`", row[1]))
        for place in where:
            if keys:
                places[place] = keys
            else:
                plain.add(place)
    return places, plain


def test_every_key_the_loader_accepts_is_in_the_readme_and_nothing_else_is() -> None:
    accepted, accepted_plain = accepted_keys()
    documented, documented_plain = documented_keys()
    assert "sessions[].audience" in accepted and "summaries" in accepted  # the walk reaches nested models
    missing = {w: sorted(keys - documented.get(w, set())) for w, keys in accepted.items()}
    assert {w: k for w, k in missing.items() if k} == {}, "keys the README's 'Every key' table lacks"
    stale = {w: sorted(keys - accepted.get(w, set())) for w, keys in documented.items()}
    assert {w: k for w, k in stale.items() if k} == {}, "keys in the README the loader does not accept"
    assert documented_plain == accepted_plain


def test_every_new_key_has_an_example_in_the_readme() -> None:
    section = event_file_section()
    for key in (
        "team_kinds:",
        "kind: county_office",
        "tags: [new]",
        "team_size:",
        "audience:",
        "description:",
        "breakouts:",
        "team_covers:",
    ):
        assert key in section, key
