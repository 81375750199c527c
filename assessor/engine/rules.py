"""Rule data: read and validated from rules/**/*.yaml, so adding a rule touches no code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assessor.engine.patterns import unsafe_rule_pattern
from assessor.model.findings import CATEGORIES, Severity
from assessor.model.yamlloader import Loader
from assessor.paths import rules_dir

REQUIRED = ("id", "slug", "category", "severity", "title", "rationale", "remediation", "docs", "match")
_ID = re.compile(r"^[A-Z]{2,5}\d{3}$")


class RuleError(ValueError):
    """A rule file is wrong; names the file and the rule."""


@dataclass(frozen=True, slots=True)
class Adjust:
    when: dict[str, Any]
    severity: Severity | None  # None means: drop the hit
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    slug: str
    category: str
    severity: Severity
    title: str
    rationale: str
    remediation: str
    docs: str
    template: str
    params: dict[str, Any]
    message: str | None = None
    adjust: tuple[Adjust, ...] = ()
    source_file: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "slug": self.slug,
            "category": self.category,
            "severity": self.severity.name,
            "title": self.title,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "docs": self.docs,
            "match": {"template": self.template, "params": self.params},
            "adjust": [
                {
                    "when": a.when,
                    "severity": a.severity.name if a.severity is not None else "drop",
                    "reason": a.reason,
                }
                for a in self.adjust
            ],
            "file": self.source_file,
        }


def load_rules(directory: Path | None = None) -> list[Rule]:
    from assessor.engine.registry import TEMPLATES  # templates know the engine, not the other way round

    base = directory or rules_dir()
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    # rules/versions/ holds the version matrix, which is data for the planner, not rules.
    for file in sorted(f for f in base.rglob("*.yaml") if "versions" not in f.relative_to(base).parts[:1]):
        try:
            data = yaml.load(file.read_text(encoding="utf-8"), Loader=Loader)
        except yaml.YAMLError as exc:
            raise RuleError(f"{file}: invalid YAML: {exc}") from exc
        entries = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise RuleError(f"{file}: expected a mapping with a 'rules' list")
        for entry in entries:
            rule = _parse_rule(entry, file, str(file.relative_to(base)))
            if rule.template not in TEMPLATES:
                raise RuleError(f"{file}: {rule.id}: unknown match template {rule.template!r}")
            TEMPLATES[rule.template].check_params(rule)
            if problem := unsafe_rule_pattern(rule):  # every regex must match in linear time (docs/security.md)
                raise RuleError(f"{file}: {rule.id}: {problem}")
            if rule.id in seen:
                raise RuleError(f"{file}: {rule.id} is already defined in {seen[rule.id]}")
            seen[rule.id] = str(file)
            rules.append(rule)
    if not rules:
        raise RuleError(f"{base}: no rules found (is the package installed with its rules/ data?)")
    return sorted(rules, key=lambda r: r.id)


def _parse_rule(entry: Any, file: Path, name: str) -> Rule:
    if not isinstance(entry, dict):
        raise RuleError(f"{file}: every rule must be a mapping")
    rid = entry.get("id", "?")
    missing = [k for k in REQUIRED if not entry.get(k)]
    if missing:
        raise RuleError(f"{file}: {rid}: missing {', '.join(missing)}")
    if not _ID.match(str(rid)):
        raise RuleError(f"{file}: {rid}: ids look like DOCK001")
    if entry["category"] not in CATEGORIES:
        raise RuleError(f"{file}: {rid}: unknown category {entry['category']!r}")
    match = entry["match"]
    if not isinstance(match, dict) or "template" not in match:
        raise RuleError(f"{file}: {rid}: match needs a template")
    adjust = []
    for item in entry.get("adjust") or []:
        if not isinstance(item, dict) or not isinstance(item.get("when"), dict) or "severity" not in item:
            raise RuleError(f"{file}: {rid}: every adjust needs 'when' (a mapping) and 'severity'")
        sev = None if item["severity"] == "drop" else Severity.parse(str(item["severity"]))
        adjust.append(Adjust(item["when"], sev, item.get("reason")))
    try:
        severity = Severity.parse(str(entry["severity"]))
    except ValueError as exc:
        raise RuleError(f"{file}: {rid}: {exc}") from None
    known = set(REQUIRED) | {"adjust", "message"}
    return Rule(
        id=str(rid),
        slug=str(entry["slug"]),
        category=str(entry["category"]),
        severity=severity,
        title=str(entry["title"]).strip(),
        rationale=" ".join(str(entry["rationale"]).split()),
        remediation=" ".join(str(entry["remediation"]).split()),
        docs=str(entry["docs"]),
        template=str(match["template"]),
        params={k: v for k, v in match.items() if k != "template"},
        message=entry.get("message"),
        adjust=tuple(adjust),
        source_file=name,
        extra={k: v for k, v in entry.items() if k not in known},
    )
