"""What every source hands to the inventory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assessor.model.objects import K8sObject
from assessor.model.problems import Problems

CoverageStatus = Literal["complete", "forbidden", "not-served", "error", "inconsistent"]


@dataclass(frozen=True, slots=True)
class CoverageEntry:
    resource: str
    namespace: str | None
    status: CoverageStatus
    objects: int = 0
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "namespace": self.namespace,
            "status": self.status,
            "objects": self.objects,
            "message": self.message,
        }


@dataclass(slots=True)
class SourceResult:
    kind: Literal["cluster", "snapshot", "manifests", "rke", "node"]
    description: dict[str, Any]
    objects: list[K8sObject] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    coverage: list[CoverageEntry] = field(default_factory=list)
    files_read: int = 0

    @property
    def complete(self) -> bool:
        return not self.problems.errors and all(c.status in ("complete", "not-served") for c in self.coverage)
