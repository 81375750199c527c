"""Node reports as engine contexts: one context per thing a finding can name.

A finding names the node ({kind: Node, name}) and, through its evidence path, the container,
image, volume or file concerned. Its location names a host file (and a line) only where the
evidence is one: an automation line, daemon.json, certs.d, a client config. Facts read from
the Engine API have no file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from assessor.model.objects import K8sObject
from assessor.model.origin import Origin
from assessor.model.rke import RkeConfig
from assessor.nodes.facts import (
    AutomationLine,
    CertsDir,
    Container,
    DockerClientConfig,
    Image,
    Mount,
    NodeReport,
    Volume,
)

SCOPES = (
    "node-container",
    "node-image",
    "node-mount",
    "node-volume",
    "node-daemon",
    "node-certs",
    "node-automation",
    "node-credentials",
    "node-engine",
)

PodKey = tuple[str, str, str]  # namespace, pod, container


@dataclass(frozen=True, slots=True)
class HopDocker:
    """Whether RKE at one Kubernetes minor of the hop path accepts the node's Docker line."""

    minor: str
    accepted: tuple[str, ...] | None  # None: the version data has no entry for this minor
    accepted_line: bool = True  # the node's Docker line is among `accepted`
    first_rke: str = ""  # the first RKE release that accepts this Docker line, when the data says


@dataclass(slots=True)
class NodeFacts:
    """One node's report with what the rest of the scan knows about it."""

    report: NodeReport
    file: str | None = None  # the node file it was read from (None: collected just now)
    cluster: RkeConfig | None = None
    pull_policies: Mapping[PodKey, str] | None = None  # from a snapshot or live cluster; None: not given
    docker_hops: tuple[HopDocker, ...] = ()
    kubernetes_minor: str = ""  # of the node, as its kubelet image or cluster.yml says

    @property
    def name(self) -> str:
        return self.report.hostname.lower() or "unknown-node"


@dataclass(slots=True)
class NodeItemContext:
    """One item of a node report, in the scope of the templates that look at that kind of item."""

    node: NodeFacts
    scope: str
    item: Any
    subject: K8sObject
    extra: dict[str, Any] = field(default_factory=dict)
    owner: None = None


def node_object(name: str, file: str | None = None, line: int | None = None) -> K8sObject:
    return K8sObject({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}, Origin(file=file, line=line))


def node_contexts(facts: NodeFacts) -> Iterator[NodeItemContext]:
    report = facts.report
    plain = node_object(facts.name)

    def ctx(scope: str, item: Any, subject: K8sObject = plain, **extra: Any) -> NodeItemContext:
        return NodeItemContext(facts, scope, item, subject, dict(extra))

    yield ctx("node-engine", report.engine)
    for container in report.containers:
        yield ctx("node-container", container)
        if not container.kubelet:
            for index, mount in enumerate(container.mounts):
                yield ctx("node-mount", mount, container=container, index=index)
    for image in report.images:
        yield ctx("node-image", image)
    for volume in report.volumes:
        yield ctx("node-volume", volume)
    if report.daemon_config is not None:
        yield ctx("node-daemon", report.daemon_config, node_object(facts.name, report.daemon_config.path))
    for certs in report.certs_d:
        yield ctx("node-certs", certs, node_object(facts.name, f"/etc/docker/certs.d/{certs.registry}/"))
    for line in report.automation:
        yield ctx("node-automation", line, node_object(facts.name, line.file, line.line))
    for config in report.docker_configs:
        yield ctx("node-credentials", config, node_object(facts.name, config.path))


# Re-exported for the templates' type hints.
__all__ = [
    "AutomationLine",
    "CertsDir",
    "Container",
    "DockerClientConfig",
    "HopDocker",
    "Image",
    "Mount",
    "NodeFacts",
    "NodeItemContext",
    "Volume",
    "node_contexts",
    "node_object",
]
