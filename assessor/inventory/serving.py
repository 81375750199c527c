"""Does a workload take traffic, and why: the one answer the RKE checks and the migration forecast share.

A workload takes traffic when a Service in its namespace selects its pods, when a container or an init
container (a sidecar keeps running; the node reserves the port either way) declares a hostPort, or when
it runs on the host network and declares ports it listens on. hostNetwork alone is how CNI plugins and
node agents run, and is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from assessor.inventory.build import Inventory, Workload
from assessor.model.objects import K8sObject, as_dict

# Ephemeral containers cannot declare ports (the API rejects them), so only these two lists count.
PORT_LISTS = ("containers", "initContainers")


@dataclass(frozen=True, slots=True)
class ServiceRef:
    name: str
    type: str
    external_traffic_policy: str | None

    @property
    def node_local(self) -> bool:
        """Clients reach the pod through its own node only (a node going down drops them)."""
        return self.type in ("NodePort", "LoadBalancer") and self.external_traffic_policy == "Local"


@dataclass(frozen=True, slots=True)
class Serving:
    services: tuple[ServiceRef, ...] = ()
    host_ports: tuple[str, ...] = ()  # "containers[web] hostPort 80"
    host_network: bool = False
    listening_ports: tuple[str, ...] = ()  # "containers[web] port 8080" (any declared containerPort)

    @property
    def serves(self) -> bool:
        return bool(self.reasons)

    @property
    def reasons(self) -> list[str]:
        out = [f"selected by {s.type} Service {s.name}" for s in self.services]
        out += self.host_ports
        if self.host_network and self.listening_ports:
            out.append("hostNetwork, listening on " + ", ".join(self.listening_ports))
        return out

    @property
    def node_entry(self) -> list[str]:
        """Ways traffic enters through the node that hosts the pod, bypassing other nodes."""
        out = []
        if self.host_ports:
            out.append("hostPort")
        if self.host_network and self.listening_ports:
            out.append("hostNetwork")
        out += [f"{s.type} Service {s.name} (externalTrafficPolicy: Local)" for s in self.services if s.node_local]
        return out


def selector_matches(selector: Any, labels: dict[str, Any]) -> bool:
    """A non-empty equality selector (a Service's, or a label selector's matchLabels) that labels satisfy."""
    if isinstance(selector, dict) and "matchLabels" in selector:
        selector = selector.get("matchLabels")
    return isinstance(selector, dict) and bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def pod_labels(w: Workload) -> dict[str, Any]:
    """The labels the workload's pods carry (the pod template's, or the Pod's own)."""
    if w.obj.kind == "Pod":
        return w.obj.labels
    node: Any = w.obj.raw
    for seg in w.pod.path[:-1]:
        node = node.get(seg) if isinstance(node, dict) else None
    meta = node.get("metadata") if isinstance(node, dict) else None
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return labels if isinstance(labels, dict) else {}


class ServiceIndex:
    """Services with a selector, by namespace (a Service without one has its endpoints set by hand)."""

    def __init__(self, objects: list[K8sObject]) -> None:
        self._by_ns: dict[str | None, list[tuple[ServiceRef, dict[str, Any]]]] = defaultdict(list)
        for obj in objects:
            if obj.kind != "Service":
                continue
            spec = as_dict(obj.raw.get("spec"))
            selector = spec.get("selector")
            if isinstance(selector, dict) and selector:
                policy = spec.get("externalTrafficPolicy")
                ref = ServiceRef(obj.name, str(spec.get("type") or "ClusterIP"), str(policy) if policy else None)
                self._by_ns[obj.namespace].append((ref, selector))

    def selecting(self, namespace: str | None, labels: dict[str, Any]) -> tuple[ServiceRef, ...]:
        return tuple(ref for ref, sel in self._by_ns.get(namespace, []) if selector_matches(sel, labels))


def serving(w: Workload, services: ServiceIndex) -> Serving:
    host_ports: list[str] = []
    listening: list[str] = []
    for c in w.pod.containers():
        if c.list_name not in PORT_LISTS:
            continue
        ports = c.spec.get("ports")
        for port in ports if isinstance(ports, list) else []:
            if not isinstance(port, dict):
                continue
            where = f"{c.list_name}[{c.name}]"
            if port.get("hostPort"):
                host_ports.append(f"{where} hostPort {port['hostPort']}")
            listening.append(f"{where} port {port.get('containerPort')}")
    return Serving(
        services=services.selecting(w.obj.namespace, pod_labels(w)),
        host_ports=tuple(host_ports),
        host_network=w.pod.spec.get("hostNetwork") is True,
        listening_ports=tuple(listening),
    )


def serving_workloads(inv: Inventory, kind: str | None = None) -> list[tuple[Workload, Serving]]:
    """Every workload (of kind, when given) that takes traffic, with why."""
    index = ServiceIndex(inv.objects)
    out = []
    for w in inv.workloads:
        if kind is not None and w.obj.kind != kind:
            continue
        s = serving(w, index)
        if s.serves:
            out.append((w, s))
    return out
