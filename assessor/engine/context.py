"""What a template looks at: one workload, ConfigMap or Node, with lookups computed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from assessor.inventory.build import Workload
from assessor.inventory.podspec import ContainerRef
from assessor.objects import K8sObject
from assessor.sources.origin import FieldPath


@dataclass(frozen=True, slots=True)
class Mount:
    container: ContainerRef
    index: int
    mount_path: str
    read_only: bool


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def string_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class WorkloadContext:
    target = "workload"

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.obj = workload.obj
        self.pod = workload.pod

    @cached_property
    def containers(self) -> list[ContainerRef]:
        return list(self.pod.containers())

    @cached_property
    def volumes(self) -> list[tuple[int, dict[str, Any]]]:
        return list(self.pod.volumes())

    @cached_property
    def mounts_by_volume(self) -> dict[str, list[Mount]]:
        out: dict[str, list[Mount]] = {}
        for c in self.containers:
            for i, m in enumerate(c.spec.get("volumeMounts") or []):
                if isinstance(m, dict) and isinstance(m.get("name"), str):
                    out.setdefault(m["name"], []).append(
                        Mount(c, i, as_str(m.get("mountPath")) or "", bool(m.get("readOnly")))
                    )
        return out

    def volume_path(self, index: int) -> FieldPath:
        return (*self.pod.path, "volumes", index)

    @cached_property
    def text(self) -> str:
        """Every env name and value, command and arg of the pod, for 'does it mention X' conditions."""
        parts: list[str] = []
        for c in self.containers:
            parts.extend(container_strings(c.spec))
        return "\n".join(parts)


def container_strings(spec: dict[str, Any]) -> list[str]:
    parts = string_list(spec.get("command")) + string_list(spec.get("args"))
    for env in spec.get("env") or []:
        if isinstance(env, dict):
            parts.append(f"{env.get('name')}={env.get('value') if isinstance(env.get('value'), str) else ''}")
    return parts


@dataclass(slots=True)
class ConfigMapContext:
    obj: K8sObject
    used_by: list[dict[str, Any]] = field(default_factory=list)
    target = "configmap"


@dataclass(slots=True)
class NodeContext:
    obj: K8sObject
    pods: list[K8sObject] = field(default_factory=list)
    target = "node"
