"""Objects that use API versions a Kubernetes minor removes (pluto's job, for the kinds the tool reads)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from assessor.inventory.build import Inventory
from assessor.inventory.podspec import POD_SPEC_PATHS, pod_spec_path
from assessor.model.objects import K8sObject
from assessor.versions.matrix import ApiRemoval, Matrix, load_matrix

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


@dataclass(slots=True)
class ApiUses:
    """The version facts of every object, found in one pass and shared by their readers.

    The removed-api rules ask "does this object use an API a minor removes?" of each object, and
    the hop path sums the same answers (and the removed in-tree volume plugins) over the cluster:
    both read this index instead of each asking the matrix again.
    """

    removals: dict[int, list[tuple[ApiRemoval, str]]] = field(default_factory=dict)  # by id(object), users only
    removal_users: list[K8sObject] = field(default_factory=list)  # in input order
    plugin_users: list[tuple[K8sObject, str]] = field(default_factory=list)  # (object, plugin) in input order
    removed_plugins: dict[str, str] = field(default_factory=dict)  # plugin → minor that removes it

    def removals_of(self, obj: K8sObject) -> list[tuple[ApiRemoval, str]]:
        return self.removals.get(id(obj), [])

    def removed_api_summary(self) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], list[K8sObject]] = defaultdict(list)
        removals: dict[tuple[str, str], ApiRemoval] = {}
        for obj in self.removal_users:
            for removal, _ in self.removals[id(obj)]:
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

    def volume_plugin_summary(self) -> list[dict[str, Any]]:
        found: dict[str, list[str]] = defaultdict(list)
        for obj, plugin in self.plugin_users:
            found[plugin].append(f"{obj.kind} {obj.namespace + '/' if obj.namespace else ''}{obj.name}")
        return [
            {
                "plugin": plugin,
                "removed_in": self.removed_plugins[plugin],
                "count": len(objs),
                "objects": sorted(set(objs))[:20],
            }
            for plugin, objs in sorted(found.items())
        ]


def index_api_uses(matrix: Matrix, objects: list[K8sObject]) -> ApiUses:
    """One pass over the objects: removed API versions (as read and as last applied) and volume plugins."""
    by_api = matrix.removal_index()
    removed_versions = {api for api, _ in by_api}
    plugins = {str(v["plugin"]): str(v["removed_in"]) for v in matrix.removed_volume_plugins}
    uses = ApiUses(removed_plugins=plugins)
    for obj in objects:
        raw = obj.raw
        # most objects use current APIs, came in no typed List and were not applied with kubectl:
        # three lookups say so
        annotations = obj.metadata.get("annotations")
        if (
            raw.get("apiVersion") in removed_versions
            or obj.origin.list_api_version
            or (isinstance(annotations, dict) and LAST_APPLIED in annotations)
        ):
            hits = removal_hits(matrix, obj)
            if hits:
                uses.removals[id(obj)] = hits
                uses.removal_users.append(obj)
        if not plugins:
            continue
        kind = obj.kind
        if kind == "PersistentVolume":
            spec = raw.get("spec")
            if isinstance(spec, dict):
                uses.plugin_users.extend((obj, key) for key in spec if key in plugins)
        path = POD_SPEC_PATHS.get(kind) or pod_spec_path(kind, raw)
        if path is None:
            continue
        pod_spec: Any = raw
        for seg in path:  # get_pod_spec's walk, inline: a pod spec that is not a mapping has no volumes here
            pod_spec = pod_spec.get(seg) if isinstance(pod_spec, dict) else None
        volumes = pod_spec.get("volumes") if isinstance(pod_spec, dict) else None
        if volumes and isinstance(volumes, list):
            for volume in volumes:
                if isinstance(volume, dict):
                    for key in volume:
                        if key in plugins:
                            uses.plugin_users.append((obj, key))
    return uses


API_USES = "versions.api-uses"  # the name of the fact in Inventory.facts


def api_uses(inventory: Inventory) -> ApiUses:
    """The inventory's ApiUses, indexed on first use."""
    return inventory.fact(API_USES, lambda inv: index_api_uses(load_matrix(), inv.objects))


def removed_api_uses(matrix: Matrix, objects: list[K8sObject]) -> list[dict[str, Any]]:
    return index_api_uses(matrix, objects).removed_api_summary()


def volume_plugin_uses(matrix: Matrix, objects: list[K8sObject]) -> list[dict[str, Any]]:
    """In-tree volume plugins a later minor removes, in PersistentVolumes and inline pod volumes."""
    return index_api_uses(matrix, objects).volume_plugin_summary()
