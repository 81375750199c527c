"""The pipeline in one place: source result → inventory → rules engine → findings (+ versions)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assessor.catalog import bundled_rules
from assessor.docker.context import DEFAULT_DESTINATION, inventory_contexts
from assessor.engine.evaluate import evaluate
from assessor.engine.rules import Rule
from assessor.inventory.build import Inventory, build_inventory
from assessor.model.findings import Finding, Severity
from assessor.model.kversion import Minor
from assessor.model.objects import K8sObject
from assessor.model.rke import RkeConfig
from assessor.nodescan import NodeInput, NodeScan, scan_nodes
from assessor.sources.helm import template_line
from assessor.sources.result import SourceResult
from assessor.suppress import BaselineEntry, apply_annotations, apply_baseline
from assessor.versions.assessment import VersionInputs, assess_versions
from assessor.versions.hoppath import HopPath
from assessor.versions.matrix import load_matrix

if TYPE_CHECKING:  # the planner is imported only by a scan that plans (start-up of the others)
    from assessor.migration.build import MigrationOptions, MigrationPlan


@dataclass(slots=True)
class ScanOptions:
    target: Minor | None = None  # None: the newest minor in the bundled RKE1 data
    versions: VersionInputs | None = None  # set: build the version section and the hop plan
    plan: MigrationOptions | None = None  # set (with versions.config): the RKE2 migration plan and forecast
    baseline: list[BaselineEntry] = field(default_factory=list)
    baseline_name: str = "baseline"
    today: dt.date | None = None
    nodes: list[NodeInput] | None = None  # node reports (assess node, --nodes DIR): their findings merge in
    node_cluster: RkeConfig | None = None  # cluster.yml to compare the nodes with, when versions has none
    destination: str = DEFAULT_DESTINATION  # the runtime the nodes move to: rke2 or containerd


@dataclass(slots=True)
class ScanResult:
    source: SourceResult
    inventory: Inventory
    findings: list[Finding]
    rules: list[Rule]
    versions: HopPath | None = None
    plan: MigrationPlan | None = None
    target: Minor | None = None  # what the scan checked against (the same default in every command)
    target_given: bool = False  # --target, rather than the default
    destination: str = DEFAULT_DESTINATION
    nodes: NodeScan | None = None

    @property
    def usable(self) -> bool:
        """False when nothing at all could be read: the only input error that is exit 2."""
        return (
            bool(self.source.objects) or self.source.kind in ("rke", "node") or bool(self.nodes and self.nodes.inputs)
        )

    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]

    def worst(self) -> Severity | None:
        active = self.active()
        return max((f.severity for f in active), default=None)


def scan(
    source: SourceResult,
    rules: list[Rule] | None = None,
    options: ScanOptions | None = None,
    *,
    baseline: list[BaselineEntry] | None = None,
    today: dt.date | None = None,
) -> ScanResult:
    opts = options or ScanOptions()
    if baseline:
        opts.baseline = baseline
    if today:
        opts.today = today
    rule_list = rules if rules is not None else bundled_rules()
    matrix = load_matrix()
    target = opts.target or matrix.newest_rke1_minor()
    removal_kinds = frozenset(r.kind for r in matrix.api_removals)
    inventory = build_inventory(source.objects, source.problems, removal_kinds)
    whole_cluster = source.kind in ("cluster", "snapshot") and source.complete
    contexts = inventory_contexts(inventory, target, destination=opts.destination, whole_cluster=whole_cluster)
    findings = evaluate(rule_list, contexts)
    _locate_templates(findings)
    plan = None
    if opts.versions is not None:
        inputs = opts.versions
        inputs.target = opts.target
        plan, version_findings = assess_versions(rule_list, inputs, inventory, source.problems, source.objects)
        findings.extend(version_findings)
    nodes = None
    if opts.nodes is not None:
        config = opts.versions.config if opts.versions is not None and opts.versions.config else opts.node_cluster
        nodes = scan_nodes(rule_list, opts.nodes, matrix, target, config, source.objects)
        findings.extend(nodes.findings)
    migration = None
    if opts.plan is not None and opts.versions is not None and opts.versions.config is not None:
        from assessor.migration.build import build_migration_plan

        migration, forecast_findings = build_migration_plan(
            rule_list, opts.versions.config, inventory, plan, findings, opts.plan
        )
        findings.extend(forecast_findings)
    apply_annotations(findings, _annotated_objects(inventory, findings))
    if opts.baseline:
        apply_baseline(findings, opts.baseline, source.problems, opts.baseline_name, opts.today or dt.date.today())
    findings.sort(key=Finding.sort_key)
    checked = plan.target if plan is not None and plan.target is not None else target
    return ScanResult(
        source,
        inventory,
        findings,
        rule_list,
        plan,
        migration,
        checked,
        opts.target is not None,
        opts.destination,
        nodes,
    )


_LAST_KEY = re.compile(r"(?:^|\.)([A-Za-z_][\w-]*)$")


def _locate_templates(findings: list[Finding]) -> None:
    """Give the chart template of helm output a line where the evidence is written literally."""
    for f in findings:
        template = f.location.get("template")
        if isinstance(template, dict) and template.get("file"):
            # a ConfigMap's evidence is a line of its data; anything else is the value of a field
            last = _LAST_KEY.search(f.evidence_path)
            key = last.group(1) if last and not f.evidence_path.startswith("data") else None
            line = template_line(f.location.get("file"), str(template["file"]), f.evidence_value, key)
            if line is not None:
                template["line"] = line


def _annotated_objects(inv: Inventory, findings: list[Finding]) -> dict[tuple[str, str, str], tuple[K8sObject, Any]]:
    """Every object a finding names, with the path of its pod spec (for pod template annotations).

    Only objects that findings name are keyed: there are few findings and, in a big cluster,
    hundreds of thousands of objects.
    """
    wanted = {
        (str(f.object.get("kind")), str(f.object.get("namespace") or ""), str(f.object.get("name"))) for f in findings
    }
    names = {key[2] for key in wanted}
    out: dict[tuple[str, str, str], tuple[K8sObject, Any]] = {}
    for obj in inv.objects:
        if obj.name in names and (key := (obj.kind, obj.namespace or "", obj.name)) in wanted:
            out[key] = (obj, None)
    for w in inv.workloads:
        if w.obj.name in names and (key := (w.obj.kind, w.obj.namespace or "", w.obj.name)) in wanted:
            out[key] = (w.obj, w.pod.path)
    return out
