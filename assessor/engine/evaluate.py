"""The one entry point: run rules over contexts and turn hits into findings.

A context says its scope (which templates look at it), the object a finding names and the
workload owner, if any. The engine knows no context type and no check by name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from assessor.engine.rules import Rule
from assessor.engine.template import Context, Hit, Template
from assessor.model.findings import Finding, Severity
from assessor.model.origin import format_path
from assessor.redact import redact_text

Observer = Callable[[Context, Finding, Hit], None]


class _Format(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def evaluate(rules: Sequence[Rule], contexts: Iterable[Context], observe: Observer | None = None) -> list[Finding]:
    """Findings of every rule over every context of its template's scope, sorted.

    observe, if given, sees each finding with its context and hit, in evaluation order
    (context by context, rule by rule), for callers that sum up facts per subject.
    """
    by_scope = _families(rules)
    findings: list[Finding] = []
    for ctx in contexts:
        families = by_scope.get(ctx.scope)
        if not families:
            continue
        for template, screen, family in families:
            # one relevant() and one screen per template and subject: a family of rules skips the subject together
            if not template.relevant(ctx) or (screen is not None and not screen(ctx)):
                continue
            for rule in family:
                for hit in template.hits(ctx, rule.compiled):
                    severity, reason, category = _severity(rule, hit, ctx)
                    if severity is None:
                        continue
                    finding = _finding(rule, hit, ctx, severity, reason, category)
                    findings.append(finding)
                    if observe is not None:
                        observe(ctx, finding, hit)
    findings.sort(key=Finding.sort_key)
    return findings


Family = tuple[Template, Callable[[Any], bool] | None, list[Rule]]


def _families(rules: Sequence[Rule]) -> dict[str, list[Family]]:
    """Rules by scope, then by template (with its screen), in the order rules first name each template."""
    by_template: dict[str, tuple[Template, list[Rule]]] = {}
    for rule in rules:
        if rule.impl is None:
            raise ValueError(f"rule {rule.id} was not loaded through load_rules")
        by_template.setdefault(rule.impl.name, (rule.impl, []))[1].append(rule)
    by_scope: dict[str, list[Family]] = defaultdict(list)
    for template, family in by_template.values():
        by_scope[template.scope].append((template, template.screen([r.compiled for r in family]), family))
    return dict(by_scope)


def _severity(rule: Rule, hit: Hit, ctx: Context) -> tuple[Severity | None, str | None, str]:
    """The severity, reason and category of the first adjust that holds, else the rule's own."""
    for adjust in rule.adjust:
        if adjust.test(hit, ctx):
            return adjust.severity, adjust.reason, adjust.category or rule.category
    return rule.severity, None, rule.category


def _finding(rule: Rule, hit: Hit, ctx: Context, severity: Severity, reason: str | None, category: str) -> Finding:
    obj = ctx.subject
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
    # The one place a finding's text is made: credentials are hidden here, for every format.
    message = redact_text(message)
    # A line names where the evidence is. A snapshot too big to keep its line map (sources/files.py)
    # knows only where each object starts: that goes to objectLine, never to line.
    start_only = obj.origin.start_line_only
    location: dict[str, Any] = {
        "file": obj.origin.file,
        "line": None if start_only else obj.origin.line_of(hit.path, hit.value_line),
    }
    if start_only and obj.origin.line:
        location["objectLine"] = obj.origin.line
    if obj.origin.template:
        # the chart template is named apart from the location: the line counts in the rendered file
        location["template"] = {"file": obj.origin.template}
        location["renderedFrom"] = obj.origin.file  # schema 1.0's name for the rendered file, kept
    return Finding(
        rule_id=rule.id,
        slug=rule.slug,
        category=category,
        severity=severity,
        title=rule.title,
        message=message,
        remediation=rule.remediation,
        docs=rule.docs,
        object=obj.ref(),
        location=location,
        evidence_path=path,
        evidence_value=redact_text(hit.value),
        container=hit.container.name if hit.container else None,
        owner=ctx.owner,
        related=hit.related,
    )
