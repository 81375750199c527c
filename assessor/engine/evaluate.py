"""Run every rule over the inventory once and turn hits into findings."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from assessor.engine.conditions import holds
from assessor.engine.context import (
    ConfigMapContext,
    NodeContext,
    ObjectContext,
    WorkloadContext,
    configmap_names,
)
from assessor.engine.registry import TEMPLATES
from assessor.engine.rke_templates import RkeContext
from assessor.engine.rules import Rule
from assessor.engine.templates import Context, Hit, Template
from assessor.inventory.build import Inventory, Workload
from assessor.model.findings import Finding, Severity
from assessor.model.kversion import Minor
from assessor.model.objects import K8sObject
from assessor.model.origin import Origin, format_path


class _Format(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


class Engine:
    def __init__(self, rules: list[Rule], target: Minor | None = None) -> None:
        self.rules = rules
        self.target = target
        # Parameters are compiled once, not once per object.
        self._compiled = {rule.id: TEMPLATES[rule.template].compile(rule.params) for rule in rules}
        self._by_target: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            self._by_target[TEMPLATES[rule.template].target].append(rule)
        # the same rules grouped by template, so a template's relevant() is asked once per subject
        self._groups: dict[str, list[tuple[Template, list[Rule]]]] = {}
        for subject, target_rules in self._by_target.items():
            by_template: dict[str, list[Rule]] = defaultdict(list)
            for rule in target_rules:
                by_template[rule.template].append(rule)
            self._groups[subject] = [(TEMPLATES[name], group) for name, group in by_template.items()]

    def evaluate(self, inv: Inventory) -> list[Finding]:
        findings: list[Finding] = []
        configmaps = {(cm.namespace or "", cm.name): cm for cm in inv.configmaps}
        for workload in inv.workloads:
            findings.extend(self._run("workload", WorkloadContext(workload, configmaps), workload.obj, workload))
        users = configmap_users(inv.workloads)
        for cm in inv.configmaps:
            cm_ctx = ConfigMapContext(cm, users.get((cm.namespace or "", cm.name), []))
            findings.extend(self._run("configmap", cm_ctx, cm, None))
        pods_by_node: dict[str, list[K8sObject]] = defaultdict(list)
        for pod in inv.pods:
            spec = pod.raw.get("spec")
            node_name = spec.get("nodeName") if isinstance(spec, dict) else None
            if isinstance(node_name, str):
                pods_by_node[node_name].append(pod)
        for node in inv.nodes:
            findings.extend(self._run("node", NodeContext(node, pods_by_node.get(node.name, [])), node, None))
        if self._by_target.get("object"):
            workloads = {id(w.obj): w for w in inv.workloads}
            for obj in inv.objects:
                owning = workloads.get(id(obj))
                ctx_obj = ObjectContext(obj, owning.pod.path if owning else None, self.target)
                findings.extend(self._run("object", ctx_obj, obj, owning))
        findings.sort(key=Finding.sort_key)
        return findings

    def evaluate_rke(self, ctx: RkeContext, subject: dict[str, Any], origin: Origin) -> list[Finding]:
        """cluster.yml checks and upgrade-plan findings; subject names what they are about."""
        out: list[Finding] = []
        for target in ("rke", "hop-path"):
            for rule in self._by_target.get(target, ()):
                for hit in TEMPLATES[rule.template].hits(ctx, self._compiled[rule.id]):
                    severity, reason = self._severity(rule, hit, ctx)
                    if severity is not None:
                        out.append(self._finding(rule, hit, K8sObject(subject, origin), None, severity, reason))
        out.sort(key=Finding.sort_key)
        return out

    def evaluate_forecast(self, contexts: list[Any]) -> list[tuple[Any, Finding, dict[str, Any]]]:
        """Forecast rules over each workload's traffic context: (context, finding, facts of the hit)."""
        out = []
        for ctx in contexts:
            workload = ctx.traffic.workload
            for rule in self._by_target.get("forecast", ()):
                for hit in TEMPLATES[rule.template].hits(ctx, self._compiled[rule.id]):
                    severity, reason = self._severity(rule, hit, ctx)
                    if severity is not None:
                        finding = self._finding(rule, hit, workload.obj, workload, severity, reason)
                        out.append((ctx, finding, hit.facts))
        return out

    def _run(self, target: str, ctx: Context, obj: K8sObject, workload: Workload | None) -> list[Finding]:
        out = []
        for template, group in self._groups.get(target, ()):
            if not template.relevant(ctx):
                continue
            for rule in group:
                for hit in template.hits(ctx, self._compiled[rule.id]):
                    severity, reason = self._severity(rule, hit, ctx)
                    if severity is None:
                        continue
                    out.append(self._finding(rule, hit, obj, workload, severity, reason))
        return out

    @staticmethod
    def _severity(rule: Rule, hit: Hit, ctx: Context) -> tuple[Severity | None, str | None]:
        for adjust in rule.adjust:
            if holds(adjust.when, hit, ctx):
                return adjust.severity, adjust.reason
        return rule.severity, None

    @staticmethod
    def _finding(
        rule: Rule,
        hit: Hit,
        obj: K8sObject,
        workload: Workload | None,
        severity: Severity,
        reason: str | None,
    ) -> Finding:
        path = format_path(hit.path)
        values = _Format(hit.facts)
        values.update(value=hit.value, path=path, container=hit.container.name if hit.container else "")
        message = rule.message.format_map(values) if rule.message else f"{path}: {hit.value}"
        if reason:
            message = f"{message} ({reason})"
        if hit.related:
            users = ", ".join(
                f"{r['kind']} {r['namespace'] + '/' if r.get('namespace') else ''}{r['name']}" for r in hit.related
            )
            message = f"{message}; used by {users}"
        location = {
            "file": obj.origin.file,
            "line": obj.origin.line_of(hit.path, hit.value_line),
        }
        if obj.origin.rendered_from:
            location["renderedFrom"] = obj.origin.rendered_from
        return Finding(
            rule_id=rule.id,
            slug=rule.slug,
            category=rule.category,
            severity=severity,
            title=rule.title,
            message=message,
            remediation=rule.remediation,
            docs=rule.docs,
            object=obj.ref(),
            location=location,
            evidence_path=path,
            evidence_value=hit.value,
            container=hit.container.name if hit.container else None,
            owner=workload.owner if workload else None,
            related=hit.related,
        )


def configmap_users(workloads: list[Workload]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Which workloads mount or read each ConfigMap, keyed by (namespace, name)."""
    users: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for w in workloads:
        ref = {"kind": w.obj.kind, "namespace": w.obj.namespace, "name": w.obj.name}
        for name in sorted(configmap_names(w)):
            users[(w.obj.namespace or "", name)].append(ref)
    return users
