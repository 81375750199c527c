"""Rule listings for `assess rules` and `assess rules show`: they read the rules' dicts (Rule.to_dict)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from assessor.render.options import RenderOptions


def list_markdown(rules: list[dict[str, Any]], options: RenderOptions) -> str:
    lines = ["| ID | Severity | Category | Title |", "| --- | --- | --- | --- |"]
    lines += [f"| {r['id']} | {r['severity']} | {r['category']} | {r['title']} |" for r in rules]
    return "\n".join(lines) + "\n"


def list_table(rules: list[dict[str, Any]], options: RenderOptions) -> str:
    width = max(len(r["category"]) for r in rules) if rules else 10
    lines = [f"{'ID':<8} {'SEVERITY':<9} {'CATEGORY':<{width}} TITLE"]
    lines += [f"{r['id']:<8} {r['severity']:<9} {r['category']:<{width}} {r['title']}" for r in rules]
    return "\n".join(lines) + "\n"


def _explain(rule: dict[str, Any]) -> list[str]:
    match = yaml.safe_dump(rule["match"], sort_keys=False, width=100).rstrip()
    lines = [
        f"{rule['id']} {rule['slug']}: {rule['title']}",
        f"severity: {rule['severity']}    category: {rule['category']}",
        "",
        "Why it matters:",
        f"  {rule['rationale']}",
        "",
        "What to do:",
        f"  {rule['remediation']}",
        "",
        "Matches:",
        *("  " + line for line in match.splitlines()),
    ]
    if rule["adjust"]:
        lines += ["", "Severity changes:"]
        for a in rule["adjust"]:
            sev = "not reported" if a["severity"] == "drop" else a["severity"]
            lines.append(f"  {sev} when {json.dumps(a['when'])}" + (f": {a['reason']}" if a["reason"] else ""))
    return [*lines, "", f"Docs: {rule['docs']}"]


def show_table(rule: dict[str, Any], options: RenderOptions) -> str:
    return "\n".join(_explain(rule)) + "\n"


def show_markdown(rule: dict[str, Any], options: RenderOptions) -> str:
    return "\n".join(["```text", *_explain(rule), "```"]) + "\n"
