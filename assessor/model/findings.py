"""Findings: what a rule found, on which object, with the evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    info = 0
    low = 1
    medium = 2
    high = 3
    critical = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use one of {', '.join(s.name for s in cls)})") from None


@dataclass(slots=True)
class Finding:
    rule_id: str
    slug: str
    category: str
    severity: Severity
    title: str
    message: str
    remediation: str
    docs: str
    object: dict[str, Any]
    location: dict[str, Any]
    evidence_path: str
    evidence_value: str
    container: str | None = None
    owner: dict[str, Any] | None = None
    related: list[dict[str, Any]] = field(default_factory=list)
    suppressed: dict[str, Any] | None = None

    def sort_key(self) -> tuple[Any, ...]:
        o = self.object
        return (
            -self.severity,
            self.rule_id,
            o.get("namespace") or "",
            o.get("kind") or "",
            o.get("name") or "",
            self.container or "",
            self.evidence_path,
        )

    @property
    def group(self) -> str:
        """Findings that read as one: the same rule on one object (each container a finding of its
        own), or the same rule and value on several Nodes; the table and markdown fold them."""
        o = self.object
        if o.get("kind") == "Node":
            return f"{self.rule_id}/Node/{self.evidence_value}"
        return f"{self.rule_id}/{o.get('kind') or ''}/{o.get('namespace') or ''}/{o.get('name') or ''}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleId": self.rule_id,
            "rule": self.slug,
            "category": self.category,
            "severity": self.severity.name,
            "title": self.title,
            "message": self.message,
            "evidence": {"path": self.evidence_path, "value": self.evidence_value},
            "remediation": self.remediation,
            "docs": self.docs,
            "object": self.object,
            "container": self.container,
            "owner": self.owner,
            "location": self.location,
            "related": self.related,
            "suppressed": self.suppressed is not None,
            "suppression": self.suppressed,
            "group": self.group,
        }


def object_label(finding: dict[str, Any]) -> str:
    """`Kind namespace/name` of a finding in the document: how renderers and the checklist name an object."""
    o = finding["object"]
    ns = f"{o['namespace']}/" if o.get("namespace") else ""
    return f"{o['kind']} {ns}{o['name']}"
