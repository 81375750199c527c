"""What the forecast needs to know about each workload: who sends it traffic, how it stops and starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessor.inventory.build import Inventory, Workload
from assessor.inventory.serving import ServiceIndex, Serving, pod_labels, selector_matches, serving
from assessor.model.objects import K8sObject, as_dict
from assessor.model.typed import MAX_COUNT, MAX_SECONDS, finite, int_or_percent, whole

DEFAULT_GRACE = 30


@dataclass(frozen=True, slots=True)
class Readiness:
    period: float
    failure_threshold: int
    initial_delay: float

    @property
    def detect_seconds(self) -> float:
        return self.period * self.failure_threshold


@dataclass(slots=True)
class WorkloadTraffic:
    workload: Workload
    replicas: int
    nodes: list[str]  # where its pods run
    serving: Serving = field(default_factory=Serving)
    readiness: Readiness | None = None
    missing_readiness: list[str] = field(default_factory=list)  # containers with ports but no readiness probe
    prestop_seconds: float = 0.0
    grace_seconds: int = DEFAULT_GRACE
    pdb: dict[str, Any] | None = None
    local_data: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.workload.obj.kind

    @property
    def name(self) -> str:
        obj = self.workload.obj
        return f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name

    @property
    def node_entry(self) -> list[str]:
        return self.serving.node_entry

    @property
    def serves(self) -> bool:
        return self.serving.serves


def _seconds(value: Any, default: float) -> float:
    """A duration from the pod spec; the inventory has already dropped what is not one (this is the second wall)."""
    number = finite(value, 0, MAX_SECONDS)
    return default if number is None else number


def _count(value: Any, default: int) -> int:
    number = whole(value, 0, MAX_COUNT)
    return default if number is None else number


def _prestop_seconds(spec: dict[str, Any]) -> float:
    lifecycle = spec.get("lifecycle")
    hook = lifecycle.get("preStop") if isinstance(lifecycle, dict) else None
    if not isinstance(hook, dict):
        return 0.0
    if isinstance(hook.get("sleep"), dict):
        return _seconds(hook["sleep"].get("seconds"), 0.0)
    command = hook.get("exec", {}).get("command") if isinstance(hook.get("exec"), dict) else None
    if isinstance(command, list):
        words = " ".join(str(c) for c in command).split()
        for i, word in enumerate(words):
            if word.endswith("sleep") and i + 1 < len(words):
                try:
                    return _seconds(float(words[i + 1].rstrip(";")), 0.0)  # "sleep 1e400" is inf: no sleep known
                except ValueError:
                    return 0.0
    return 0.0


def _replicas(w: Workload, nodes: list[str]) -> int:
    spec = w.obj.raw.get("spec")
    if w.obj.kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController") and isinstance(spec, dict):
        value = whole(spec.get("replicas", 1), 0, MAX_COUNT)
        return 1 if value is None else value
    if w.obj.kind == "DaemonSet":
        return len(nodes)
    return 1


def _pdb_allowed(pdb: K8sObject, replicas: int) -> int | None:
    """Disruptions the PDB allows with every replica healthy: the disruption controller's arithmetic
    (pkg/controller/disruption: GetScaledValueFromIntOrPercent with roundUp=true for both fields)."""
    spec = pdb.raw.get("spec")
    if not isinstance(spec, dict):
        return None
    for key in ("minAvailable", "maxUnavailable"):
        if spec.get(key) is None:
            continue
        value = int_or_percent(spec[key])
        if value is None:
            return None
        count = value.scaled(replicas, round_up=True)
        return max(0, replicas - count) if key == "minAvailable" else max(0, count)
    return None


def workload_traffic(inv: Inventory) -> list[WorkloadTraffic]:
    services = ServiceIndex(inv.objects)
    pdbs = [o for o in inv.objects if o.kind == "PodDisruptionBudget"]
    out = []
    for w in inv.workloads:
        if w.obj.kind in ("Job", "CronJob"):
            continue
        nodes = sorted(
            {
                str(p.raw.get("spec", {}).get("nodeName"))
                for p in w.pods
                if isinstance(p.raw.get("spec"), dict) and p.raw["spec"].get("nodeName")
            }
        )
        traffic = WorkloadTraffic(w, _replicas(w, nodes), nodes, serving(w, services))
        labels = pod_labels(w)
        spec = w.pod.spec
        traffic.grace_seconds = int(_seconds(spec.get("terminationGracePeriodSeconds"), DEFAULT_GRACE))
        detect: list[Readiness] = []
        for c in w.pod.containers():
            if c.list_name != "containers":
                continue
            ports = c.spec.get("ports") or []
            probe = c.spec.get("readinessProbe")
            if isinstance(probe, dict):
                detect.append(
                    Readiness(
                        _seconds(probe.get("periodSeconds"), 10),
                        _count(probe.get("failureThreshold"), 3),
                        _seconds(probe.get("initialDelaySeconds"), 0),
                    )
                )
            elif ports:
                traffic.missing_readiness.append(c.name)
            traffic.prestop_seconds = max(traffic.prestop_seconds, _prestop_seconds(c.spec))
        traffic.readiness = max(detect, key=lambda r: r.detect_seconds) if detect else None
        for pdb in pdbs:
            pspec = as_dict(pdb.raw.get("spec"))
            if pdb.namespace == w.obj.namespace and selector_matches(pspec.get("selector"), labels):
                traffic.pdb = {"name": pdb.name, "allowedDisruptions": _pdb_allowed(pdb, traffic.replicas)}
        for _, volume in w.pod.volumes():
            if "emptyDir" in volume:
                traffic.local_data.append(f"emptyDir {volume.get('name')}")
        out.append(traffic)
    return out
