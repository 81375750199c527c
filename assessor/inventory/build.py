"""Build the inventory: which objects carry pod templates, who owns each pod, and what else is there."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from assessor.inventory.fields import check_pdb, check_workload
from assessor.inventory.podspec import PodSpecTypeError, PodSpecView, get_pod_spec, pod_spec_path
from assessor.model.objects import K8sObject
from assessor.model.origin import FieldPath, format_path
from assessor.model.problems import Problems

# Kinds that are understood and deliberately not scanned for pod specs.
KNOWN_OTHER_KINDS = frozenset(
    {
        "Namespace",
        "Service",
        "Endpoints",
        "EndpointSlice",
        "Ingress",
        "IngressClass",
        "ServiceAccount",
        "Secret",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "StorageClass",
        "CustomResourceDefinition",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "PodSecurityPolicy",
        "LimitRange",
        "ResourceQuota",
        "PriorityClass",
        "RuntimeClass",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "APIService",
        "Event",
        "Lease",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "Certificate",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ControllerRevision",
    }
)
MAX_OWNER_DEPTH = 8


@dataclass(slots=True)
class Workload:
    obj: K8sObject
    pod: PodSpecView
    pods: list[K8sObject] = field(default_factory=list)  # live pods this workload runs
    owner: dict[str, Any] | None = None  # controller of a pod whose controller is not in the inventory


@dataclass(slots=True)
class Inventory:
    objects: list[K8sObject]
    workloads: list[Workload] = field(default_factory=list)
    nodes: list[K8sObject] = field(default_factory=list)
    configmaps: list[K8sObject] = field(default_factory=list)
    pods: list[K8sObject] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)


class _OwnerIndex:
    def __init__(self, objects: list[K8sObject]) -> None:
        self.by_uid: dict[str, K8sObject] = {}
        self.by_name: dict[tuple[str, str | None, str], K8sObject] = {}
        for obj in objects:
            if obj.uid:
                self.by_uid[obj.uid] = obj
            self.by_name[(obj.kind, obj.namespace, obj.name)] = obj

    def controller_ref(self, obj: K8sObject) -> dict[str, Any] | None:
        refs = obj.metadata.get("ownerReferences")
        if not isinstance(refs, list):
            return None
        candidates = [r for r in refs if isinstance(r, dict)]
        for ref in candidates:
            if ref.get("controller"):
                return ref
        return candidates[0] if candidates else None

    def resolve(self, obj: K8sObject, ref: dict[str, Any]) -> K8sObject | None:
        uid = ref.get("uid")
        if isinstance(uid, str) and uid in self.by_uid:
            return self.by_uid[uid]
        return self.by_name.get((str(ref.get("kind")), obj.namespace, str(ref.get("name"))))

    def top(self, obj: K8sObject) -> tuple[K8sObject, dict[str, Any] | None]:
        """Walk controller references up as far as the inventory knows them.

        Returns the highest known object and, if the chain continues into
        something not in the inventory, that missing controller's reference.
        """
        current = obj
        for _ in range(MAX_OWNER_DEPTH):
            ref = self.controller_ref(current)
            if ref is None:
                return current, None
            parent = self.resolve(current, ref)
            if parent is None:
                return current, ref
            current = parent
        return current, None


def build_inventory(
    objects: list[K8sObject], problems: Problems, checked_kinds: frozenset[str] = frozenset()
) -> Inventory:
    """checked_kinds: kinds other checks read (the removed-API table): not "unknown", though no pod spec is read."""
    inv = Inventory(objects=objects)
    index = _OwnerIndex(objects)
    unknown: dict[str, K8sObject] = {}
    unknown_count: Counter[str] = Counter()
    templates: dict[int, Workload] = {}
    pending_pods: list[tuple[K8sObject, FieldPath]] = []

    for obj in objects:
        kind = obj.kind
        inv.kinds[kind] += 1
        if kind == "Node":
            inv.nodes.append(obj)
            continue
        if kind == "ConfigMap":
            inv.configmaps.append(obj)
            continue
        if kind == "PodDisruptionBudget":
            check_pdb(obj, problems)
        path = pod_spec_path(kind, obj.raw)
        if path is None:
            if kind not in KNOWN_OTHER_KINDS and kind not in checked_kinds and not kind.endswith("List"):
                unknown.setdefault(kind, obj)
                unknown_count[kind] += 1
            continue
        if kind == "Pod":
            inv.pods.append(obj)
            pending_pods.append((obj, path))
            continue
        top, _ = index.top(obj)
        if top is not obj and pod_spec_path(top.kind, top.raw) is not None:
            continue  # e.g. a ReplicaSet of a Deployment: the Deployment's template speaks for it
        view = _pod_spec_view(obj, path, problems)
        if view is None:
            continue
        workload = Workload(obj, view)
        templates[id(obj)] = workload
        inv.workloads.append(workload)

    for pod, path in pending_pods:
        top, missing = index.top(pod)
        owner_workload = templates.get(id(top)) if top is not pod else None
        if owner_workload is not None:
            # the owner's template speaks for its pods: no need to read each pod's spec
            owner_workload.pods.append(pod)
            continue
        view = _pod_spec_view(pod, path, problems)
        if view is None:
            continue
        ref = missing if top is pod else index.controller_ref(top)
        owner = {"kind": ref.get("kind"), "name": ref.get("name")} if ref else None
        workload = Workload(pod, view, pods=[pod], owner=owner)
        inv.workloads.append(workload)

    for kind, first in sorted(unknown.items()):
        n = unknown_count[kind]
        problems.note(
            first.origin.file or "?",
            f"unknown kind {kind} ({first.api_version}): {n} object{'s' if n != 1 else ''} not scanned",
            first.origin.line,
        )
    return inv


def _pod_spec_view(obj: K8sObject, path: FieldPath, problems: Problems) -> PodSpecView | None:
    """The object's pod spec, checked for shape; None with a one-line problem when it is not usable."""
    try:
        spec = get_pod_spec(obj.raw, path)
        if spec is None:
            problems.error(
                obj.origin.file or "?", f"{obj.display()}: no pod spec at {format_path(path)}", obj.origin.line
            )
            return None
        view = PodSpecView(spec, path)
        view.validate()
        check_workload(obj, view, problems)
    except PodSpecTypeError as exc:
        problems.error(obj.origin.file or "?", f"{obj.display()}: {exc}; object skipped", obj.origin.line_of(exc.path))
        return None
    return view
