"""YAML loading that remembers where each value came from.

`convene check` must name the line of every problem, so we keep a map from a
value's path (("sessions", 3, "start")) to its line in the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

_INT = "tag:yaml.org,2002:int"


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's base-60 integers: an unquoted 16:00 stays the string "16:00".

    Otherwise 16:00 arrives as 960 and can no longer be told apart from a plain 960 (or 900,
    meant as "9:00"), which would silently become some other time of day.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _INT]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
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


class YamlSource:
    """A parsed YAML document plus the line of each mapping key and list item."""

    def __init__(self, path: Path, data: Any, lines: dict[Path_, int]) -> None:
        self.path = path
        self.data = data
        self._lines = lines

    @classmethod
    def load(cls, path: Path) -> YamlSource:
        """Parse `path`; raises yaml.YAMLError (with a mark) on bad syntax."""
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_Loader)
        lines: dict[Path_, int] = {}
        if node is not None:
            _walk(node, (), lines)
        data = yaml.load(text, Loader=_Loader)
        return cls(path, data, lines)

    def line(self, loc: Path_) -> int | None:
        """The line of `loc`, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self._lines:
                return self._lines[loc]
            loc = loc[:-1]
        return self._lines.get((), None)


def _walk(node: yaml.Node, here: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(here, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*here, key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*here, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines)
