"""An RKE1 cluster.yml as the checks see it: the raw mapping, where it came from, typed access."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessor.model.origin import FieldPath, Origin
from assessor.model.problems import Problems

VALID_ROLES = ("etcd", "controlplane", "worker")


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
        out = []
        for i, raw in enumerate(self.get("nodes") or []):
            if not isinstance(raw, dict):
                continue
            roles = raw.get("role") or []
            roles = [roles] if isinstance(roles, str) else roles
            address = str(raw.get("address") or "")
            name = str(raw.get("hostname_override") or address).lower()
            out.append(RkeNode(i, address, name, tuple(str(r) for r in roles if r is not None), raw))
        return out
