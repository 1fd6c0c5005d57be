"""The escaping functions, one per output kind: what people type reads as text, escaped once.

Examples pin the Slack and Markdown cases that matter; properties try any text."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack import html, markdown, mrkdwn, one_line, plain, quote, spreadsheet, truncate

ZWSP = "\u200b"

# Text as people type it, weighted towards the characters each output kind reads.
typed = st.lists(
    st.one_of(
        st.sampled_from([*"<>&*_~`@!#|[]()\\=+-.:\n\r\t ", "@here", "@channel", "<!", "\x1b", "\u202e"]),
        st.characters(),
    ),
    max_size=40,
).map("".join)


@pytest.mark.parametrize(
    ("text", "reposted"),
    [
        ("<!channel> look", "&lt;!channel&gt; look"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("thanks <@U123>", "thanks &lt;@U123&gt;"),
        ("<#C024BE7LR>", "&lt;#C024BE7LR&gt;"),
        ("<http://x|y>", "&lt;http://x|y&gt;"),
        ("R&D", "R&amp;D"),
        ("already &amp; escaped", "already &amp;amp; escaped"),
        ("3 < 4 > 2", "3 &lt; 4 &gt; 2"),
        ("*bold* and _italic_", "\u2217bold\u2217 and \uff3fitalic\uff3f"),
        ("~gone~ `code`", "\u223cgone\u223c \u02cbcode\u02cb"),
        ("snake_case and 2*3", "snake_case and 2*3"),
        ("team@here.org", "team@here.org"),
        ("_@here_", "\uff3f@\u200bhere\uff3f"),
        ("line one\n> not the bot", "line one &gt; not the bot"),
        ("red \x1b[31m, reversed \u202eabc", "red [31m, reversed abc"),
    ],
)
def test_mrkdwn_examples(text: str, reposted: str) -> None:
    assert mrkdwn(text) == reposted


@pytest.mark.parametrize("word", ["channel", "here", "everyone", "Here", "EVERYONE"])
def test_bare_mentions_are_broken_by_a_zero_width_space(word: str) -> None:
    assert mrkdwn(f"hey @{word}!") == f"hey @{ZWSP}{word}!"


def test_a_quote_keeps_every_line_inside_it() -> None:
    assert quote("first\n> *Convene:* fake\nlast") == "> first\n> &gt; \u2217Convene:\u2217 fake\n> last"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("<b>x</b> & *y*", "\\<b\\>x\\</b\\> \\& \\*y\\*"),
        ("[link](http://evil)", "\\[link\\]\\(http://evil\\)"),
        ("a | b", "a \\| b"),
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("two\nlines", "two lines"),
        ("Dr. Smith-Jones", "Dr. Smith-Jones"),
    ],
)
def test_markdown_examples(text: str, written: str) -> None:
    assert markdown(text) == written


def test_spreadsheet_cells_never_start_a_formula() -> None:
    assert spreadsheet('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [spreadsheet(t) for t in ("+1", "-1", "@SUM(A1)", "ok")] == ["'+1", "'-1", "'@SUM(A1)", "ok"]


def test_truncate_keeps_short_text_and_cuts_long_text_to_the_limit() -> None:
    assert truncate("headline", 8) == "headline"
    assert truncate("headlines", 8) == "headlin…"
    assert len(truncate("x" * 500, 280)) == 280
    assert truncate("", 5) == ""


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LOOKALIKES = {"\u2217": "*", "\uff3f": "_", "\u223c": "~", "\u02cb": "`"}


@given(typed)
def test_plain_drops_controls_and_nothing_else(text: str) -> None:
    out = plain(text)
    assert not CONTROL.search(out) and "\r" not in out
    assert plain(out) == out
    kept = CONTROL.sub("", text.replace("\r\n", "").replace("\r", "").replace("\u2028", ""))
    assert len(out.replace("\n", "")) >= len(kept.replace("\n", "").replace("\x85", "").replace("\u2029", ""))


@given(typed)
def test_mrkdwn_is_inert_and_escaped_once(text: str) -> None:
    out = mrkdwn(text)
    assert "<" not in out and ">" not in out and "\n" not in out and not CONTROL.search(out)
    assert re.fullmatch(r"([^&]|&(amp|lt|gt);)*", out), "every & starts one of the three entities"
    assert not re.search(r"(?<![\w.@])@(channel|here|everyone)\b", out, re.IGNORECASE)
    for at, char in enumerate(out):
        if char in "*_~`":
            assert 0 < at < len(out) - 1 and out[at - 1].isalnum() and out[at + 1].isalnum()
    back = out.replace("@" + ZWSP, "@").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    back = "".join(LOOKALIKES.get(c, c) for c in back)
    source = "".join(LOOKALIKES.get(c, c) for c in one_line(text))
    assert back == source


@given(typed)
def test_quote_keeps_every_line_in_the_quote(text: str) -> None:
    assert all(line.startswith("> ") for line in quote(text).split("\n"))


@given(typed)
def test_markdown_reads_back_as_the_text(text: str) -> None:
    out = markdown(text)
    assert "\n" not in out and not CONTROL.search(out)
    assert re.sub(r"\\(.)", r"\1", out) == one_line(text)
    assert not re.search(r"(?<!\\)[<>*_`\[\]|&]", out)


@given(typed)
def test_html_reads_back_as_the_text(text: str) -> None:
    out = html(text)
    assert "<" not in out and ">" not in out and '"' not in out
    assert html_lib.unescape(out) == plain(text)


@given(typed)
def test_spreadsheet_reads_back_as_the_text(text: str) -> None:
    out = spreadsheet(text)
    assert out[:1] not in ("=", "+", "-", "@", "\t")
    assert out.removeprefix("'") == plain(text) or out == plain(text)
