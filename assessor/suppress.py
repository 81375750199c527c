"""Suppressions: per-object annotations (with a reason) and a baseline file (with an expiry).

Suppressed findings stay in the result, marked, and no longer count for exit codes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assessor.model.findings import Finding
from assessor.model.objects import K8sObject
from assessor.model.problems import Problems
from assessor.model.yamlloader import Loader
from assessor.sources.readlimit import BASELINE_MAX_BYTES, read_bounded

IGNORE = "assessor.io/ignore"
IGNORE_REASON = "assessor.io/ignore-reason"
BASELINE_KIND = "Baseline"
BASELINE_API = "assessor.io/v1"


class BaselineError(ValueError):
    """The baseline file cannot be used (one line, names the file)."""


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    rule_id: str
    kind: str
    namespace: str | None
    name: str
    container: str | None
    reason: str
    expires: dt.date

    def matches(self, f: Finding) -> bool:
        o = f.object
        return (
            self.rule_id == f.rule_id
            and self.kind == o.get("kind")
            and (self.namespace or None) == (o.get("namespace") or None)
            and self.name == o.get("name")
            and (self.container is None or self.container == f.container)
        )


def _annotations(obj: K8sObject, pod_template_path: tuple[str | int, ...] | None) -> dict[str, Any]:
    merged = dict(obj.annotations)
    if pod_template_path:
        node: Any = obj.raw
        for seg in pod_template_path[:-1]:
            node = node.get(seg) if isinstance(node, dict) else None
        meta = node.get("metadata") if isinstance(node, dict) else None
        ann = meta.get("annotations") if isinstance(meta, dict) else None
        if isinstance(ann, dict):
            merged = {**ann, **merged}
    return merged


def ignored_rules(annotations: dict[str, Any]) -> set[str]:
    value = annotations.get(IGNORE)
    if not isinstance(value, str):
        return set()
    return {part.strip().upper() for part in value.split(",") if part.strip()}


def apply_annotations(findings: list[Finding], objects: dict[tuple[str, str, str], tuple[K8sObject, Any]]) -> None:
    """Honour `assessor.io/ignore: RULE[,RULE]` when `assessor.io/ignore-reason` says why."""
    for f in findings:
        if f.suppressed is not None or f.category == "suppression":
            continue
        key = (str(f.object.get("kind")), str(f.object.get("namespace") or ""), str(f.object.get("name")))
        entry = objects.get(key)
        if entry is None:
            continue
        annotations = _annotations(*entry)
        reason = annotations.get(IGNORE_REASON)
        rules = ignored_rules(annotations)
        if (f.rule_id in rules or "ALL" in rules) and isinstance(reason, str) and reason.strip():
            f.suppressed = {"by": "annotation", "reason": reason.strip(), "expires": None}


def load_baseline(path: Path) -> list[BaselineEntry]:
    try:
        data = yaml.load(read_bounded(path, BASELINE_MAX_BYTES, "a baseline").decode("utf-8"), Loader=Loader)
    except UnicodeDecodeError as exc:
        raise BaselineError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise BaselineError(f"{where}: invalid YAML") from None
    except ValueError as exc:  # YAML reads 2027-02-30 as a date and fails to make one
        raise BaselineError(f"{path}: invalid date ({exc}): expires must be a date like 2027-03-31") from None
    if not isinstance(data, dict) or data.get("kind") != BASELINE_KIND or not isinstance(data.get("accepted"), list):
        raise BaselineError(f"{path}: not a baseline (kind: {BASELINE_KIND} with an 'accepted' list)")
    entries = []
    for i, item in enumerate(data["accepted"]):
        where = f"{path}: accepted[{i}]"
        if not isinstance(item, dict):
            raise BaselineError(f"{where}: must be a mapping")
        missing = [k for k in ("ruleId", "kind", "name", "reason", "expires") if not item.get(k)]
        if missing:
            raise BaselineError(f"{where}: missing {', '.join(missing)}")
        expires = item["expires"]
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise BaselineError(f"{where}: expires must be a date like 2027-03-31, not {expires!r}") from None
        if not isinstance(expires, dt.date):
            raise BaselineError(f"{where}: expires must be a date like 2027-03-31")
        entries.append(
            BaselineEntry(
                rule_id=str(item["ruleId"]).upper(),
                kind=str(item["kind"]),
                namespace=str(item["namespace"]) if item.get("namespace") else None,
                name=str(item["name"]),
                container=str(item["container"]) if item.get("container") else None,
                reason=str(item["reason"]),
                expires=expires,
            )
        )
    return entries


def apply_baseline(
    findings: list[Finding], entries: list[BaselineEntry], problems: Problems, source: str, today: dt.date
) -> None:
    expired_noted: set[int] = set()
    for f in findings:
        if f.suppressed is not None:
            continue
        for i, entry in enumerate(entries):
            if not entry.matches(f):
                continue
            if entry.expires < today:
                if i not in expired_noted:
                    expired_noted.add(i)
                    problems.note(
                        source,
                        f"baseline entry {entry.rule_id} {entry.kind} {entry.namespace or ''}/{entry.name} "
                        f"expired on {entry.expires.isoformat()}; the finding counts again",
                    )
                continue
            f.suppressed = {"by": "baseline", "reason": entry.reason, "expires": entry.expires.isoformat()}
            break


def baseline_document(findings: list[Finding], expires: dt.date, reason: str) -> str:
    accepted = []
    seen: set[tuple[Any, ...]] = set()
    for f in findings:
        if f.suppressed is not None:
            continue
        o = f.object
        key = (f.rule_id, o.get("kind"), o.get("namespace"), o.get("name"), f.container)
        if key in seen:
            continue
        seen.add(key)
        entry: dict[str, Any] = {"ruleId": f.rule_id, "kind": o.get("kind")}
        if o.get("namespace"):
            entry["namespace"] = o["namespace"]
        entry["name"] = o.get("name")
        if f.container:
            entry["container"] = f.container
        entry.update(reason=reason, expires=expires.isoformat())
        accepted.append(entry)
    doc = {"apiVersion": BASELINE_API, "kind": BASELINE_KIND, "accepted": accepted}
    header = "# Accepted findings: `assess … --baseline THIS_FILE` fails only on findings not listed here.\n"
    return header + yaml.safe_dump(doc, sort_keys=False, width=120)
