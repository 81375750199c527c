"""The disruption forecast: run the forecast rules per workload and sum them up per workload and node."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessor.engine.evaluate import evaluate
from assessor.engine.rules import Rule
from assessor.engine.template import Context, Hit
from assessor.inventory.build import Inventory
from assessor.migration.forecast_templates import ForecastContext
from assessor.migration.strategy import Strategy
from assessor.migration.traffic import workload_traffic
from assessor.model.findings import Finding, Severity


@dataclass(slots=True)
class Prediction:
    workload: dict[str, Any]
    risk: Severity
    windows: dict[str, float] = field(default_factory=dict)  # node → estimated seconds of errors
    reasons: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "risk": self.risk.name,
            "errorWindows": [{"node": n, "seconds": s} for n, s in sorted(self.windows.items())],
            "reasons": self.reasons,
            "fixes": self.fixes,
            "rules": self.rules,
        }


def forecast(rules: list[Rule], inventory: Inventory, strategy: Strategy) -> tuple[list[Prediction], list[Finding]]:
    contexts = [ForecastContext(t, strategy) for t in workload_traffic(inventory) if t.serves]
    results: list[tuple[ForecastContext, Finding, dict[str, Any]]] = []

    def observe(ctx: Context, finding: Finding, hit: Hit) -> None:
        if isinstance(ctx, ForecastContext):  # the only contexts given below
            results.append((ctx, finding, hit.facts))

    evaluate(rules, contexts, observe)
    by_workload: dict[int, Prediction] = {}
    findings = []
    for ctx, finding, facts in results:
        findings.append(finding)
        if finding.severity <= Severity.info:
            continue
        key = id(ctx.traffic.workload)
        pred = by_workload.get(key)
        if pred is None:
            obj = ctx.traffic.workload.obj
            pred = by_workload[key] = Prediction(
                {"kind": obj.kind, "namespace": obj.namespace, "name": obj.name}, finding.severity
            )
        pred.risk = max(pred.risk, finding.severity)
        for node, seconds in (facts.get("windows") or {}).items():
            pred.windows[node] = max(pred.windows.get(node, 0.0), seconds)
        pred.reasons.append(finding.message)
        if finding.remediation not in pred.fixes:
            pred.fixes.append(finding.remediation)
        pred.rules.append(finding.rule_id)
    predictions = sorted(
        by_workload.values(), key=lambda p: (-p.risk, p.workload["namespace"] or "", p.workload["name"])
    )
    return predictions, findings


def recommend(in_place: list[Prediction], cni_change: bool) -> tuple[str, list[str]]:
    """Blue/green when the in-place switch is forecast to drop requests (or must change CNI)."""
    reasons = []
    risky = [p for p in in_place if p.risk >= Severity.high]
    for p in risky:
        windows = len(p.windows)
        where = f", {windows} error window(s)" if windows else ""
        reasons.append(
            f"{p.workload['kind']} {p.workload['namespace'] + '/' if p.workload['namespace'] else ''}"
            f"{p.workload['name']}: {p.risk.name}{where}"
        )
    if cni_change:
        reasons.append("the CNI has no RKE2 equivalent, and a CNI cannot change on a running cluster")
    if reasons:
        return "blue-green", [
            "switching nodes in place would drop requests: " + "; ".join(reasons),
            "a new RKE2 cluster takes traffic only when it is ready, and the old one stays for rollback",
            "alternative: in place, taking each node out of the load balancer before its switch",
        ]
    return "in-place", [
        "no workload that takes traffic is forecast to drop requests when nodes are switched one at a time",
        "in place reuses the machines and keeps node names; blue/green remains the fallback",
    ]
