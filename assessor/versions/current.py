"""Where a cluster stands: versions read from cluster.yml, the API server and the Nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessor.model.kversion import DockerVersion, KubeVersion, VersionError
from assessor.model.objects import K8sObject
from assessor.model.problems import Problems
from assessor.model.rke import RkeConfig


@dataclass(frozen=True, slots=True)
class NodeVersions:
    name: str
    roles: tuple[str, ...]
    kubelet: KubeVersion | None
    runtime: str | None  # containerRuntimeVersion as the node reports it: docker://19.3.1
    docker: DockerVersion | None
    os_image: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "roles": list(self.roles),
            "kubelet": self.kubelet.text if self.kubelet else None,
            "containerRuntime": self.runtime,
            "docker": self.docker.line if self.docker else None,
            "os": self.os_image,
        }


@dataclass(slots=True)
class CurrentState:
    kubernetes: KubeVersion | None = None
    kubernetes_from: str | None = None  # cluster.yml, api-server, kubelets
    rke: str | None = None
    distribution: str | None = None  # rke1, rke2, other
    nodes: list[NodeVersions] = field(default_factory=list)
    config: RkeConfig | None = None

    def docker_lines(self) -> list[str]:
        return sorted({n.docker.line for n in self.nodes if n.docker})

    def to_dict(self) -> dict[str, Any]:
        return {
            "kubernetes": self.kubernetes.text if self.kubernetes else None,
            "kubernetesFrom": self.kubernetes_from,
            "rke": self.rke,
            "distribution": self.distribution,
            "docker": self.docker_lines(),
            "nodes": [n.to_dict() for n in self.nodes],
        }


def node_versions(nodes: list[K8sObject], problems: Problems) -> list[NodeVersions]:
    out = []
    for node in nodes:
        status = node.raw.get("status")
        info = status.get("nodeInfo") if isinstance(status, dict) else None
        info = info if isinstance(info, dict) else {}
        kubelet = docker = None
        try:
            kubelet = KubeVersion.parse(info["kubeletVersion"]) if info.get("kubeletVersion") else None
        except VersionError as exc:
            problems.note(node.origin.file or "cluster", f"Node {node.name}: {exc}", node.origin.line)
        runtime = info.get("containerRuntimeVersion") if isinstance(info.get("containerRuntimeVersion"), str) else None
        if runtime and runtime.startswith("docker://"):
            try:
                docker = DockerVersion.parse(runtime)
            except VersionError as exc:
                problems.note(node.origin.file or "cluster", f"Node {node.name}: {exc}", node.origin.line)
        roles = tuple(
            sorted(k.split("/", 1)[1] for k in node.labels if k.startswith("node-role.kubernetes.io/") and "/" in k)
        )
        out.append(NodeVersions(node.name, roles, kubelet, runtime, docker, info.get("osImage")))
    return out


def detect_distribution(nodes: list[K8sObject], versions: list[NodeVersions]) -> str | None:
    if any(v.kubelet and v.kubelet.distribution == "rke2" for v in versions):
        return "rke2"
    if any(any(k.startswith("rke.cattle.io/") for k in n.annotations) for n in nodes):
        return "rke1"
    return "other" if nodes else None


def current_from_cluster(nodes: list[K8sObject], server_version: str | None, problems: Problems) -> CurrentState:
    versions = node_versions(nodes, problems)
    state = CurrentState(nodes=versions, distribution=detect_distribution(nodes, versions))
    if server_version:
        try:
            state.kubernetes, state.kubernetes_from = KubeVersion.parse(server_version), "api-server"
        except VersionError as exc:
            problems.note("cluster", f"API server version: {exc}")
    if state.kubernetes is None:
        # A snapshot has no /version: the control plane runs the newest kubelet on its nodes
        # (RKE upgrades the control plane first).
        planes = [
            v.kubelet for v in versions if v.kubelet and ("controlplane" in v.roles or "control-plane" in v.roles)
        ]
        candidates = planes or [v.kubelet for v in versions if v.kubelet]
        if candidates:
            state.kubernetes = max(candidates, key=lambda k: k.sort_key())
            state.kubernetes_from = "kubelets"
    return state
