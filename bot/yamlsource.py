"""YAML loading that remembers where each value came from.

`convene check` must name the line of every problem, so we keep a map from a
value's path (("sessions", 3, "start")) to its line in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


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
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        lines: dict[Path_, int] = {}
        if node is not None:
            _walk(node, (), lines)
        data = yaml.safe_load(text)
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
