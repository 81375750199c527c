"""The YAML loader used everywhere: libyaml's C parser when present, safe construction always."""

from __future__ import annotations

from typing import Any

import yaml

Loader: type[yaml.SafeLoader]
try:
    Loader = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    Loader = yaml.SafeLoader


_CONSTRUCT_MAPPING = Loader.construct_mapping  # bound once: this runs for every mapping of every file


class TrackingLoader(Loader):  # type: ignore[valid-type,misc]
    """Loader that remembers duplicate mapping keys: YAML keeps the last, hiding the earlier value.

    The check costs one length comparison per mapping; the keys are looked at only when the
    built dict is shorter than the node (a duplicate, or a `<<` merge, which is not one).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []  # (0-based line of the later key, key)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        pairs, explicit = node.value, len(node.value)
        mapping: dict[Any, Any] = _CONSTRUCT_MAPPING(self, node, deep)
        # A `<<` merge replaces or shortens node.value while flattening; its overrides are intended.
        if len(mapping) < explicit and node.value is pairs and len(pairs) == explicit:
            seen: set[str] = set()
            for key_node, _ in node.value:
                key = str(key_node.value)
                if key in seen:
                    self.duplicate_keys.append((int(key_node.start_mark.line), key))
                seen.add(key)
        return mapping
