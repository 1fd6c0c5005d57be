"""The app manifest validates against Slack's published schema."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from bot.event import Event
from bot.slack import build_manifest
from tests.kit import EXAMPLE, SCHEMA


@pytest.fixture(scope="module")
def schema() -> dict:
    # Shipped with the tests (tests/data/slack), so a clone anywhere runs these: never skipped.
    return json.loads(SCHEMA.read_text())


def test_cli_manifest_for_socket_mode_is_valid(schema: dict) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "manifest", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    manifest = json.loads(out)
    jsonschema.validate(manifest, schema)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [
        "/poll",
        "/qa",
        "/headline",
        "/wordcloud",
        "/closing",
        "/summary",
        "/agenda",
        "/coverage",
        "/event",
    ]
    assert manifest["settings"]["event_subscriptions"] == {"bot_events": ["app_home_opened"]}
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert {"chat:write", "commands", "users:read.email", "files:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )


def test_http_mode_manifest_points_at_the_request_url(schema: dict, example_event: Event) -> None:
    url = "https://convene.example.org/slack/events"
    manifest = build_manifest(example_event, request_url=url)
    jsonschema.validate(manifest, schema)
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert all(c["url"] == url for c in manifest["features"]["slash_commands"])


def test_the_schema_check_would_catch_a_broken_manifest(schema: dict, example_event: Event) -> None:
    manifest = build_manifest(example_event)
    manifest["oauth_config"]["scopes"]["bot"].append("not a scope")
    manifest["display_information"]["name"] = "x" * 100
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(manifest, schema)
