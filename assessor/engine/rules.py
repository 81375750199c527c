"""Rule data: read from rules/**/*.yaml and checked against the templates it is given.

A YAML file with a top-level `rules:` list is a rule file. A file without one is a data table
(the version matrix, the category vocabulary, …) and must say where its facts come from with a
top-level `source:`; anything else is an error, so a misspelt `rules:` never hides a file.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assessor.engine.categories import load_categories
from assessor.engine.conditions import Predicate, compile_when
from assessor.engine.schema import SchemaError, convert_params
from assessor.engine.template import BASE_PLACEHOLDERS, Catalog, Template
from assessor.model.findings import Severity
from assessor.model.yamlloader import Loader
from assessor.paths import rules_dir

REQUIRED = ("id", "slug", "category", "severity", "title", "rationale", "remediation", "docs", "match")
OPTIONAL = ("adjust", "message")
ADJUST_KEYS = ("when", "severity", "reason", "category")
_ID = re.compile(r"^[A-Z]{2,5}\d{3}$")
# a top-level `source:` key, and a `rules` key anywhere a block or flow mapping could hold it
_DATA_TABLE = re.compile(r"^source\s*:", re.M)
_RULES_KEY = re.compile(r"""["']?rules["']?\s*:""")


class RuleError(ValueError):
    """A rule file is wrong; names the file and the rule."""


@dataclass(frozen=True, slots=True)
class Adjust:
    when: dict[str, Any]
    severity: Severity | None  # None means: drop the hit
    reason: str | None = None
    test: Predicate = field(default=lambda hit, ctx: True, compare=False, repr=False)
    category: str | None = None  # reports the hit under another category (a remote daemon is docker-in-docker)


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
    # what the loader resolved: the template object and its compiled parameters
    impl: Template | None = field(default=None, compare=False, repr=False)
    compiled: Any = field(default=None, compare=False, repr=False)

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
                    **({"category": a.category} if a.category else {}),
                }
                for a in self.adjust
            ],
            "file": self.source_file,
        }


def rule_files(base: Path) -> list[tuple[Path, list[Any]]]:
    """Every rule file under base with its entries; data tables are skipped by the rule above."""
    out = []
    for file in sorted(base.rglob("*.yaml")):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(f"{file}: invalid YAML: {exc}") from None
        if _DATA_TABLE.search(text) and not _RULES_KEY.search(text):
            # a data table (the version matrix is most of the YAML here): its own loader reads
            # and checks it; parsing it here too would only add to every command's start-up
            continue
        try:
            data = yaml.load(text, Loader=Loader)
        except yaml.YAMLError as exc:
            raise RuleError(f"{file}: invalid YAML: {exc}") from None
        if isinstance(data, dict) and "rules" not in data and "source" in data:
            continue
        entries = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise RuleError(f"{file}: expected a mapping with a 'rules' list (or a data table with a 'source')")
        out.append((file, entries))
    return out


def load_rules(catalog: Catalog, directory: Path | None = None, *, skip_templates: Collection[str] = ()) -> list[Rule]:
    """The rules under directory, each checked against its template in catalog.

    Rules of skip_templates are left out unread: templates a caller will not run, and whose
    package it need not import.
    """
    base = directory or rules_dir()
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file, entries in rule_files(base):
        for entry in entries:
            if skip_templates and _template_name(entry) in skip_templates:
                continue
            rule = _parse_rule(entry, file, str(file.relative_to(base)), catalog)
            if rule.id in seen:
                raise RuleError(f"{file}: {rule.id}: already defined in {seen[rule.id]}")
            seen[rule.id] = str(file)
            rules.append(rule)
    if not rules:
        raise RuleError(f"{base}: no rules found (is the package installed with its rules/ data?)")
    return sorted(rules, key=lambda r: r.id)


def _template_name(entry: Any) -> Any:
    match = entry.get("match") if isinstance(entry, dict) else None
    return match.get("template") if isinstance(match, dict) else None


def _parse_rule(entry: Any, file: Path, name: str, catalog: Catalog) -> Rule:
    if not isinstance(entry, dict):
        raise RuleError(f"{file}: every rule must be a mapping")
    rid = entry.get("id", "?")

    def fail(text: str) -> RuleError:
        return RuleError(f"{file}: {rid}: {text}")

    unknown = sorted(str(k) for k in entry if k not in REQUIRED and k not in OPTIONAL)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)} (known: {', '.join((*REQUIRED, *OPTIONAL))})")
    missing = [k for k in REQUIRED if not entry.get(k)]
    if missing:
        raise fail(f"missing {', '.join(missing)}")
    if not _ID.match(str(rid)):
        raise fail("ids look like DOCK001")
    if entry["category"] not in load_categories():
        raise fail(f"unknown category {entry['category']!r}")
    try:
        severity = Severity.parse(str(entry["severity"]))
    except ValueError as exc:
        raise fail(str(exc)) from None
    match = entry["match"]
    if not isinstance(match, dict) or "template" not in match:
        raise fail("match needs a template")
    template = catalog.templates.get(str(match["template"]))
    if template is None:
        raise fail(f"unknown match template {match['template']!r} (known: {', '.join(sorted(catalog.templates))})")
    params = {str(k): v for k, v in match.items() if k != "template"}
    try:
        converted = convert_params(template.params, params)
        template.validate(converted)
        compiled = template.compile(converted)
    except SchemaError as exc:
        raise fail(f"template {template.name}: {exc}") from None
    message = entry.get("message")
    if message is not None:
        _check_message(message, template, fail)
    adjust = tuple(_parse_adjust(item, template, catalog, fail) for item in entry.get("adjust") or [])
    return Rule(
        id=str(rid),
        slug=str(entry["slug"]),
        category=str(entry["category"]),
        severity=severity,
        title=str(entry["title"]).strip(),
        rationale=" ".join(str(entry["rationale"]).split()),
        remediation=" ".join(str(entry["remediation"]).split()),
        docs=str(entry["docs"]),
        template=template.name,
        params=params,
        message=message,
        adjust=adjust,
        source_file=name,
        impl=template,
        compiled=compiled,
    )


def _check_message(message: Any, template: Template, fail: Any) -> None:
    if not isinstance(message, str):
        raise fail("message must be a string")
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(message) if f is not None]
    except ValueError as exc:
        raise fail(f"message: {exc}") from None
    allowed = {*BASE_PLACEHOLDERS, *template.facts}
    for f in fields:
        root = re.split(r"[.\[]", f, maxsplit=1)[0]
        if root not in allowed:
            raise fail(
                f"message placeholder {{{f}}} is not provided by template {template.name} "
                f"(it provides: {', '.join(sorted(allowed))})"
            )


def _parse_adjust(item: Any, template: Template, catalog: Catalog, fail: Any) -> Adjust:
    if not isinstance(item, dict) or not isinstance(item.get("when"), dict) or "severity" not in item:
        raise fail("every adjust needs 'when' (a mapping) and 'severity'")
    unknown = sorted(str(k) for k in item if k not in ADJUST_KEYS)
    if unknown:
        raise fail(f"adjust: unknown key(s) {', '.join(unknown)} (known: {', '.join(ADJUST_KEYS)})")
    try:
        sev = None if item["severity"] == "drop" else Severity.parse(str(item["severity"]))
    except ValueError as exc:
        raise fail(f"adjust: {exc}") from None
    try:
        test = compile_when(item["when"], template.facts, catalog.conditions)
    except SchemaError as exc:
        raise fail(f"adjust.when: {exc}") from None
    reason = item.get("reason")
    category = item.get("category")
    if category is not None and category not in load_categories():
        raise fail(f"adjust: unknown category {category!r}")
    return Adjust(
        item["when"], sev, str(reason) if reason is not None else None, test, str(category) if category else None
    )
