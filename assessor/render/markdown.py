"""Markdown for pull-request comments and change reviews."""

from __future__ import annotations

from typing import Any

from assessor.render.common import (
    active_findings,
    by_severity,
    coverage_lines,
    destination_label,
    group_rows,
    rules_seen,
    source_label,
    target_label,
)
from assessor.render.options import RenderOptions
from assessor.render.sanitize.markdown import md_cell, md_text
from assessor.render.versions import (
    forecast_rows,
    hop_rows,
    node_rows,
    plan_lines,
    plan_lines_summary,
    summary_lines,
    written_lines,
)

# Values from the input go through md_cell / md_text; rule text (titles, remediation) is ours.
_cell = md_cell


def render(doc: dict[str, Any], options: RenderOptions) -> str:
    findings = active_findings(doc)
    summary = doc["summary"]
    out = [f"# Docker Engine dependencies: {md_text(source_label(doc))}", ""]
    if destination_label(doc):
        out += [f"{md_text(destination_label(doc).capitalize())}.", ""]
    out.append(
        f"{summary['objectsScanned']} objects scanned ({summary['workloadsScanned']} workloads, "
        f"{summary['nodesScanned']} nodes, {summary['configMapsScanned']} ConfigMaps); "
        f"**{summary['findings']} findings**"
        + (f", {summary['suppressed']} suppressed" if summary["suppressed"] else "")
        + f"; {target_label(doc)}."
    )
    out += ["", "| Severity | Findings |", "| --- | ---: |"]
    out += [f"| {s} | {n} |" for s, n in summary["bySeverity"].items()]
    for severity, group in by_severity(findings):
        rows = group_rows(group)
        folded = f", {len(rows)} rows" if len(rows) != len(group) else ""
        out += ["", f"## {severity.capitalize()} ({len(group)}{folded})", ""]
        out += ["| Rule | Object | Container | Evidence | Where |", "| --- | --- | --- | --- | --- |"]
        for row in rows:
            out.append(
                f"| {row.rule_id} | {_cell(row.object_label)} | {_cell(', '.join(row.containers))} | "
                f"{'<br>'.join(_cell(m) for m in row.messages)} | {'<br>'.join(_cell(w) for w in row.locations)} |"
            )
    if findings:
        out += ["", "## What to do", ""]
        for f in rules_seen(findings):
            out.append(f"- **{f['ruleId']} {f['title']}**: {f['remediation']} ([docs]({f['docs']}))")
    if "versions" in doc:
        out += _versions(doc["versions"])
    if "plan" in doc:
        out += _plan(doc["plan"])
    gaps = coverage_lines(doc)
    out += ["", "## Coverage", ""]
    if gaps:
        out.append("**Incomplete**: the scan could not see everything.")
        out.append("")
        out += [f"- {_cell(line)}" for line in gaps]
    else:
        out.append("Complete: every resource and file was read.")
    problems = doc["problems"]
    if problems:
        out += ["", "## Input problems", ""]
        for p in problems:
            place = f"{p['file']}:{p['line']}" if p.get("line") else p["file"]
            out.append(f"- {p['level']}: {md_text(str(place))}: {md_text(p['message'])}")
    return "\n".join(out) + "\n"


def _versions(versions: dict[str, Any]) -> list[str]:
    out = ["", "## Versions", ""]
    out += [f"- {md_text(line)}" for line in summary_lines(versions)]
    nodes = node_rows(versions)
    if nodes:
        out += ["", "| Node | Roles | Kubelet | Runtime | OS |", "| --- | --- | --- | --- | --- |"]
        out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in nodes]
    hops = hop_rows(versions)
    if hops:
        out += ["", f"### Upgrade path ({len(hops)} steps)", ""]
        out += ["| Hop | Kubernetes | RKE releases | Required changes | Blockers |", "| --- | --- | --- | --- | --- |"]
        out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in hops]
    extra = plan_lines(versions)
    if extra:
        out += [""] + [f"- {_cell(line)}" for line in extra]
    return out


def _plan(plan: dict[str, Any]) -> list[str]:
    out = ["", "## Migration plan", ""]
    out += [
        f"- {md_text(line.strip())}" if not line.startswith("  - ") else f"  - {md_text(line[4:])}"
        for line in plan_lines_summary(plan)
    ]
    rows = forecast_rows(plan)
    out += ["", f"### Disruption forecast ({md_text(plan['strategy'])})", ""]
    if rows:
        out += ["| Workload | Risk | Error windows | Why | Fix |", "| --- | --- | --- | --- | --- |"]
        out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    else:
        out.append("No workload that takes traffic is forecast to drop requests.")
    out += [""] + [f"- {md_text(line)}" for line in written_lines(plan)]
    return out
