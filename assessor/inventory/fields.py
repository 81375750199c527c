"""The source boundary for the fields rules and the forecast compute with: checked once, dropped if wrong.

A field of the wrong type (`envFrom: 5`, `projected.sources: 5`), or a number that is not a finite
value within sane bounds (`replicas: 10**400`, `terminationGracePeriodSeconds: .nan`,
`failureThreshold: .inf`, `minAvailable: "abc%"`), is removed from the object with one input problem
naming the file, line and field. Everything after the inventory sees either a well-typed value or none
(and then uses the Kubernetes default), so no rule needs its own guard and none can crash on one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assessor.inventory.podspec import PodSpecView
from assessor.model.objects import K8sObject
from assessor.model.origin import FieldPath, format_path
from assessor.model.problems import Problems
from assessor.model.typed import MAX_COUNT, MAX_SECONDS, int_or_percent, type_name, whole

Check = Callable[[Any], bool]


def _whole(lo: int, hi: int) -> tuple[Check, str]:
    return (lambda v: whole(v, lo, hi) is not None), f"a whole number from {lo} to {hi:,}"


_MAP: tuple[Check, str] = ((lambda v: isinstance(v, dict)), "a mapping")
_LIST: tuple[Check, str] = ((lambda v: isinstance(v, list)), "a list")
_INTSTR: tuple[Check, str] = ((lambda v: int_or_percent(v) is not None), "a whole number or a percentage like 50%")

REPLICA_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
WORKLOAD_FIELDS: dict[FieldPath, tuple[Check, str]] = {("spec", "replicas"): _whole(0, MAX_COUNT)}
POD_FIELDS: dict[FieldPath, tuple[Check, str]] = {
    ("terminationGracePeriodSeconds",): _whole(0, MAX_SECONDS),
    ("activeDeadlineSeconds",): _whole(0, MAX_SECONDS),
}
PROBE_FIELDS: dict[FieldPath, tuple[Check, str]] = {
    ("periodSeconds",): _whole(0, MAX_SECONDS),
    ("initialDelaySeconds",): _whole(0, MAX_SECONDS),
    ("timeoutSeconds",): _whole(0, MAX_SECONDS),
    ("terminationGracePeriodSeconds",): _whole(0, MAX_SECONDS),
    ("failureThreshold",): _whole(0, MAX_COUNT),
    ("successThreshold",): _whole(0, MAX_COUNT),
}
CONTAINER_FIELDS: dict[FieldPath, tuple[Check, str]] = {
    ("envFrom",): _LIST,
    ("lifecycle",): _MAP,
    ("lifecycle", "preStop"): _MAP,
    ("lifecycle", "preStop", "sleep"): _MAP,
    ("lifecycle", "preStop", "sleep", "seconds"): _whole(0, MAX_SECONDS),
    ("lifecycle", "preStop", "exec"): _MAP,
    ("lifecycle", "preStop", "exec", "command"): _LIST,
    **{
        (probe, *sub): check
        for probe in ("readinessProbe", "livenessProbe", "startupProbe")
        for sub, check in {(): _MAP, **PROBE_FIELDS}.items()
    },
}
VOLUME_FIELDS: dict[FieldPath, tuple[Check, str]] = {
    ("projected",): _MAP,
    ("projected", "sources"): _LIST,
    ("configMap",): _MAP,
}
PDB_FIELDS: dict[FieldPath, tuple[Check, str]] = {
    ("spec", "minAvailable"): _INTSTR,
    ("spec", "maxUnavailable"): _INTSTR,
}


def _apply(
    obj: K8sObject, node: Any, base: FieldPath, fields: dict[FieldPath, tuple[Check, str]], problems: Problems
) -> None:
    """Check each field under node (in order, so a parent dropped hides its children), dropping bad ones."""
    for rel, (ok, expected) in fields.items():
        parent: Any = node
        for seg in rel[:-1]:
            parent = parent.get(seg) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or rel[-1] not in parent:
            continue
        value = parent[rel[-1]]
        if value is None or ok(value):
            continue
        del parent[rel[-1]]
        path = (*base, *rel)
        problems.error(
            obj.origin.file or "?",
            f"{obj.display()}: {format_path(path)} must be {expected}, got {type_name(value)}; field ignored",
            obj.origin.line_of(path),
        )


def check_workload(obj: K8sObject, view: PodSpecView, problems: Problems) -> None:
    """Drop the wrong-typed numbers and structures of a workload and its pod spec, one problem each."""
    if obj.kind in REPLICA_KINDS:
        _apply(obj, obj.raw, (), WORKLOAD_FIELDS, problems)
    _apply(obj, view.spec, view.path, POD_FIELDS, problems)
    for c in view.containers():
        _apply(obj, c.spec, c.path, CONTAINER_FIELDS, problems)
    for i, volume in view.volumes():
        _apply(obj, volume, (*view.path, "volumes", i), VOLUME_FIELDS, problems)


def check_pdb(obj: K8sObject, problems: Problems) -> None:
    _apply(obj, obj.raw, (), PDB_FIELDS, problems)
