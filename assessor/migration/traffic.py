"""What the forecast needs to know about each workload: who sends it traffic, how it stops and starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessor.inventory.build import Inventory, Workload
from assessor.inventory.serving import ServiceIndex, Serving, pod_labels, selector_matches, serving
from assessor.model.objects import K8sObject, as_dict

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


def _num(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _prestop_seconds(spec: dict[str, Any]) -> float:
    lifecycle = spec.get("lifecycle")
    hook = lifecycle.get("preStop") if isinstance(lifecycle, dict) else None
    if not isinstance(hook, dict):
        return 0.0
    if isinstance(hook.get("sleep"), dict):
        return _num(hook["sleep"].get("seconds"), 0.0)
    command = hook.get("exec", {}).get("command") if isinstance(hook.get("exec"), dict) else None
    if isinstance(command, list):
        words = " ".join(str(c) for c in command).split()
        for i, word in enumerate(words):
            if word.endswith("sleep") and i + 1 < len(words):
                try:
                    return float(words[i + 1].rstrip(";"))
                except ValueError:
                    return 0.0
    return 0.0


def _replicas(w: Workload, nodes: list[str]) -> int:
    spec = w.obj.raw.get("spec")
    if w.obj.kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController") and isinstance(spec, dict):
        value = spec.get("replicas", 1)
        return int(value) if isinstance(value, int) else 1
    if w.obj.kind == "DaemonSet":
        return len(nodes)
    return 1


def _pdb_allowed(pdb: K8sObject, replicas: int) -> int | None:
    spec = pdb.raw.get("spec")
    if not isinstance(spec, dict):
        return None
    for key, sign in (("minAvailable", 1), ("maxUnavailable", -1)):
        value = spec.get(key)
        if value is None:
            continue
        if isinstance(value, str) and value.endswith("%"):
            count = int(float(value[:-1]) / 100 * replicas + (0.999 if sign > 0 else 0))
        elif isinstance(value, int):
            count = value
        else:
            return None
        return max(0, replicas - count) if sign > 0 else max(0, count)
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
        traffic.grace_seconds = int(_num(spec.get("terminationGracePeriodSeconds"), DEFAULT_GRACE))
        detect: list[Readiness] = []
        for c in w.pod.containers():
            if c.list_name != "containers":
                continue
            ports = c.spec.get("ports") or []
            probe = c.spec.get("readinessProbe")
            if isinstance(probe, dict):
                detect.append(
                    Readiness(
                        _num(probe.get("periodSeconds"), 10),
                        int(_num(probe.get("failureThreshold"), 3)),
                        _num(probe.get("initialDelaySeconds"), 0),
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
