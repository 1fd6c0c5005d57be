"""YAML loading that remembers where each value came from, and refuses what an event file
never needs.

`convene check` must name the line of every problem, so we keep a map from a value's path
(("sessions", 3, "start")) to its line in the file. The document is built in one pass over
the parser's events (libyaml's when it is installed, which PyYAML's wheels include), with
no recursion, so that a broken or hostile file gets a line and a message, never a
traceback or a hang:

- nesting deeper than `MAX_DEPTH`, or more than `MAX_VALUES` keys and values, is refused
  before it is built;
- an alias re-uses its anchor's value; together, aliases may repeat at most
  `ALIAS_BUDGET` characters and values (a "billion laughs" is refused at once), and an
  alias inside the value it names is refused;
- keys are the text written (`1:` is the key "1", `yes:` is "yes"); a list or mapping as
  a key and a second document are refused;
- a key given twice, a merge key (`<<`), a YAML tag and a control character in a value are
  reported at their line; the first of two keys is the one kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.event.files import codepoint, control_character

try:  # libyaml: about twenty times faster than the pure-Python parser
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import BaseLoader as _Parser

Path_ = tuple[str | int, ...]

MAX_DEPTH = 32  # an event file needs six (polls[0].pre_event.nudges[0])
MAX_VALUES = 100_000  # keys and values; the example event has about 1,100
ALIAS_BUDGET = 1_000_000

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_INT = _TAG + "int"
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
_COLLECTION_TAGS = {None, "!", _TAG + "seq", _TAG + "map"}
_VALUE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1's implicit types without base-60 integers: an unquoted 16:00 stays the string "16:00".

    Otherwise 16:00 arrives as 960 and can no longer be told apart from a plain 960 (or 900,
    meant as "9:00"), which would silently become some other time of day.
    """


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _INT]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(
    _INT,
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)
_RESOLVER = _Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class YamlError(Exception):
    """The text cannot be read as the event file's YAML: the line, the path if known, and why."""

    def __init__(self, line: int | None, message: str, path: Path_ = ()) -> None:
        self.line = line
        self.message = message
        self.path = path
        super().__init__(message)


@dataclass(frozen=True)
class YamlIssue:
    """Something wrong at one place in a document that could still be read."""

    path: Path_
    line: int
    message: str


class YamlSource:
    """A parsed YAML document, the line of each mapping key and list item, and its issues."""

    def __init__(
        self, path: Path, data: Any, lines: dict[Path_, int], issues: list[YamlIssue] | None = None
    ) -> None:
        self.path = path
        self.data = data
        self._lines = lines
        self.issues = issues or []

    @classmethod
    def parse(cls, path: Path, text: str) -> YamlSource:
        """Build the document in `text`; raises YamlError when it cannot be read at all."""
        builder = _Builder()
        data = builder.build(text)
        return cls(path, data, builder.lines, builder.issues)

    def line(self, loc: Path_) -> int | None:
        """The line of `loc`, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self._lines:
                return self._lines[loc]
            loc = loc[:-1]
        return self._lines.get((), None)


@dataclass(eq=False)
class _Open:
    """A list or mapping being built."""

    value: Any  # list or dict
    path: Path_ | None  # None inside a value that is dropped (a repeated key's)
    anchor: str | None
    weight: int = 1  # values and characters inside, aliases expanded
    height: int = 1
    key: str | None = None  # a mapping's key awaiting its value
    drop: bool = False  # the awaited value is not kept


@dataclass(frozen=True)
class _Anchored:
    value: Any
    weight: int
    height: int


_OPEN = _Anchored(None, 0, 0)  # an anchor whose value is still being built


class _Builder:
    def __init__(self) -> None:
        self.lines: dict[Path_, int] = {}
        self.issues: list[YamlIssue] = []
        self.anchors: dict[str, _Anchored] = {}
        self.repeated = 0
        self.stack: list[_Open] = []
        self.root: Any = None
        self.plain: dict[str, Any] = {}

    def build(self, text: str) -> Any:
        parser = _Parser(text)
        try:
            self._run(parser)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, text) from None
        finally:
            parser.dispose()
        return self.root

    def _run(self, parser: Any) -> None:
        documents = 0
        values = 0
        while True:
            event = parser.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, _VALUE_EVENTS):
                values += 1
                if values > MAX_VALUES:
                    raise YamlError(
                        line, f"more than {MAX_VALUES:,} keys and values; is this the event file?"
                    )
            top = self.stack[-1] if self.stack else None
            awaiting_key = top is not None and isinstance(top.value, dict) and top.key is None
            if isinstance(event, yaml.ScalarEvent):
                if awaiting_key:
                    assert top is not None
                    self._key(top, event, line)
                    continue
                path = self._slot(top, line)
                value = self._scalar(event, path, line)
                if event.anchor is not None:
                    self.anchors[event.anchor] = _Anchored(value, 1 + len(event.value), 0)
                self._place(top, value, 1 + len(event.value), 0)
            elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                if awaiting_key:
                    assert top is not None
                    raise YamlError(line, "a key must be a name, not a list or mapping", top.path or ())
                if len(self.stack) >= MAX_DEPTH:
                    raise YamlError(line, f"not valid YAML: nested more than {MAX_DEPTH} levels deep")
                path = self._slot(top, line)
                if event.tag not in _COLLECTION_TAGS and path is not None:
                    self._issue(path, line, _tag_problem(event.tag))
                container: list[Any] | dict[str, Any] = (
                    [] if isinstance(event, yaml.SequenceStartEvent) else {}
                )
                self._place(top, container, 0, 0)
                self.stack.append(_Open(container, path, event.anchor))
                if event.anchor is not None:
                    self.anchors[event.anchor] = _OPEN
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                done = self.stack.pop()
                if done.anchor is not None:
                    self.anchors[done.anchor] = _Anchored(done.value, done.weight, done.height)
                if self.stack:
                    parent = self.stack[-1]
                    parent.weight += done.weight
                    parent.height = max(parent.height, done.height + 1)
            elif isinstance(event, yaml.AliasEvent):
                self._alias(top, event.anchor, line, awaiting_key)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlError(line, "not valid YAML: one document per file (a second one starts here)")
            elif isinstance(event, yaml.StreamEndEvent):
                return

    def _slot(self, top: _Open | None, line: int) -> Path_ | None:
        """The path of the value about to be placed in `top`, recording the line of a list item."""
        if top is None:
            self.lines[()] = line
            return ()
        if top.path is None or top.drop:
            return None
        if isinstance(top.value, list):
            path = (*top.path, len(top.value))
            self.lines[path] = line
            return path
        assert top.key is not None
        return (*top.path, top.key)

    def _place(self, top: _Open | None, value: Any, weight: int, height: int) -> None:
        if top is None:
            self.root = value
            return
        top.weight += weight
        top.height = max(top.height, height + 1)
        if isinstance(top.value, list):
            top.value.append(value)
        else:
            if not top.drop:
                top.value[top.key] = value
            top.key, top.drop = None, False

    def _key(self, top: _Open, event: Any, line: int) -> None:
        key = event.value
        top.key, top.drop = key, False
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchored(key, 1 + len(key), 0)
        if top.path is None:
            top.drop = True
            return
        path = (*top.path, key)
        problem = control_character(key)
        if event.tag not in (None, "!") and event.tag not in _SCALAR_TAGS:
            self._issue(path, line, _tag_problem(event.tag))
        elif problem:
            self._issue(path, line, problem)
        if key == "<<" and event.implicit[0]:
            self._issue(path, line, "merge keys (<<) are not supported; write the fields out")
            top.drop = True
        elif key in top.value:
            self._issue(path, line, f"duplicate key (first on line {self.lines.get(path, '?')})")
            top.drop = True
        else:
            self.lines[path] = line

    def _scalar(self, event: Any, path: Path_ | None, line: int) -> Any:
        text = event.value
        if path is not None:
            problem = control_character(text)
            if problem:
                self._issue(path, line, problem)
        tag = event.tag
        if tag is None and not event.implicit[0]:
            return text  # quoted
        if tag is None:  # plain: the same text always reads as the same (immutable) value
            if text not in self.plain:
                self.plain[text] = _typed(_RESOLVER.resolve(yaml.ScalarNode, text, event.implicit), text)
            return self.plain[text]
        if tag == "!":
            tag = _STR
        if tag not in _SCALAR_TAGS:
            if path is not None:
                self._issue(path, line, _tag_problem(tag))
            return text
        return _typed(tag, text)

    def _alias(self, top: _Open | None, name: str, line: int, awaiting_key: bool) -> None:
        if awaiting_key:
            assert top is not None
            raise YamlError(line, f"an alias (*{name}) cannot be a key", top.path or ())
        path = self._slot(top, line) or ()
        anchored = self.anchors.get(name)
        if anchored is None:
            raise YamlError(line, f"*{name} names no anchor (&{name}) above it", path)
        if anchored is _OPEN:
            raise YamlError(line, f"*{name} is inside the value it names; write the value out", path)
        if len(self.stack) + anchored.height > MAX_DEPTH:
            raise YamlError(line, f"not valid YAML: nested more than {MAX_DEPTH} levels deep")
        self.repeated += anchored.weight
        if self.repeated > ALIAS_BUDGET:
            raise YamlError(
                line,
                f"aliases repeat more than {ALIAS_BUDGET:,} characters and values; write the values out",
                path,
            )
        self._place(top, anchored.value, anchored.weight, anchored.height)

    def _issue(self, path: Path_, line: int, message: str) -> None:
        self.issues.append(YamlIssue(path, line, message))


def _typed(tag: str, text: str) -> Any:
    if tag == _STR:
        return text
    try:
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    except Exception:  # noqa: BLE001 - 2026-13-45, a 5,000-digit number...: the field's own check
        return text  # says what is wrong with the text as written


def _tag_problem(tag: str) -> str:
    shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
    return f"YAML tags ({shown}) are not supported; remove it"


def _syntax_error(exc: yaml.YAMLError, text: str) -> YamlError:
    """The parser's own complaint, with its line."""
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts UTF-8 bytes, the pure-Python reader characters.
        libyaml = _Parser is not yaml.BaseLoader
        before = (
            text.encode("utf-8")[: exc.position].decode("utf-8", "replace")
            if libyaml
            else text[: exc.position]
        )
        line = before.count("\n") + 1
        return YamlError(line, f"not valid YAML: {exc.reason} ({codepoint(chr(exc.character))})")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if problem == "exceeded maximum nesting depth":  # libyaml's own limit, further than ours
        problem = f"nested more than {MAX_DEPTH} levels deep"
    message = f"not valid YAML: {problem}"
    if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
        message += f" ({context} on line {context_mark.line + 1})"
    # At the end of a file with no last line break libyaml counts one line more than there is.
    last = max(1, len(text.splitlines()))
    return YamlError(min(mark.line + 1, last) if mark is not None else None, message)
