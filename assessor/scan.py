"""The pipeline in one place: source result → inventory → rules engine → findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from assessor.engine.evaluate import Engine
from assessor.engine.rules import Rule, load_rules
from assessor.findings import Finding, Severity
from assessor.gcpause import paused_gc
from assessor.inventory.build import Inventory, build_inventory
from assessor.objects import K8sObject
from assessor.sources.result import SourceResult
from assessor.suppress import BaselineEntry, apply_annotations, apply_baseline


@dataclass(slots=True)
class ScanResult:
    source: SourceResult
    inventory: Inventory
    findings: list[Finding]
    rules: list[Rule]

    @property
    def usable(self) -> bool:
        """False when no Kubernetes object at all could be read: the only input error that is exit 2."""
        return bool(self.source.objects)

    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]

    def worst(self) -> Severity | None:
        active = self.active()
        return max((f.severity for f in active), default=None)


def scan(
    source: SourceResult,
    rules: list[Rule] | None = None,
    baseline: list[BaselineEntry] | None = None,
    baseline_name: str = "baseline",
    today: dt.date | None = None,
) -> ScanResult:
    rule_list = rules if rules is not None else load_rules()
    with paused_gc():
        inventory = build_inventory(source.objects, source.problems)
        findings = Engine(rule_list).evaluate(inventory)
        apply_annotations(findings, _annotated_objects(inventory))
        if baseline:
            apply_baseline(findings, baseline, source.problems, baseline_name, today or dt.date.today())
    return ScanResult(source, inventory, findings, rule_list)


def _annotated_objects(inv: Inventory) -> dict[tuple[str, str, str], tuple[K8sObject, Any]]:
    """Every object a finding can name, with the path of its pod spec (for pod template annotations)."""
    out: dict[tuple[str, str, str], tuple[K8sObject, Any]] = {}
    for w in inv.workloads:
        out[(w.obj.kind, w.obj.namespace or "", w.obj.name)] = (w.obj, w.pod.path)
    for obj in (*inv.nodes, *inv.configmaps):
        out[(obj.kind, obj.namespace or "", obj.name)] = (obj, None)
    return out
