"""The pipeline in one place: source result → inventory → rules engine → findings."""

from __future__ import annotations

from dataclasses import dataclass

from assessor.engine.evaluate import Engine
from assessor.engine.rules import Rule, load_rules
from assessor.findings import Finding, Severity
from assessor.inventory.build import Inventory, build_inventory
from assessor.sources.result import SourceResult


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


def scan(source: SourceResult, rules: list[Rule] | None = None) -> ScanResult:
    rule_list = rules if rules is not None else load_rules()
    inventory = build_inventory(source.objects, source.problems)
    findings = Engine(rule_list).evaluate(inventory)
    return ScanResult(source, inventory, findings, rule_list)
