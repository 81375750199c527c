"""Templates over node reports: one per kind of item a node report holds.

Each yields Hits whose path names the item (`containers.legacy-backup`, `images["local/app:1"]`,
`daemonConfig.settings.registry-mirrors`) so that a finding names the node and the container,
image, volume or file concerned. Values are shortened and never carry a secret: the collector
has already dropped environment values, TLS keys and credentials.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

from assessor.engine.schema import BOOL, REGEX, SCALAR_LIST, STR_LIST, Param, SchemaError
from assessor.engine.template import Hit, Template
from assessor.inventory.podspec import ContainerRef
from assessor.nodecheck.context import NodeItemContext
from assessor.nodecheck.rke_components import component_of, drift
from assessor.nodes.facts import (
    AutomationLine,
    CertsDir,
    Container,
    DaemonConfig,
    DockerClientConfig,
    Image,
    Mount,
    Volume,
)
from assessor.redact import redact

MAX_VALUE = 200
INFRA_CONTAINER = "POD"  # dockershim's sandbox (pause) container of every pod


def _short(value: str) -> str:
    return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"


def _ref(name: str) -> ContainerRef:
    return ContainerRef({"name": name}, ("containers", name), "containers")


def size_text(size: int | None) -> str:
    """Bytes as Docker's CLI shows them (decimal units)."""
    if size is None:
        return "size unknown"
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


class ContainerTemplate(Template):
    """Containers the kubelet did not start: RKE1's own components, or anything else `docker run` made."""

    name = "node-container"
    scope = "node-container"
    params = (
        Param("rke", BOOL, "true: RKE1's own containers (kubelet, etcd, …); false: every other non-kubelet one", True),
        Param("drift", BOOL, "with rke: only components whose flags or binds differ from cluster.yml"),
    )
    facts = MappingProxyType(
        {
            "name": "the container's name",
            "image": "the image it was created from",
            "state": "running, exited, …",
            "restartPolicy": "Docker's restart policy (no, always, unless-stopped, on-failure)",
            "ports": "published ports, host:container",
            "mounts": "mounts, source:destination",
            "rke2": "what replaces the RKE1 component on RKE2",
            "drift": "cluster.yml extra_args/extra_binds the node does not show",
            "compared": "how the component was compared with cluster.yml",
        }
    )

    def hits(self, ctx: NodeItemContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        container: Container = ctx.item
        if container.kubelet:
            return
        component = component_of(container)
        if compiled["rke"] != (component is not None):
            return
        facts: dict[str, Any] = {
            "name": container.name,
            "image": container.image,
            "state": container.state,
            "restartPolicy": container.restart_policy,
            "ports": ", ".join(
                f"{p.host_ip + ':' if p.host_ip else ''}{p.host_port}->{p.container_port}"
                if p.host_port
                else p.container_port
                for p in container.ports
            )
            or "none",
            "mounts": ", ".join(
                f"{m.name if m.type == 'volume' and m.name else m.source}:{m.destination}" for m in container.mounts
            )
            or "none",
            "rke2": component.rke2 if component else "",
            "drift": "",
            "compared": "",
        }
        if component is not None:
            cluster = ctx.node.cluster
            if cluster is None:
                facts["compared"] = "not compared: no cluster.yml given"
            elif not component.service:
                facts["compared"] = "not configured in cluster.yml"
            else:
                differences = drift(container, component, cluster)
                facts["drift"] = "; ".join(differences)
                facts["compared"] = (
                    f"differs from cluster.yml services.{component.service}: {facts['drift']}"
                    if differences
                    else f"matches cluster.yml services.{component.service}"
                )
            if compiled.get("drift") and not facts["drift"]:
                return
        yield Hit(("containers", container.name), _short(container.image), container=_ref(container.name), facts=facts)


class LocalImageTemplate(Template):
    """Images with no repo digest (built or loaded on the node): containerd cannot pull them."""

    name = "node-local-image"
    scope = "node-image"
    params = (
        Param("used_by_pods", BOOL, "true: images that pods' containers run; false: those no pod uses", True),
        Param("policies", STR_LIST, "pull policies that make the image a failure after the switch (pods only)"),
    )
    facts = MappingProxyType(
        {
            "image": "the image's tag, or its id",
            "pods": "the pods that run it, namespace/name",
            "policy": "their imagePullPolicy, or unknown without a snapshot or live cluster",
        }
    )

    def hits(self, ctx: NodeItemContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        image: Image = ctx.item
        if not image.local_only:
            return
        label = image.repo_tags[0] if image.repo_tags else image.id
        users = [
            c
            for c in ctx.node.report.containers
            if c.kubelet and c.pod is not None and c.image_id == image.id and c.pod.container != INFRA_CONTAINER
        ]
        if not compiled["used_by_pods"]:
            if users or any(c.image_id == image.id for c in ctx.node.report.containers if c.kubelet):
                return
            yield Hit(("images", label), _short(label), facts={"image": label, "pods": "", "policy": ""})
            return
        if not users:
            return
        wanted = {p.lower() for p in compiled.get("policies") or ("IfNotPresent", "Never")}
        policies = ctx.node.pull_policies
        matched: list[tuple[str, str, str]] = []
        for c in users:
            assert c.pod is not None
            policy = (
                "unknown"
                if policies is None
                else policies.get((c.pod.namespace, c.pod.name, c.pod.container), "unknown")
            )
            if policy == "unknown" or policy.lower() in wanted:
                matched.append((c.pod.namespace, c.pod.name, policy))
        if not matched:
            return
        pods = sorted({(ns, name) for ns, name, _ in matched})
        policy_names = sorted({p for _, _, p in matched})
        yield Hit(
            ("images", label),
            _short(label),
            facts={
                "image": label,
                "pods": ", ".join(f"{ns}/{name}" for ns, name in pods),
                "policy": ", ".join(policy_names),
            },
            related=[{"kind": "Pod", "namespace": ns, "name": name} for ns, name in pods],
        )


class MountTemplate(Template):
    """Bind mounts of containers the kubelet did not start: host data no Kubernetes object knows about."""

    name = "node-mount"
    scope = "node-mount"
    params = (Param("types", STR_LIST, "mount types: bind, volume, tmpfs", True),)
    facts = MappingProxyType(
        {
            "container": "the container's name",
            "type": "bind, volume, tmpfs",
            "source": "the host path (bind) or the volume name",
            "destination": "the path inside the container",
            "readWrite": "true when mounted read-write",
        }
    )

    def hits(self, ctx: NodeItemContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        mount: Mount = ctx.item
        container: Container = ctx.extra["container"]
        if mount.type not in compiled["types"] or component_of(container) is not None:
            return
        source = mount.name if mount.type == "volume" else mount.source
        yield Hit(
            ("containers", container.name, "mounts", ctx.extra["index"]),
            _short(f"{source}:{mount.destination}"),
            container=_ref(container.name),
            facts={
                "container": container.name,
                "type": mount.type,
                "source": source,
                "destination": mount.destination,
                "readWrite": mount.read_write,
            },
        )


class VolumeTemplate(Template):
    """Named Docker volumes that a container outside Kubernetes uses, or none does: data to move by hand."""

    name = "node-volume"
    scope = "node-volume"
    facts = MappingProxyType(
        {
            "name": "the volume's name",
            "size": "its size as Docker counted it",
            "users": "the containers that mount it",
            "driver": "the volume driver",
        }
    )

    def hits(self, ctx: NodeItemContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        volume: Volume = ctx.item
        users = [c for c in ctx.node.report.containers if any(m.name == volume.name for m in c.mounts)]
        # An anonymous volume that only kubelet-started containers use comes from an image's VOLUME:
        # Kubernetes does not know it either, but it holds nothing the pod is meant to keep.
        if users and all(c.kubelet for c in users):
            return
        yield Hit(
            ("volumes", volume.name),
            _short(volume.name),
            facts={
                "name": volume.name,
                "size": size_text(volume.size),
                "users": ", ".join(c.name for c in users) or "no container",
                "driver": volume.driver,
            },
        )


class DaemonKeyTemplate(Template):
    """A key of /etc/docker/daemon.json that means something for the move to containerd."""

    name = "node-daemon-key"
    scope = "node-daemon"
    params = (
        Param("keys", STR_LIST, "daemon.json keys (a hit per key present)", True),
        Param("ignore_values", SCALAR_LIST, "values that are the default and say nothing (json-file, false)"),
    )
    facts = MappingProxyType({"key": "the daemon.json key", "value": "its value, as JSON"})

    def hits(self, ctx: NodeItemContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        config: DaemonConfig = ctx.item
        ignore = compiled.get("ignore_values") or []
        for key in compiled["keys"]:
            if key not in config.settings:
                continue
            value = config.settings[key]
            if value in ignore or value in ([], {}, "", None):
                continue
            text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
            yield Hit(
                ("daemonConfig", "settings", key),
                _short(redact(key, text)),
                facts={"key": key, "value": _short(redact(key, text))},
            )


class CertsTemplate(Template):
    """/etc/docker/certs.d/<registry>/: registry TLS files Docker reads and containerd does not."""

    name = "node-certs-d"
    scope = "node-certs"
    facts = MappingProxyType({"registry": "the registry host[:port]", "files": "the file names (never read)"})

    def hits(self, ctx: NodeItemContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        certs: CertsDir = ctx.item
        files = ", ".join(certs.files) or "no files"
        yield Hit(("certsD", certs.registry), certs.registry, facts={"registry": certs.registry, "files": files})


class AutomationTemplate(Template):
    """A cron line, systemd Exec line, rc.local line or script line that calls Docker."""

    name = "node-automation"
    scope = "node-automation"
    params = (Param("pattern", REGEX, "regular expression searched in the command", True),)
    facts = MappingProxyType(
        {
            "via": "cron, systemd, rc.local or script",
            "command": "the command, credentials redacted",
            "calledFrom": "for a script: the cron, unit or rc.local file that runs it",
        }
    )

    def hits(self, ctx: NodeItemContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        line: AutomationLine = ctx.item
        if not compiled["pattern"].search(line.command):
            return
        called = f" (run from {line.called_from})" if line.called_from else ""
        yield Hit(
            ("automation", f"{line.file}:{line.line}"),
            _short(line.command),
            facts={"via": line.via, "command": _short(line.command), "calledFrom": called},
        )


class CredentialsTemplate(Template):
    """A docker CLI config.json with registry credentials: their registries, never the secret."""

    name = "node-docker-credentials"
    scope = "node-credentials"
    facts = MappingProxyType(
        {
            "user": "whose config it is",
            "registries": "registries with credentials (auths, credHelpers)",
            "store": "where the secrets are: in the file, or a credential helper",
        }
    )

    def hits(self, ctx: NodeItemContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        config: DockerClientConfig = ctx.item
        registries = sorted(set(config.registries) | set(config.cred_helpers))
        if not registries and not config.creds_store:
            return
        stores = []
        if config.inline_auth:
            stores.append("in the file")
        stores += sorted({f"helper {h}" for h in config.cred_helpers.values()})
        if config.creds_store:
            stores.append(f"credsStore {config.creds_store}")
        yield Hit(
            ("dockerConfigs", config.user),
            ", ".join(registries) or "(credsStore only)",
            facts={
                "user": config.user,
                "registries": ", ".join(registries) or "none listed",
                "store": ", ".join(stores) or "none",
            },
        )


class EngineTemplate(Template):
    """The Engine's facts, whether it answered at all, and whether RKE accepts its version at each hop."""

    name = "node-engine"
    scope = "node-engine"
    CHECKS = ("facts", "unreachable", "rke-rejects-version")
    params = (Param("check", STR_LIST, "one of: facts, unreachable, rke-rejects-version", True),)
    facts = MappingProxyType(
        {
            "version": "the Docker Engine version",
            "storageDriver": "its storage driver",
            "cgroupDriver": "its cgroup driver",
            "cgroupVersion": "its cgroup version",
            "dataRoot": "Docker's data root",
            "error": "why the Engine API did not answer",
            "hops": "the Kubernetes minors whose RKE release does not accept this Docker line",
            "accepted": "the Docker lines RKE accepts at the first of those minors",
        }
    )

    def validate(self, params: dict[str, Any]) -> None:
        unknown = [c for c in params["check"] if c not in self.CHECKS]
        if unknown or len(params["check"]) != 1:
            raise SchemaError(f"check takes exactly one of {', '.join(self.CHECKS)}")

    def hits(self, ctx: NodeItemContext, compiled: dict[str, Any]) -> Iterator[Hit]:
        check = compiled["check"][0]
        report = ctx.node.report
        engine = report.engine
        if check == "unreachable":
            if engine is None:
                error = _short(report.engine_error or "no answer")
                yield Hit(("engineError",), error, facts={"error": error})
            return
        if engine is None:
            return
        facts = {
            "version": engine.version,
            "storageDriver": engine.storage_driver,
            "cgroupDriver": engine.cgroup_driver,
            "cgroupVersion": engine.cgroup_version,
            "dataRoot": engine.docker_root_dir,
        }
        if check == "facts":
            yield Hit(("engine", "version"), engine.version, facts=facts)
            return
        rejected = [hop for hop in ctx.node.docker_hops if hop.accepted is not None and not hop.accepted_line]
        if rejected:
            first = rejected[0]
            accepting = [h for h in ctx.node.docker_hops if h.accepted is not None and h.accepted_line]
            later = ""
            if accepting:
                since = f" with RKE {accepting[0].first_rke} or later" if accepting[0].first_rke else ""
                later = f"; accepted from Kubernetes {accepting[0].minor}{since}"
            facts["hops"] = ", ".join(h.minor for h in rejected)
            facts["accepted"] = ", ".join(first.accepted or ()) + later
            yield Hit(("engine", "version"), engine.version, facts=facts)


NODE_TEMPLATES: tuple[Template, ...] = (
    ContainerTemplate(),
    LocalImageTemplate(),
    MountTemplate(),
    VolumeTemplate(),
    DaemonKeyTemplate(),
    CertsTemplate(),
    AutomationTemplate(),
    CredentialsTemplate(),
    EngineTemplate(),
)
