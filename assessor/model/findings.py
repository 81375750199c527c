"""Findings: what a rule found, on which object, with the evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    info = 0
    low = 1
    medium = 2
    high = 3
    critical = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use one of {', '.join(s.name for s in cls)})") from None


# The category vocabulary (docs/categories.md explains each one).
CATEGORIES: dict[str, str] = {
    "docker-socket": "Docker Engine API socket mounted or addressed",
    "dockershim-socket": "dockershim CRI socket, gone with Kubernetes 1.24",
    "cri-socket": "containerd or CRI-O socket: runtime-neutral, listed for the inventory",
    "runtime-dir-mount": "a directory that holds runtime sockets (/var/run, /run, /) mounted from the host",
    "docker-data-dir": "Docker's data root /var/lib/docker mounted from the host",
    "docker-log-path": "container logs read from /var/lib/docker/containers",
    "docker-log-format": "a log pipeline that parses Docker's json-file format instead of CRI lines",
    "docker-cli": "the docker CLI, or the Docker service, invoked",
    "docker-host-env": "DOCKER_HOST or a similar variable points at the host's Docker daemon",
    "docker-in-docker": "a private Docker daemon inside the pod (portable, needs privileges)",
    "docker-api-config": "configuration that talks to the Docker API (service discovery, metrics)",
    "docker-registry-config": "registry and mirror settings kept in Docker's own files",
    "docker-runtime-internals": "paths internal to dockerd or dockershim",
    "docker-seccomp": "the deprecated docker/default seccomp profile name",
    "docker-labels": "Docker container labels used as selectors",
    "vendor-agent": "a monitoring or security agent whose Docker mode needs changing",
    "node-runtime": "nodes running Docker Engine through dockershim",
    "kubelet-flags": "kubelet flags removed with dockershim",
    "removed-api": "an API version that a Kubernetes minor on the way removes",
    "upgrade-path": "what blocks or changes a hop on the way to the target version",
    "rke-config": "RKE1 cluster.yml settings that matter for the upgrade or the move to RKE2",
    "disruption-risk": "a workload forecast to drop requests while its nodes are switched",
    "suppression": "a suppression that is itself wrong (no reason)",
}

# Workloads and configuration that depend on Docker Engine itself: these must be fixed before the switch.
# (Not node-runtime, upgrade-path, rke-config or disruption-risk, which are about the cluster and the plan.)
DOCKER_DEPENDENCY_CATEGORIES = frozenset(
    {
        "docker-socket",
        "dockershim-socket",
        "runtime-dir-mount",
        "docker-data-dir",
        "docker-log-path",
        "docker-log-format",
        "docker-cli",
        "docker-host-env",
        "docker-api-config",
        "docker-registry-config",
        "docker-runtime-internals",
        "docker-seccomp",
        "docker-labels",
        "vendor-agent",
        "kubelet-flags",
    }
)

_SECRETISH = re.compile(r"(?i)pass(word)?|secret|token|api[-_]?key|credential|private[-_]?key")


def redact(name: str, value: str) -> str:
    """Never print a value whose name says it is a secret."""
    return "<redacted>" if _SECRETISH.search(name) else value


@dataclass(slots=True)
class Finding:
    rule_id: str
    slug: str
    category: str
    severity: Severity
    title: str
    message: str
    remediation: str
    docs: str
    object: dict[str, Any]
    location: dict[str, Any]
    evidence_path: str
    evidence_value: str
    container: str | None = None
    owner: dict[str, Any] | None = None
    related: list[dict[str, Any]] = field(default_factory=list)
    suppressed: dict[str, Any] | None = None

    def sort_key(self) -> tuple[Any, ...]:
        o = self.object
        return (
            -self.severity,
            self.rule_id,
            o.get("namespace") or "",
            o.get("kind") or "",
            o.get("name") or "",
            self.container or "",
            self.evidence_path,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleId": self.rule_id,
            "rule": self.slug,
            "category": self.category,
            "severity": self.severity.name,
            "title": self.title,
            "message": self.message,
            "evidence": {"path": self.evidence_path, "value": self.evidence_value},
            "remediation": self.remediation,
            "docs": self.docs,
            "object": self.object,
            "container": self.container,
            "owner": self.owner,
            "location": self.location,
            "related": self.related,
            "suppressed": self.suppressed is not None,
            "suppression": self.suppressed,
        }
