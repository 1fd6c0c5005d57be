"""Text people typed, made to read as text wherever the bot writes it: one function per output.

| output | function |
| --- | --- |
| Slack mrkdwn: message text, mrkdwn blocks, the notification text | `mrkdwn` (one line), `quote`, `link` |
| plain text: Slack plain_text objects, terminals, logs | `plain` |
| Markdown (report.md) | `markdown` |
| HTML (report.html, the room's screen): what Jinja's autoescape applies | `html` |
| a spreadsheet cell (the CSV export) | `spreadsheet` |

Each takes the text as typed and returns it escaped once. They all start from `plain`:
control characters (a terminal's colour codes, NUL) and the bidirectional overrides that
make a line read backwards are dropped, and line ends become "\n".
"""

from __future__ import annotations

import re

import markupsafe

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_ENDS = re.compile(r"\r\n?|[\u2028\u2029\x85]")

# A broadcast mention typed as a word: clients turn a bare @here into a live one.
_BROADCAST = re.compile(r"(?<![\w.@])@(channel|here|everyone)\b", re.IGNORECASE)
# mrkdwn's formatting marks, and look-alikes that Slack never reads as formatting.
_MARKS = {"*": "\u2217", "_": "\uff3f", "~": "\u223c", "`": "\u02cb"}
_MARK = re.compile(r"[*_~`]")


def plain(text: str) -> str:
    """Text as typed, without control characters; line ends become "\\n"."""
    return _CONTROL.sub("", _LINE_ENDS.sub("\n", text))


def one_line(text: str) -> str:
    """Plain text on one line: every line break becomes a space."""
    return " ".join(plain(text).split("\n"))


def mrkdwn(text: str) -> str:
    """Text for one line of Slack mrkdwn: it mentions nobody, links nowhere and formats nothing.

    Escaping &, < and > (what Slack documents) defuses <!channel>, <@U123> and
    <http://link|label>. A zero-width space after the @ of a bare @here, @channel or
    @everyone keeps clients from linking it (an address such as team@here.org is left
    alone). A formatting mark that could open or close bold, italics, strike-through
    or code (any not between two letters or digits, as in snake_case) becomes a
    look-alike; and a line break becomes a space, so a typed line never reads as the
    bot's own.
    """
    text = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARK.sub(lambda m: _mark(text, m.start()), text)
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


def _mark(text: str, at: int) -> str:
    inside_word = 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum()
    return text[at] if inside_word else _MARKS[text[at]]


def link(url: str, title: str) -> str:
    """A mrkdwn link to an http(s) `url` (as the event file checked it) labelled with `title`.

    The address is escaped as Slack documents (&, < and >), so it cannot end the link early;
    the label reads as text (`mrkdwn`) and loses a | that would cut it.
    """
    address = plain(url).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "%7C")
    label = mrkdwn(title).replace("|", "\u2223") or address
    return f"<{address}|{label}>"


def quote(text: str) -> str:
    """Text as a Slack block quote: every line of it inside the quote, each made safe."""
    return "\n".join(f"> {mrkdwn(line)}" for line in plain(text).split("\n"))


# Marks Markdown reads anywhere, and those it reads only at the start of a line.
_MD_INLINE = re.compile(r"([\\`*_\[\]()<>|~!&#])")
_MD_LEADING = re.compile(r"^(\s*)(?:([-+=])|(\d+)\.)")


def markdown(text: str) -> str:
    """Text for one line of Markdown (a heading, a list item, a table cell): read as text only.

    Every character Markdown or the HTML inside it could read (emphasis, code, links,
    images, tags, entities, table pipes) is backslash-escaped, and so is a list or
    heading mark at the start; a line break becomes a space.
    """
    return _MD_LEADING.sub(_leading, _MD_INLINE.sub(r"\\\1", one_line(text)), count=1)


def _leading(match: re.Match[str]) -> str:
    space, mark, number = match.groups()
    return f"{space}\\{mark}" if mark else f"{space}{number}\\."


def html(text: str) -> str:
    """Text for HTML, as the report's and the room's-screen templates autoescape it."""
    return str(markupsafe.escape(plain(text)))


def spreadsheet(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading '."""
    text = plain(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
