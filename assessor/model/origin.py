"""Where an object came from, and how to find the line of one of its fields."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from assessor.model.yamlloader import Loader

PathSeg = str | int
FieldPath = tuple[PathSeg, ...]


def format_path(path: Sequence[PathSeg]) -> str:
    """Render ('spec', 'volumes', 0, 'hostPath') as spec.volumes[0].hostPath (kubectl's JSONPath style)."""
    out: list[str] = []
    for seg in path:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        elif seg.replace("-", "").replace("_", "").isalnum() and not seg[:1].isdigit():
            out.append(f".{seg}" if out else seg)
        else:
            out.append(f"[{json.dumps(seg)}]")
    return "".join(out)


class Locator:
    """Finds the line of a field inside one YAML document, composing it only when first asked.

    Line lookups are needed only for objects with findings, which are few, so the
    node tree is built lazily instead of slowing down every load.
    """

    def __init__(self, text: str, first_line: int, prefix: FieldPath = (), parent: Locator | None = None) -> None:
        self._text = text
        self._first_line = first_line
        self._prefix = prefix
        self._parent = parent

    def child(self, prefix: FieldPath) -> Locator:
        # List items share the document's tree, composed when the first of them is asked for a line
        return Locator(self._text, self._first_line, self._prefix + prefix, self._parent or self)

    @cached_property
    def _root(self) -> yaml.Node | None:
        if self._parent is not None:
            return self._parent._root
        try:
            loader = Loader(self._text)
            try:
                return loader.get_single_node()
            finally:
                loader.dispose()
        except yaml.YAMLError:
            return None

    def line_of(self, path: FieldPath = (), value_line: int | None = None) -> int | None:
        node = self._root
        last_found: yaml.Node | None = node
        for seg in self._prefix + tuple(path):
            if node is None:
                break
            node = _child(node, seg)
            if node is not None:
                last_found = node
        if last_found is None:
            return None
        line = int(last_found.start_mark.line) + self._first_line
        if node is last_found and value_line is not None and getattr(node, "style", None) in ("|", ">"):
            return line + 1 + value_line
        return line


def _child(node: yaml.Node, seg: PathSeg) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(seg, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == seg:
                return value  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(seg, int) and 0 <= seg < len(node.value):
        return node.value[seg]  # type: ignore[no-any-return]
    return None


@dataclass(frozen=True, slots=True)
class Origin:
    """file: the file read (a path, `<stdin>`); line: the object's first line in it.

    template: for `helm template` output, the chart template named by `# Source:` (a path
    relative to where helm ran); lines always count in the rendered file, never in the template.
    """

    file: str | None = None
    line: int | None = None
    template: str | None = None
    locator: Locator | None = field(default=None, compare=False, repr=False)
    # an item of a typed List (RoleBindingList): the List's own apiVersion, which kubectl also sends
    list_api_version: str | None = None
    # read without a line map (a snapshot too big to keep one): line is where the object starts, and
    # no finding may give it as the line of its evidence
    start_line_only: bool = False

    def line_of(self, path: FieldPath, value_line: int | None = None) -> int | None:
        if self.locator is None:
            return self.line
        return self.locator.line_of(path, value_line) or self.line

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "line": self.line}
        if self.template:
            out["template"] = {"file": self.template}
        return out
