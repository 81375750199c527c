"""The one place that knows where the pod spec lives in each kind of workload."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assessor.model.origin import FieldPath, format_path

POD_SPEC_PATHS: dict[str, FieldPath] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}

# Custom resources that embed a pod template (Argo Rollouts, OpenKruise, …) keep it here.
GENERIC_TEMPLATE_PATH: FieldPath = ("spec", "template", "spec")

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


class PodSpecTypeError(ValueError):
    """A field on the way to, or inside, the pod spec has the wrong type."""

    def __init__(self, path: FieldPath, expected: str, got: Any) -> None:
        super().__init__(f"{format_path(path)} must be {expected}, got {type(got).__name__}")
        self.path = path


def pod_spec_path(kind: str, raw: dict[str, Any]) -> FieldPath | None:
    if kind in POD_SPEC_PATHS:
        return POD_SPEC_PATHS[kind]
    template = _dig(raw, GENERIC_TEMPLATE_PATH)
    if isinstance(template, dict) and isinstance(template.get("containers"), list):
        return GENERIC_TEMPLATE_PATH
    return None


def _dig(raw: Any, path: FieldPath) -> Any:
    node = raw
    for seg in path:
        if not isinstance(node, dict):
            return None
        node = node.get(seg)
    return node


def get_pod_spec(raw: dict[str, Any], path: FieldPath) -> dict[str, Any] | None:
    """The pod spec at path; None when absent; PodSpecTypeError when a step is not a mapping."""
    node: Any = raw
    for i, seg in enumerate(path):
        if node is None:
            return None
        if not isinstance(node, dict):
            raise PodSpecTypeError(path[:i], "a mapping", node)
        node = node.get(seg)
    if node is None:
        return None
    if not isinstance(node, dict):
        raise PodSpecTypeError(path, "a mapping", node)
    return node


@dataclass(frozen=True, slots=True)
class ContainerRef:
    spec: dict[str, Any]
    path: FieldPath  # path of this container inside the object
    list_name: str  # containers | initContainers | ephemeralContainers

    @property
    def name(self) -> str:
        return str(self.spec.get("name") or "")


@dataclass(frozen=True, slots=True)
class PodSpecView:
    """A pod spec plus the path where it sits, with type-checked accessors."""

    spec: dict[str, Any]
    path: FieldPath

    def containers(self) -> Iterator[ContainerRef]:
        for list_name in CONTAINER_LISTS:
            items = self.spec.get(list_name)
            if items is None:
                continue
            if not isinstance(items, list):
                raise PodSpecTypeError((*self.path, list_name), "a list", items)
            for i, container in enumerate(items):
                if not isinstance(container, dict):
                    raise PodSpecTypeError((*self.path, list_name, i), "a mapping", container)
                yield ContainerRef(container, (*self.path, list_name, i), list_name)

    def volumes(self) -> Iterator[tuple[int, dict[str, Any]]]:
        items = self.spec.get("volumes")
        if items is None:
            return
        if not isinstance(items, list):
            raise PodSpecTypeError((*self.path, "volumes"), "a list", items)
        for i, volume in enumerate(items):
            if not isinstance(volume, dict):
                raise PodSpecTypeError((*self.path, "volumes", i), "a mapping", volume)
            yield i, volume

    def validate(self) -> None:
        """Walk every list once so type errors surface before rules run."""
        for c in self.containers():
            for key in ("env", "volumeMounts", "ports", "args", "command"):
                value = c.spec.get(key)
                if value is not None and not isinstance(value, list):
                    raise PodSpecTypeError((*c.path, key), "a list", value)
            for key in ("env", "volumeMounts"):
                for i, item in enumerate(c.spec.get(key) or ()):
                    if not isinstance(item, dict):
                        raise PodSpecTypeError((*c.path, key, i), "a mapping", item)
        for i, volume in self.volumes():
            # Every volume source (hostPath, configMap, emptyDir, …) is an object: a string in its
            # place (`hostPath: /var/run/docker.sock`) would otherwise be silently ignored by rules.
            for key, source in volume.items():
                if key != "name" and source is not None and not isinstance(source, dict):
                    raise PodSpecTypeError((*self.path, "volumes", i, key), "a mapping", source)
