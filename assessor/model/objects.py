"""The one object type that flows from sources into the inventory: a raw dict plus its origin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessor.model.origin import Origin


@dataclass(slots=True, init=False)
class K8sObject:
    raw: dict[str, Any]
    origin: Origin
    # read once: every rule and the inventory ask for these, hundreds of thousands of times in a big cluster
    kind: str
    metadata: dict[str, Any]

    def __init__(self, raw: dict[str, Any], origin: Origin) -> None:
        # written out (no __post_init__): one object per item of a List of hundreds of thousands
        self.raw = raw
        self.origin = origin
        kind = raw.get("kind")
        self.kind = kind if type(kind) is str else str(kind or "")
        meta = raw.get("metadata")
        self.metadata = meta if isinstance(meta, dict) else {}

    @property
    def api_version(self) -> str:
        return str(self.raw.get("apiVersion") or "")

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or self.metadata.get("generateName") or "")

    @property
    def namespace(self) -> str | None:
        ns = self.metadata.get("namespace")
        return str(ns) if ns else None

    @property
    def uid(self) -> str | None:
        uid = self.metadata.get("uid")
        return str(uid) if uid else None

    @property
    def annotations(self) -> dict[str, Any]:
        ann = self.metadata.get("annotations")
        return ann if isinstance(ann, dict) else {}

    @property
    def labels(self) -> dict[str, Any]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, dict) else {}

    def ref(self) -> dict[str, Any]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }

    def display(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name}"


def as_dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one: for walking user-written YAML of any shape."""
    return value if isinstance(value, dict) else {}
