"""Small formatting helpers shared by the human-readable renderers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessor.model.findings import object_label

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def location_label(f: dict[str, Any]) -> str:
    loc = f.get("location") or {}
    if not loc.get("file"):
        return ""
    if loc.get("line"):
        return f"{loc['file']}:{loc['line']}"
    if loc.get("objectLine"):
        return f"{loc['file']} (object at line {loc['objectLine']})"
    return str(loc["file"])


def active_findings(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if not f["suppressed"]]


def by_severity(findings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (s, [f for f in findings if f["severity"] == s])
        for s in SEVERITY_ORDER
        if any(f["severity"] == s for f in findings)
    ]


def rules_seen(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per rule that fired, in severity order, for the 'what to do' section."""
    seen: dict[str, dict[str, Any]] = {}
    for f in findings:
        seen.setdefault(f["ruleId"], f)
    return list(seen.values())


def coverage_lines(doc: dict[str, Any]) -> list[str]:
    cov = doc["summary"]["coverage"]
    lines = []
    for r in cov["resources"]:
        if r["status"] in ("complete", "not-served"):
            continue
        where = f" in namespace {r['namespace']}" if r.get("namespace") else ""
        lines.append(f"{r['resource']}{where}: {r['status']}" + (f" ({r['message']})" if r.get("message") else ""))
    if cov["inputErrors"]:
        lines.append(f"{cov['inputErrors']} input problem(s): see the messages above or 'problems'")
    return lines


def target_label(doc: dict[str, Any]) -> str:
    """The Kubernetes version the scan checked against, and whether the user chose it."""
    target = doc.get("target") or {}
    if not target.get("kubernetes"):
        return "target: none"
    why = "--target" if target.get("given") else "default: the newest minor in the bundled RKE1 data, then RKE2"
    return f"target {target['kubernetes']} ({why})"


def destination_label(doc: dict[str, Any]) -> str:
    """The runtime the scan judged against, as every human-readable output states it."""
    destination = (doc.get("settings") or {}).get("destination")
    return f"destination: {destination}" if destination else ""


def source_label(doc: dict[str, Any]) -> str:
    src = doc["source"]
    if src["type"] == "snapshot":
        return f"snapshot {src['path']}"
    if src["type"] == "manifests":
        return "manifests " + ", ".join(src["paths"])
    if src["type"] == "rke":
        cluster = src.get("cluster")
        return f"RKE1 {src['path']}" + (f" with {source_label({'source': cluster})}" if cluster else "")
    ctx = src.get("context") or "current context"
    version = f", Kubernetes {src['serverVersion']}" if src.get("serverVersion") else ""
    return f"cluster ({ctx}{version})"


@dataclass(slots=True)
class Row:
    """One row of the table or markdown: the findings of one `group` at one severity."""

    rule_id: str
    severity: str
    objects: list[str] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)

    @property
    def object_label(self) -> str:
        if len(self.objects) > 1 and all(o.startswith("Node ") for o in self.objects):
            return f"{len(self.objects)} nodes: " + ", ".join(o.removeprefix("Node ") for o in self.objects)
        return ", ".join(self.objects)


def group_rows(findings: list[dict[str, Any]]) -> list[Row]:
    """Fold findings by their `group` key, keeping the order of first appearance."""
    rows: dict[tuple[str, str], Row] = {}
    for f in findings:
        key = (f["severity"], f.get("group") or str(id(f)))
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(f["ruleId"], f["severity"])
        for items, value in (
            (row.objects, object_label(f)),
            (row.containers, f.get("container") or ""),
            (row.messages, f["message"]),
            (row.locations, location_label(f)),
        ):
            if value and value not in items:
                items.append(value)
    return list(rows.values())
