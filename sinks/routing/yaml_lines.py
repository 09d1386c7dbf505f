"""YAML with line numbers: PyYAML's composer keeps a mark on every node; we keep it too.

    >>> doc = load_with_lines("a:\\n  - {b: 1}\\n")
    >>> doc.data, doc.line_of(("a", 0, "b"))
    ({'a': [{'b': 1}]}, 2)

``line_of`` takes a pydantic error location and answers the line of the deepest node
that exists on that path, so "field required" errors point at the mapping that lacks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["LinedDocument", "load_with_lines"]


@dataclass
class LinedDocument:
    data: Any
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    # A repeated key silently wins in plain YAML loaders; a config checker must say so.
    duplicates: list[tuple[tuple[Any, ...], int]] = field(default_factory=list)

    def line_of(self, path: tuple[Any, ...]) -> int:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def load_with_lines(text: str) -> LinedDocument:
    """Parse one YAML document; raises yaml.YAMLError (with its own mark) when it is not YAML."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    doc = LinedDocument(data=None)
    if node is None:
        return doc
    doc.data = _build(node, (), doc.lines, doc.duplicates)
    return doc


def _build(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int],
           duplicates: list[tuple[tuple[Any, ...], int]]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in out:
                duplicates.append(((*path, key), key_node.start_mark.line + 1))
            out[key] = _build(value_node, (*path, key), lines, duplicates)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, (*path, i), lines, duplicates) for i, child in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    # SafeConstructor resolves the tag (int, bool, null, timestamp...) exactly as yaml.safe_load would.
    return yaml.SafeLoader(" ").construct_object(node, deep=True)
