"""Versions in the pipeline: where the cluster stands, the hop plan, and the findings both give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessor.engine.evaluate import evaluate
from assessor.engine.rules import Rule
from assessor.engine.template import Context
from assessor.inventory.build import Inventory
from assessor.model.findings import Finding
from assessor.model.kversion import KubeVersion, Minor, VersionError
from assessor.model.objects import K8sObject
from assessor.model.origin import Origin
from assessor.model.problems import Problems
from assessor.model.rke import RkeConfig
from assessor.rke.templates import RkeContext
from assessor.versions.apis import api_uses
from assessor.versions.current import CurrentState, current_from_cluster
from assessor.versions.hoppath import HopPath, build_hop_path
from assessor.versions.matrix import Matrix, load_matrix
from assessor.versions.templates import HopPathContext


@dataclass(slots=True)
class VersionInputs:
    config: RkeConfig | None = None
    rke_version: str | None = None
    target: Minor | None = None
    server_version: str | None = None
    direct: bool = False  # the user means to set kubernetes_version to the target in one edit (--direct)


def current_state(
    matrix: Matrix, inputs: VersionInputs, inventory: Inventory | None, problems: Problems
) -> CurrentState:
    nodes = inventory.nodes if inventory else []
    state = (
        current_from_cluster(nodes, inputs.server_version, problems)
        if nodes or inputs.server_version
        else CurrentState()
    )
    state.rke = inputs.rke_version
    state.config = inputs.config
    if inputs.config is not None:
        state.distribution = "rke1"
        configured = inputs.config.kubernetes_version
        if configured is None and inputs.rke_version:
            release = matrix.release(inputs.rke_version)
            if release is None:
                problems.error(inputs.config.path, f"--rke-version {inputs.rke_version} is not in the bundled RKE data")
            else:
                configured = release.default.text
                problems.note(
                    inputs.config.path, f"kubernetes_version not set: RKE {release.version} defaults to {configured}"
                )
        elif configured is None:
            problems.note(
                inputs.config.path,
                "kubernetes_version not set and no --rke-version: the current version "
                "is unknown unless the cluster says it",
            )
        if configured is not None:
            try:
                version = KubeVersion.parse(configured)
            except VersionError as exc:
                problems.error(
                    inputs.config.path, f"kubernetes_version: {exc}", inputs.config.line(("kubernetes_version",))
                )
                version = None
            if version is not None and state.kubernetes is None:
                state.kubernetes, state.kubernetes_from = version, "cluster.yml"
    return state


def assess_versions(
    rules: list[Rule],
    inputs: VersionInputs,
    inventory: Inventory | None,
    problems: Problems,
    objects: list[K8sObject] | None = None,
) -> tuple[HopPath, list[Finding]]:
    matrix = load_matrix()
    state = current_state(matrix, inputs, inventory, problems)
    # The default target is the same in every command (build_hop_path): never cluster.yml's
    # kubernetes_version, which is an edit to judge (UPG001), not a destination.
    target = inputs.target
    uses = api_uses(inventory) if inventory is not None and inventory.objects is objects else None
    plan = build_hop_path(matrix, state, target, objects, inputs.direct, uses)
    # Without cluster objects nothing is known about workloads: say "unknown", not "none".
    known = inventory if inventory is not None and inventory.objects else None
    if inputs.config is not None:
        name = str(inputs.config.get("cluster_name") or "local")
        subject: dict[str, Any] = {"apiVersion": "rke.cattle.io/v1", "kind": "RKECluster", "metadata": {"name": name}}
    else:  # no cluster.yml: the findings are about the scanned cluster as a whole, not an RKE object
        subject = {"apiVersion": "", "kind": "Cluster", "metadata": {"name": "scanned cluster"}}
    origin = inputs.config.origin if inputs.config else Origin()
    cluster = K8sObject(subject, origin)
    contexts: list[Context] = [RkeContext(inputs.config, plan.target, known, cluster), HopPathContext(plan, cluster)]
    findings = evaluate(rules, contexts)
    return plan, findings
