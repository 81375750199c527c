"""Objects that use API versions a Kubernetes minor removes (pluto's job, for the kinds the tool reads)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from assessor.inventory.podspec import PodSpecTypeError, get_pod_spec, pod_spec_path
from assessor.model.objects import K8sObject
from assessor.versions.matrix import ApiRemoval, Matrix

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def applied_api_versions(obj: K8sObject) -> list[tuple[str, str]]:
    """The apiVersion the object carries, its typed List's, and, for live objects, the one it was last applied with.

    A live object is read back in whatever version the list asked for; the version in its
    manifests (and Helm charts) shows in kubectl's last-applied annotation.
    """
    out = [(obj.api_version, "apiVersion")]
    listed = obj.origin.list_api_version
    if listed and listed != obj.api_version:
        out.append((listed, "list"))
    raw = obj.annotations.get(LAST_APPLIED)
    if isinstance(raw, str) and raw.lstrip().startswith("{"):
        try:
            applied = json.loads(raw)
        except ValueError:
            applied = None
        if (
            isinstance(applied, dict)
            and isinstance(applied.get("apiVersion"), str)
            and applied["apiVersion"] != obj.api_version
        ):
            out.append((applied["apiVersion"], f"metadata.annotations[{json.dumps(LAST_APPLIED)}]"))
    return out


def removal_hits(matrix: Matrix, obj: K8sObject) -> list[tuple[ApiRemoval, str]]:
    hits = []
    for api_version, where in applied_api_versions(obj):
        removal = matrix.removal_for(api_version, obj.kind)
        if removal is not None:
            hits.append((removal, where))
    return hits


def removed_api_uses(matrix: Matrix, objects: list[K8sObject]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[K8sObject]] = defaultdict(list)
    removals: dict[tuple[str, str], ApiRemoval] = {}
    for obj in objects:
        for removal, _ in removal_hits(matrix, obj):
            key = (removal.api_version, removal.kind)
            groups[key].append(obj)
            removals[key] = removal
    out = []
    for key, objs in sorted(groups.items(), key=lambda kv: (removals[kv[0]].removed_in, kv[0])):
        r = removals[key]
        out.append(
            {
                "apiVersion": r.api_version,
                "kind": r.kind,
                "removed_in": str(r.removed_in),
                "replacement": r.replacement,
                "count": len(objs),
                "objects": [f"{o.namespace + '/' if o.namespace else ''}{o.name}" for o in objs][:20],
            }
        )
    return out


def volume_plugin_uses(matrix: Matrix, objects: list[K8sObject]) -> list[dict[str, Any]]:
    """In-tree volume plugins a later minor removes, in PersistentVolumes and inline pod volumes."""
    removed = {str(v["plugin"]): str(v["removed_in"]) for v in matrix.removed_volume_plugins}
    found: dict[str, list[str]] = defaultdict(list)
    for obj in objects:
        sources: list[dict[str, Any]] = []
        if obj.kind == "PersistentVolume" and isinstance(obj.raw.get("spec"), dict):
            sources.append(obj.raw["spec"])
        path = pod_spec_path(obj.kind, obj.raw)
        if path is not None:
            try:
                spec = get_pod_spec(obj.raw, path)
            except PodSpecTypeError:
                spec = None
            volumes = spec.get("volumes") if spec else None
            # a volumes that is not a list is the inventory's input problem (the object is skipped there)
            if isinstance(volumes, list):
                sources.extend(v for v in volumes if isinstance(v, dict))
        for source in sources:
            for plugin in removed.keys() & source.keys():
                found[plugin].append(f"{obj.kind} {obj.namespace + '/' if obj.namespace else ''}{obj.name}")
    return [
        {"plugin": plugin, "removed_in": removed[plugin], "count": len(objs), "objects": sorted(set(objs))[:20]}
        for plugin, objs in sorted(found.items())
    ]
