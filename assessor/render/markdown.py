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
from assessor.render.versions import (
    forecast_rows,
    hop_rows,
    node_rows,
    plan_lines,
    plan_lines_summary,
    summary_lines,
    written_lines,
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render(doc: dict[str, Any], options: RenderOptions) -> str:
    findings = active_findings(doc)
    summary = doc["summary"]
    out = [f"# Docker Engine dependencies: {source_label(doc)}", ""]
    if destination_label(doc):
        out += [f"{destination_label(doc).capitalize()}.", ""]
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
            out.append(f"- {p['level']}: `{place}`: {_cell(p['message'])}")
    return "\n".join(out) + "\n"


def _versions(versions: dict[str, Any]) -> list[str]:
    out = ["", "## Versions", ""]
    out += [f"- {line}" for line in summary_lines(versions)]
    nodes = node_rows(versions)
    if nodes:
        out += ["", "| Node | Roles | Kubelet | Runtime | OS |", "| --- | --- | --- | --- | --- |"]
        out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in nodes]
    hops = hop_rows(versions)
    if hops:
        out += ["", f"### Upgrade path ({len(hops)} steps)", ""]
        out += ["| Hop | Kubernetes | RKE releases | Required changes | Blockers |", "| --- | --- | --- | --- | --- |"]
        out += ["| " + " | ".join(_cell(c).replace("\n", "<br>") for c in row) + " |" for row in hops]
    extra = plan_lines(versions)
    if extra:
        out += [""] + [f"- {_cell(line)}" for line in extra]
    return out


def _plan(plan: dict[str, Any]) -> list[str]:
    out = ["", "## Migration plan", ""]
    out += [f"- {line.strip()}" if not line.startswith("  - ") else line for line in plan_lines_summary(plan)]
    rows = forecast_rows(plan)
    out += ["", f"### Disruption forecast ({plan['strategy']})", ""]
    if rows:
        out += ["| Workload | Risk | Error windows | Why | Fix |", "| --- | --- | --- | --- | --- |"]
        out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    else:
        out.append("No workload that takes traffic is forecast to drop requests.")
    out += [""] + [f"- {line}" for line in written_lines(plan)]
    return out
