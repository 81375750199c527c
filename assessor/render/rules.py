"""Rule listings for `assess rules` and `assess rules show`."""

from __future__ import annotations

import json
from typing import Any

import yaml

from assessor.engine.rules import Rule


def render_rule_list(rules: list[Rule], fmt: str) -> str:
    data = [r.to_dict() for r in rules]
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    if fmt == "yaml":
        return str(yaml.safe_dump(data, sort_keys=False, width=120))
    if fmt == "markdown":
        lines = ["| ID | Severity | Category | Title |", "| --- | --- | --- | --- |"]
        lines += [f"| {r.id} | {r.severity.name} | {r.category} | {r.title} |" for r in rules]
        return "\n".join(lines) + "\n"
    width = max(len(r.category) for r in rules) if rules else 10
    lines = [f"{'ID':<8} {'SEVERITY':<9} {'CATEGORY':<{width}} TITLE"]
    lines += [f"{r.id:<8} {r.severity.name:<9} {r.category:<{width}} {r.title}" for r in rules]
    return "\n".join(lines) + "\n"


def render_rule(rule: Rule, fmt: str) -> str:
    data: dict[str, Any] = rule.to_dict()
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    if fmt == "yaml":
        return str(yaml.safe_dump(data, sort_keys=False, width=120))
    match = yaml.safe_dump(data["match"], sort_keys=False, width=100).rstrip()
    lines = [
        f"{rule.id} {rule.slug}: {rule.title}",
        f"severity: {rule.severity.name}    category: {rule.category}",
        "",
        "Why it matters:",
        f"  {rule.rationale}",
        "",
        "What to do:",
        f"  {rule.remediation}",
        "",
        "Matches:",
        *("  " + line for line in match.splitlines()),
    ]
    if rule.adjust:
        lines += ["", "Severity changes:"]
        for a in rule.adjust:
            sev = a.severity.name if a.severity is not None else "not reported"
            lines.append(f"  {sev} when {json.dumps(a.when)}" + (f": {a.reason}" if a.reason else ""))
    lines += ["", f"Docs: {rule.docs}"]
    if fmt == "markdown":
        return "\n".join(["```text", *lines, "```"]) + "\n"
    return "\n".join(lines) + "\n"
