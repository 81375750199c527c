"""RKE1's own containers on a node, the RKE2 part that replaces each, and drift from cluster.yml.

`rke up` runs the Kubernetes components as Docker containers with fixed names; RKE2 runs them
as static pods (or, for the kubelet, as a process) configured by config.yaml. Their flags as
seen on the node are compared with the `extra_args` / `extra_binds` that cluster.yml declares
for the service, so that a flag someone added by hand (or a cluster.yml that was never
applied) shows before the migration copies cluster.yml into config.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assessor.model.rke import RkeConfig
from assessor.nodes.facts import Container


@dataclass(frozen=True, slots=True)
class Component:
    service: str  # cluster.yml services.<service>, or "" when cluster.yml does not configure it
    rke2: str  # what replaces it on RKE2


# Container names `rke up` uses (rancher/rke pkg/services); sources in rules/nodes/rke-components.yaml.
COMPONENTS = {
    "etcd": Component("etcd", "etcd static pod (config.yaml etcd-arg, etcd-extra-mount)"),
    "kube-apiserver": Component("kube-api", "kube-apiserver static pod (kube-apiserver-arg)"),
    "kube-controller-manager": Component(
        "kube-controller", "kube-controller-manager static pod (kube-controller-manager-arg)"
    ),
    "kube-scheduler": Component("scheduler", "kube-scheduler static pod (kube-scheduler-arg)"),
    "kubelet": Component("kubelet", "the kubelet process rke2 starts (kubelet-arg)"),
    "kube-proxy": Component("kubeproxy", "kube-proxy static pod (kube-proxy-arg)"),
    "nginx-proxy": Component("", "the rke2 agent's client load balancer to the servers (port 9345)"),
    "service-sidekick": Component("", "nothing: rke2 ships its binaries in its own data directory"),
    "etcd-rolling-snapshots": Component(
        "", "rke2 etcd snapshots (etcd-snapshot-schedule-cron, etcd-snapshot-retention)"
    ),
    "rke-log-linker": Component("", "nothing: the kubelet links pod logs under /var/log/pods itself"),
    "rke-etcd-backup": Component("", "rke2 etcd-snapshot"),
}
_HELPER = re.compile(r"^rke-[a-z0-9-]+-helper$|^rke-log-(linker|cleaner)$")
_RKE_TOOLS = re.compile(r"(^|/)rancher/rke-tools(:|@|$)")


def component_of(container: Container) -> Component | None:
    """The RKE1 component a non-kubelet container is, or None for anything else."""
    if container.kubelet:
        return None
    if container.name in COMPONENTS:
        return COMPONENTS[container.name]
    if _HELPER.match(container.name) or _RKE_TOOLS.search(container.image):
        return Component("", "nothing: rke-tools helpers are not used by rke2")
    return None


def _flag_values(args: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for arg in args:
        if arg.startswith("--"):
            key, _, value = arg[2:].partition("=")
            out[key] = value
    return out


def _binds(container: Container) -> set[tuple[str, str]]:
    return {(m.source.rstrip("/"), m.destination.rstrip("/")) for m in container.mounts if m.type == "bind"}


def drift(container: Container, component: Component, cluster: RkeConfig) -> list[str]:
    """cluster.yml's extra_args / extra_binds for this component that the node's container does not show."""
    if not component.service:
        return []
    service = cluster.get("services", component.service)
    if not isinstance(service, dict):
        return []
    out: list[str] = []
    seen = _flag_values(container.args)
    extra_args = service.get("extra_args")
    for key, value in sorted((extra_args if isinstance(extra_args, dict) else {}).items(), key=lambda kv: str(kv[0])):
        flag = str(key).lstrip("-")
        want = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        if flag not in seen:
            out.append(f"--{flag}={want} missing on the node")
        elif seen[flag] != want:
            out.append(f"--{flag}={seen[flag]} on the node (cluster.yml: {want})")
    binds = _binds(container)
    extra_binds = service.get("extra_binds")
    for bind in extra_binds if isinstance(extra_binds, list) else []:
        parts = str(bind).split(":")
        if len(parts) < 2:
            continue
        if (parts[0].rstrip("/"), parts[1].rstrip("/")) not in binds:
            out.append(f"bind {parts[0]}:{parts[1]} missing on the node")
    return out
