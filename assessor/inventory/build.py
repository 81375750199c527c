"""Build the inventory: which objects carry pod templates, who owns each pod, and what else is there."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from assessor.inventory.fields import check_pdb, check_workload
from assessor.inventory.podspec import POD_SPEC_PATHS, PodSpecTypeError, PodSpecView, get_pod_spec, pod_spec_path
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
T = TypeVar("T")
POD_PATH = POD_SPEC_PATHS["Pod"]


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
    # facts about the objects that several readers need (rules, the version section, the plan):
    # computed by the first reader that asks, in one pass, and shared with the others
    facts: dict[str, Any] = field(default_factory=dict)

    def fact(self, name: str, compute: Callable[[Inventory], T]) -> T:
        """The fact called name, computed once per inventory."""
        if name not in self.facts:
            self.facts[name] = compute(self)
        value: T = self.facts[name]
        return value


class _OwnerIndex:
    """Objects by uid (and by kind, namespace and name for references without a known uid), and
    each object's owner chain, walked once: the pods of one ReplicaSet share its chain."""

    def __init__(self, objects: list[K8sObject]) -> None:
        self._objects = objects
        self.by_uid: dict[str, K8sObject] = {}
        by_uid = self.by_uid
        for obj in objects:
            uid = obj.metadata.get("uid")
            if uid:
                by_uid[uid if type(uid) is str else str(uid)] = obj
        self._by_name: dict[tuple[str, str | None, str], K8sObject] | None = None
        # id(object) → (top, missing controller reference, hops walked), for walks that ended by themselves
        self._tops: dict[int, tuple[K8sObject, dict[str, Any] | None, int]] = {}

    @property
    def by_name(self) -> dict[tuple[str, str | None, str], K8sObject]:
        # built on first use: objects from the API server all carry uids, so it is rarely needed
        if self._by_name is None:
            self._by_name = {(obj.kind, obj.namespace, obj.name): obj for obj in self._objects}
        return self._by_name

    def controller_ref(self, obj: K8sObject) -> dict[str, Any] | None:
        refs = obj.metadata.get("ownerReferences")
        if not isinstance(refs, list):
            return None
        first = None
        for ref in refs:
            if isinstance(ref, dict):
                if ref.get("controller"):
                    return ref
                if first is None:
                    first = ref
        return first

    def resolve(self, obj: K8sObject, ref: dict[str, Any]) -> K8sObject | None:
        uid = ref.get("uid")
        if isinstance(uid, str) and uid in self.by_uid:
            return self.by_uid[uid]
        return self.by_name.get((str(ref.get("kind")), obj.namespace, str(ref.get("name"))))

    def top(self, obj: K8sObject, remember: bool = True) -> tuple[K8sObject, dict[str, Any] | None]:
        """Walk controller references up as far as the inventory knows them.

        Returns the highest known object and, if the chain continues into
        something not in the inventory, that missing controller's reference.
        remember=False for objects that own nothing (pods): their walks are not kept.
        """
        known = self._tops.get(id(obj))
        if known is not None:
            return known[0], known[1]
        current = obj
        found: tuple[K8sObject, dict[str, Any] | None]
        for hops in range(MAX_OWNER_DEPTH):
            ref = self.controller_ref(current)
            if ref is None:
                found, steps = (current, None), hops
                break
            parent = self.resolve(current, ref)
            if parent is None:
                found, steps = (current, ref), hops
                break
            above = self._tops.get(id(parent))
            if above is not None and hops + 1 + above[2] < MAX_OWNER_DEPTH:
                # the parent's walk is known and ends within this walk's limit: the pods of a ReplicaSet
                found, steps = (above[0], above[1]), hops + 1 + above[2]
                break
            current = parent
        else:
            return current, None  # cut short by the depth limit (a loop): not remembered
        if remember:
            self._tops[id(obj)] = (found[0], found[1], steps)
        return found


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
    kinds: dict[str, int] = {}

    for obj in objects:
        kind = obj.kind
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == "Pod":
            inv.pods.append(obj)
            pending_pods.append((obj, POD_PATH))
            continue
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
        top, _ = index.top(obj)
        if top is not obj and pod_spec_path(top.kind, top.raw) is not None:
            continue  # e.g. a ReplicaSet of a Deployment: the Deployment's template speaks for it
        view = _pod_spec_view(obj, path, problems)
        if view is None:
            continue
        workload = Workload(obj, view)
        templates[id(obj)] = workload
        inv.workloads.append(workload)
    inv.kinds.update(kinds)

    for pod, path in pending_pods:
        if pod.metadata.get("ownerReferences"):
            top, missing = index.top(pod, remember=False)
        else:
            top, missing = pod, None  # a bare pod: no chain to walk
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
