"""Reading an organizer's files as text: a size limit, UTF-8 with the line of the first bad
byte, and the control characters no value may hold.

Both the event file and the roster go through `read_text`, so a file that is too large, is
not a regular file or is not UTF-8 gets the same clear answer whichever it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

# Tab and line breaks are text; every other C0/C1 control character, and lone surrogates
# (which a YAML "\ud800" escape can produce and no terminal can print), are not.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # and tab and line breaks


class UnreadableFile(Exception):
    """A file that cannot be read as text; `line` (1-based) when the problem has one."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(message)


def is_file(path: Path) -> bool:
    """Whether `path` names a regular file; False for names the file system refuses outright."""
    return _is(path, Path.is_file)


def is_folder(path: Path) -> bool:
    """Whether `path` names a folder; False for names the file system refuses outright."""
    return _is(path, Path.is_dir)


def _is(path: Path, test: Callable[[Path], bool]) -> bool:
    try:
        return test(path)
    except (OSError, ValueError):  # a name too long, a NUL byte in it, ...
        return False


def read_text(path: Path, *, limit: int, what: str) -> str:
    """The file's text, decoded as UTF-8 (a byte order mark is dropped); raises UnreadableFile."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile(None, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        size = path.stat().st_size
        raise UnreadableFile(None, f"{size / 1e6:.1f} MB; {what} may be at most {limit // 1_000_000} MB")
    return decode_utf8(data)


def decode_utf8(data: bytes) -> str:
    """`data` as text; a byte that is not UTF-8 is reported with its line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(1, "not UTF-8 (it looks like UTF-16); save the file as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnreadableFile(
            line, f"not UTF-8 (byte 0x{data[exc.start]:02X}); save the file as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def control_character(text: str) -> str | None:
    """The message for the first control character in `text`, or None if it has none."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    return f"contains a control character ({codepoint(found[0])}); remove it"


def visible(text: str) -> str:
    """`text` on one line, each control character written as an escape: safe for a terminal."""
    return _UNPRINTABLE.sub(lambda found: ascii(found[0])[1:-1], text)


def codepoint(char: str) -> str:
    """A character as U+XXXX, the way a person can look it up."""
    return f"U+{ord(char):04X}"
