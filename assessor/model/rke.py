"""An RKE1 cluster.yml as the checks see it: the raw mapping, where it came from, typed access."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assessor.model.origin import FieldPath, Origin
from assessor.model.problems import Problems

VALID_ROLES = ("etcd", "controlplane", "worker")
# A Kubernetes node name is a DNS-1123 subdomain. The plan turns it into a folder name and pastes it
# into shell commands, so nothing else may pass.
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
MAX_NODE_NAME = 253


def is_node_name(name: str) -> bool:
    return len(name) <= MAX_NODE_NAME and _DNS1123_SUBDOMAIN.fullmatch(name) is not None


def _scalar(value: Any) -> str:
    """A scalar as cluster.yml means it; anything else (a wrong type the schema check reports) as empty."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)


class RkeConfigError(ValueError):
    """The file cannot be used as a cluster.yml at all (one line, names the file)."""


@dataclass(frozen=True, slots=True)
class RkeNode:
    index: int
    address: str
    name: str  # hostname_override, else address (what RKE names the Kubernetes node)
    roles: tuple[str, ...]
    raw: dict[str, Any]

    @property
    def worker(self) -> bool:
        return "worker" in self.roles


@dataclass(slots=True)
class RkeConfig:
    path: str
    raw: dict[str, Any]
    origin: Origin
    problems: Problems = field(default_factory=Problems)

    def get(self, *path: str | int) -> Any:
        node: Any = self.raw
        for seg in path:
            if isinstance(seg, int):
                node = node[seg] if isinstance(node, list) and 0 <= seg < len(node) else None
            else:
                node = node.get(seg) if isinstance(node, dict) else None
        return node

    def line(self, path: FieldPath) -> int | None:
        return self.origin.line_of(path)

    @property
    def kubernetes_version(self) -> str | None:
        value = self.get("kubernetes_version")
        return str(value) if value not in (None, "") else None

    @property
    def nodes(self) -> list[RkeNode]:
        out: list[RkeNode] = []
        nodes = self.get("nodes")
        for i, raw in enumerate(nodes if isinstance(nodes, list) else []):
            if not isinstance(raw, dict):
                continue
            roles = raw.get("role") or []
            roles = [roles] if isinstance(roles, str) else roles if isinstance(roles, list) else []
            address = _scalar(raw.get("address"))
            name = (_scalar(raw.get("hostname_override")) or address).lower()
            out.append(RkeNode(i, address, name, tuple(_scalar(r) for r in roles if _scalar(r)), raw))
        return out
