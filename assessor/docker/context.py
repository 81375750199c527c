"""What the Docker templates look at: one workload, ConfigMap, Node or object, with lookups computed once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from assessor.engine.template import Context
from assessor.inventory.build import Inventory, Workload
from assessor.inventory.podspec import ContainerRef
from assessor.model.kversion import Minor
from assessor.model.objects import K8sObject
from assessor.model.origin import FieldPath

# The runtime the nodes move to: RKE2's embedded containerd (the default for RKE1 clusters, socket
# /run/k3s/containerd/containerd.sock) or a stock containerd (/run/containerd/containerd.sock).
DESTINATIONS = ("rke2", "containerd")
DEFAULT_DESTINATION = "rke2"
COMMENT_PREFIXES = ("#", ";", "//")  # shell, YAML, TOML, fluentd, fluent-bit; INI; JSON5 and Go templates


def strip_comments(text: str) -> str:
    """Blank out comment lines (keeping line numbers) so that commented-out config never matches."""
    return "\n".join("" if line.lstrip().startswith(COMMENT_PREFIXES) else line for line in text.split("\n"))


@dataclass(frozen=True, slots=True)
class Mount:
    container: ContainerRef
    index: int
    mount_path: str
    read_only: bool


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def string_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def configmap_names(workload: Workload) -> set[str]:
    """Names of the ConfigMaps a workload mounts (plain or projected) or reads through envFrom."""
    names: set[str] = set()
    for _, volume in workload.pod.volumes():
        cm = volume.get("configMap")
        if isinstance(cm, dict) and isinstance(cm.get("name"), str):
            names.add(cm["name"])
        projected = volume.get("projected")
        if isinstance(projected, dict):
            for src in projected.get("sources") or []:
                if isinstance(src, dict) and isinstance(src.get("configMap"), dict):
                    names.add(str(src["configMap"].get("name")))
    for c in workload.pod.containers():
        for env_from in c.spec.get("envFrom") or []:
            if isinstance(env_from, dict) and isinstance(env_from.get("configMapRef"), dict):
                names.add(str(env_from["configMapRef"].get("name")))
    return names


class WorkloadContext:
    scope: ClassVar[str] = "workload"

    def __init__(
        self,
        workload: Workload,
        configmaps: dict[tuple[str, str], K8sObject] | None = None,
        destination: str = DEFAULT_DESTINATION,
    ) -> None:
        self.workload = workload
        self.obj = workload.obj
        self.pod = workload.pod
        self._configmaps = configmaps or {}
        self.destination = destination

    @property
    def subject(self) -> K8sObject:
        return self.obj

    @property
    def owner(self) -> dict[str, Any] | None:
        return self.workload.owner

    @cached_property
    def configmap_text(self) -> str:
        """The data of every scanned ConfigMap this workload uses, for 'its config says X' conditions."""
        ns = self.obj.namespace or ""
        parts: list[str] = []
        for name in sorted(configmap_names(self.workload)):
            cm = self._configmaps.get((ns, name))
            data = cm.raw.get("data") if cm is not None else None
            if isinstance(data, dict):
                parts.extend(v for v in data.values() if isinstance(v, str))
        return "\n".join(parts)

    @cached_property
    def containers(self) -> list[ContainerRef]:
        return list(self.pod.containers())

    @cached_property
    def volumes(self) -> list[tuple[int, dict[str, Any]]]:
        return list(self.pod.volumes())

    @cached_property
    def mounts_by_volume(self) -> dict[str, list[Mount]]:
        out: dict[str, list[Mount]] = {}
        for c in self.containers:
            for i, m in enumerate(c.spec.get("volumeMounts") or []):
                if isinstance(m, dict) and isinstance(m.get("name"), str):
                    out.setdefault(m["name"], []).append(
                        Mount(c, i, as_str(m.get("mountPath")) or "", bool(m.get("readOnly")))
                    )
        return out

    def volume_path(self, index: int) -> FieldPath:
        return (*self.pod.path, "volumes", index)

    @cached_property
    def command_texts(self) -> list[str]:
        """What the command templates search in every container (see command_texts)."""
        return [text for c in self.containers for text in command_texts(c)]

    @cached_property
    def env_values(self) -> list[str]:
        """The literal env values of every container."""
        return [value for c in self.containers for value in env_values(c)]

    @cached_property
    def text(self) -> str:
        """Every env name and value, command and arg of the pod, for 'does it mention X' conditions."""
        parts: list[str] = []
        for c in self.containers:
            parts.extend(container_strings(c.spec))
        return "\n".join(parts)


def command_fields(c: ContainerRef) -> Iterator[tuple[FieldPath, list[str]]]:
    """The command-like fields of a container with their paths: command, args, exec hooks and probes."""
    spec = c.spec
    for key in ("command", "args"):
        yield (*c.path, key), string_list(spec.get(key))
    lifecycle = spec.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            handler = lifecycle.get(hook)
            if isinstance(handler, dict) and isinstance(handler.get("exec"), dict):
                yield (
                    (*c.path, "lifecycle", hook, "exec", "command"),
                    string_list(handler["exec"].get("command")),
                )
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        handler = spec.get(probe)
        if isinstance(handler, dict) and isinstance(handler.get("exec"), dict):
            yield (*c.path, probe, "exec", "command"), string_list(handler["exec"].get("command"))


def command_texts(c: ContainerRef) -> list[str]:
    """What the command template searches in a container: each item (comment lines blanked), and
    the items of a field joined when there are several."""
    texts: list[str] = []
    for _, items in command_fields(c):
        stripped = [strip_comments(i) for i in items]
        texts.extend(stripped)
        if len(stripped) > 1:
            texts.append(" ".join(stripped))
    return texts


def env_values(c: ContainerRef) -> list[str]:
    """The literal env values of a container, as the container-text template searches them."""
    values = []
    for env in c.spec.get("env") or []:
        value = as_str(env.get("value")) if isinstance(env, dict) else None
        if value:
            values.append(value)
    return values


def container_strings(spec: dict[str, Any]) -> list[str]:
    parts = string_list(spec.get("command")) + string_list(spec.get("args"))
    for env in spec.get("env") or []:
        if isinstance(env, dict):
            parts.append(f"{env.get('name')}={env.get('value') if isinstance(env.get('value'), str) else ''}")
    return parts


@dataclass(slots=True)
class ObjectContext:
    """Any object, for checks on its own metadata; pod_path is set for workloads."""

    obj: K8sObject
    pod_path: FieldPath | None = None
    target: Minor | None = None  # the Kubernetes minor the scan plans for (removed APIs)
    owner: dict[str, Any] | None = None  # the workload's owner when the object is a workload
    # the inventory the object is in, for facts computed once over all objects (Inventory.fact)
    inventory: Inventory | None = None
    # answers every rule of a template family shares, for an object outside an inventory;
    # made on first use: there is one context per object, hundreds of thousands in a big cluster
    _memo: dict[str, Any] | None = None
    scope: ClassVar[str] = "object"

    @property
    def subject(self) -> K8sObject:
        return self.obj

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if self._memo is None:
            self._memo = {}
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def annotation_sources(self) -> list[tuple[FieldPath, dict[str, Any]]]:
        out: list[tuple[FieldPath, dict[str, Any]]] = [(("metadata", "annotations"), self.obj.annotations)]
        if self.pod_path and len(self.pod_path) > 1:
            node: Any = self.obj.raw
            for seg in self.pod_path[:-1]:
                node = node.get(seg) if isinstance(node, dict) else None
            meta = node.get("metadata") if isinstance(node, dict) else None
            ann = meta.get("annotations") if isinstance(meta, dict) else None
            if isinstance(ann, dict):
                out.append(((*self.pod_path[:-1], "metadata", "annotations"), ann))
        return out


@dataclass(slots=True)
class ConfigMapContext:
    obj: K8sObject
    used_by: list[dict[str, Any]] = field(default_factory=list)
    target: Minor | None = None  # the Kubernetes minor the scan plans for (configuration a minor removes)
    # only a whole cluster (live or snapshot, read completely) can show that nothing uses a ConfigMap
    whole_cluster: bool = False
    scope: ClassVar[str] = "configmap"
    owner: ClassVar[None] = None
    # each configmap rule reads the same values; strip their comments once
    _uncommented: dict[str, str] = field(default_factory=dict)

    @property
    def subject(self) -> K8sObject:
        return self.obj

    def uncommented(self, key: str, value: str) -> str:
        text = self._uncommented.get(key)
        if text is None:
            text = self._uncommented[key] = strip_comments(value)
        return text


@dataclass(slots=True)
class NodeContext:
    obj: K8sObject
    pods: list[K8sObject] = field(default_factory=list)
    scope: ClassVar[str] = "node"
    owner: ClassVar[None] = None

    @property
    def subject(self) -> K8sObject:
        return self.obj


def inventory_contexts(
    inv: Inventory,
    target: Minor | None,
    *,
    destination: str = DEFAULT_DESTINATION,
    whole_cluster: bool = False,
) -> Iterator[Context]:
    """Every workload, ConfigMap, Node and object of the inventory as a context, in that order.

    destination is the runtime the nodes move to (rke2 or containerd); whole_cluster says the
    input is a complete cluster, so a ConfigMap no workload uses is known to be unused.
    """
    configmaps = {(cm.namespace or "", cm.name): cm for cm in inv.configmaps}
    for workload in inv.workloads:
        yield WorkloadContext(workload, configmaps, destination)
    users = configmap_users(inv.workloads)
    for cm in inv.configmaps:
        yield ConfigMapContext(cm, users.get((cm.namespace or "", cm.name), []), target, whole_cluster)
    pods_by_node: dict[str, list[K8sObject]] = defaultdict(list)
    for pod in inv.pods:
        spec = pod.raw.get("spec")
        node_name = spec.get("nodeName") if isinstance(spec, dict) else None
        if isinstance(node_name, str):
            pods_by_node[node_name].append(pod)
    for node in inv.nodes:
        yield NodeContext(node, pods_by_node.get(node.name, []))
    workloads = {id(w.obj): w for w in inv.workloads}
    for obj in inv.objects:
        owning = workloads.get(id(obj))
        if owning is None:
            yield ObjectContext(obj, None, target, None, inv)
        else:
            yield ObjectContext(obj, owning.pod.path, target, owning.owner, inv)


def configmap_users(workloads: list[Workload]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Which workloads mount or read each ConfigMap, keyed by (namespace, name)."""
    users: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for w in workloads:
        ref = {"kind": w.obj.kind, "namespace": w.obj.namespace, "name": w.obj.name}
        for name in sorted(configmap_names(w)):
            users[(w.obj.namespace or "", name)].append(ref)
    return users
