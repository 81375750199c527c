"""Node reports into the scan: read node files, give each what the cluster and the version data know, evaluate.

Sits above the catalog and the version data (the hop path's Docker acceptance comes from
versions.matrix) and below scan, which merges the findings into the one result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assessor.engine.evaluate import evaluate
from assessor.engine.rules import Rule
from assessor.model.findings import Finding
from assessor.model.kversion import DockerVersion, Minor, VersionError
from assessor.model.objects import K8sObject
from assessor.model.rke import RkeConfig
from assessor.nodecheck.context import HopDocker, NodeFacts, PodKey, node_contexts
from assessor.nodes.facts import NodeFileError, NodeReport
from assessor.sources.readlimit import InputRefused, read_bounded
from assessor.versions.matrix import Matrix

MAX_NODE_FILE = 32 * 1024 * 1024  # the collector caps each Engine answer at 32 MiB; a node file is far smaller
MAX_NODE_FILES = 5000
_KUBELET_IMAGE = re.compile(r"[:@]v?(\d+\.\d+)\.\d+")


class NodeDirError(ValueError):
    """A --nodes directory or one of its files that cannot be used (one line naming the file and field)."""


@dataclass(slots=True)
class NodeInput:
    """One node report, with the file it came from (None when collected in this run)."""

    report: NodeReport
    file: str | None = None


@dataclass(slots=True)
class NodeScan:
    inputs: list[NodeInput] = field(default_factory=list)
    facts: list[NodeFacts] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def read_node_file(path: Path) -> NodeReport:
    """One node JSON file, read bounded (regular files only) and checked field by field."""
    try:
        data = read_bounded(path, MAX_NODE_FILE, "a node report")
    except OSError as exc:  # InputRefused says why in one line; others are the system's reason
        raise NodeDirError(f"{path}: {exc if isinstance(exc, InputRefused) else exc.strerror or exc}") from None
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NodeDirError(f"{path}: not JSON: {exc}") from None
    except RecursionError:
        raise NodeDirError(f"{path}: not JSON: nested too deeply") from None
    if isinstance(parsed, dict) and parsed.get("kind") == "Assessment":
        # `assess node -o json` output: its `node` section is the report
        node = parsed.get("node")
        if not isinstance(node, dict):
            raise NodeDirError(f"{path}: an assess document without a node section (not from assess node)")
        parsed = {"source": {"type": "node"}, **node}
    try:
        return NodeReport.from_dict(parsed)
    except NodeFileError as exc:
        raise NodeDirError(f"{path}: {exc}") from None


def read_node_dir(directory: Path) -> list[NodeInput]:
    """Every *.json in the directory (not below it), sorted by name; an unusable one stops the run."""
    if not directory.is_dir():
        raise NodeDirError(f"{directory}: not a directory")
    try:
        names = sorted(p for p in directory.iterdir() if p.suffix == ".json")
    except OSError as exc:
        raise NodeDirError(f"{directory}: cannot list: {exc.strerror or exc}") from None
    if len(names) > MAX_NODE_FILES:
        raise NodeDirError(f"{directory}: more than {MAX_NODE_FILES} node files")
    if not names:
        raise NodeDirError(f"{directory}: no node files (*.json) in it")
    inputs = [NodeInput(read_node_file(path), str(path)) for path in names]
    seen: dict[str, str] = {}
    for item in inputs:
        name = item.report.hostname.lower()
        if name in seen:
            raise NodeDirError(f"{item.file}: hostname: {name} is also the node of {seen[name]}")
        seen[name] = str(item.file)
    return inputs


def pull_policies(objects: Iterable[K8sObject]) -> dict[PodKey, str]:
    """(namespace, pod, container) → imagePullPolicy of every Pod the snapshot or cluster holds."""
    out: dict[PodKey, str] = {}
    for obj in objects:
        if obj.kind != "Pod":
            continue
        spec = obj.raw.get("spec")
        if not isinstance(spec, dict):
            continue
        for list_name in ("initContainers", "containers"):
            containers = spec.get(list_name)
            for c in containers if isinstance(containers, list) else []:
                if not isinstance(c, dict) or not c.get("name"):
                    continue
                policy = c.get("imagePullPolicy")
                if not isinstance(policy, str) or not policy:
                    image = str(c.get("image") or "")
                    # Kubernetes' default: Always for :latest or no tag, else IfNotPresent.
                    tagged = ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest")
                    policy = "IfNotPresent" if tagged or "@" in image else "Always"
                out[(obj.namespace or "", obj.name, str(c["name"]))] = policy
    return out


def node_minor(report: NodeReport, cluster: RkeConfig | None) -> Minor | None:
    """The node's Kubernetes minor: its kubelet container's image tag, else cluster.yml's kubernetes_version."""
    for container in report.containers:
        if container.name == "kubelet" and not container.kubelet:
            match = _KUBELET_IMAGE.search(container.image)
            if match:
                return Minor.parse(match.group(1))
    if cluster is not None and cluster.kubernetes_version:
        try:
            return Minor.parse(cluster.kubernetes_version)
        except VersionError:
            return None
    return None


def docker_hops(report: NodeReport, current: Minor | None, target: Minor, matrix: Matrix) -> tuple[HopDocker, ...]:
    """For each RKE1 minor from the node's to the target: does RKE accept the node's Docker line there?"""
    if report.engine is None or current is None:
        return ()
    try:
        line = DockerVersion.parse(report.engine.version).line
    except VersionError:
        return ()
    last = min(target, matrix.newest_rke1_minor())
    hops = []
    minor = current
    while minor <= last:
        accepted = matrix.docker_lines_for(minor)
        hops.append(
            HopDocker(
                minor=str(minor),
                accepted=tuple(accepted) if accepted is not None else None,
                accepted_line=accepted is None or line in accepted,
                first_rke=matrix.docker_first_rke.get(line, ""),
            )
        )
        minor = minor.next()
    return tuple(hops)


def scan_nodes(
    rules: Sequence[Rule],
    inputs: Sequence[NodeInput],
    matrix: Matrix,
    target: Minor,
    cluster: RkeConfig | None = None,
    objects: Sequence[K8sObject] | None = None,
) -> NodeScan:
    policies = pull_policies(objects) if objects else None
    facts = []
    for item in inputs:
        minor = node_minor(item.report, cluster)
        facts.append(
            NodeFacts(
                report=item.report,
                file=item.file,
                cluster=cluster,
                pull_policies=policies,
                docker_hops=docker_hops(item.report, minor, target, matrix),
                kubernetes_minor=str(minor) if minor else "",
            )
        )
    findings = evaluate(rules, (ctx for f in facts for ctx in node_contexts(f)))
    return NodeScan(list(inputs), facts, findings)
