"""SARIF 2.1.0, so code-scanning tools annotate pull requests at the file and line of each finding."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Any

from assessor.model.findings import object_label
from assessor.render.options import RenderOptions

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.0", "high": "7.0", "medium": "5.0", "low": "3.0", "info": "1.0"}


def _fingerprint(f: dict[str, Any]) -> str:
    o = f["object"]
    key = "|".join(
        str(x)
        for x in (f["ruleId"], o["kind"], o.get("namespace"), o["name"], f.get("container"), f["evidence"]["path"])
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def render(doc: dict[str, Any], options: RenderOptions) -> str:
    rules: dict[str, dict[str, Any]] = {}
    index: dict[str, int] = {}  # ruleIndex: the rule's position in the driver's rules
    results = []
    for f in doc["findings"]:
        if f["ruleId"] not in rules:
            index[f["ruleId"]] = len(rules)
            rules[f["ruleId"]] = {
                "id": f["ruleId"],
                "name": f["rule"],
                "shortDescription": {"text": f["title"]},
                "help": {"text": f["remediation"], "markdown": f"{f['remediation']}\n\n[Docs]({f['docs']})"},
                "helpUri": f["docs"],
                "defaultConfiguration": {"level": LEVEL[f["severity"]]},
                "properties": {"category": f["category"], "tags": ["docker", f["category"]]},
            }
        result: dict[str, Any] = {
            "ruleId": f["ruleId"],
            "ruleIndex": index[f["ruleId"]],
            "level": LEVEL[f["severity"]],
            "message": {
                "text": f"{object_label(f)}"
                + (f" [{f['container']}]" if f.get("container") else "")
                + f": {f['message']}"
            },
            "locations": [_location(f)],
            **_related(f),
            "partialFingerprints": {"assessorFinding/v1": _fingerprint(f)},
            "properties": {
                "severity": f["severity"],
                "category": f["category"],
                "security-severity": SECURITY_SEVERITY[f["severity"]],
                "evidence": f["evidence"],
            },
        }
        if f["suppressed"]:
            supp = f.get("suppression") or {}
            result["suppressions"] = [
                {
                    "kind": "inSource" if supp.get("by") == "annotation" else "external",
                    "justification": supp.get("reason") or "",
                }
            ]
        results.append(result)
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "assessor",
                        "version": doc["tool"]["version"],
                        "semanticVersion": doc["tool"]["version"],
                        "informationUri": "https://kubernetes.io/docs/tasks/administer-cluster/migrating-from-dockershim/",
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
                "properties": {"settings": doc.get("settings") or {}},
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


def _location(f: dict[str, Any]) -> dict[str, Any]:
    o = f["object"]
    logical = {
        "fullyQualifiedName": f"{o['kind']}/{o.get('namespace') or ''}/{o['name']}".replace("//", "/"),
        "kind": "object",
    }
    loc = f.get("location") or {}
    out: dict[str, Any] = {"logicalLocations": [logical]}
    if loc.get("file"):
        physical: dict[str, Any] = {"artifactLocation": _artifact(str(loc["file"]))}
        if loc.get("line"):
            physical["region"] = {"startLine": int(loc["line"])}
        out["physicalLocation"] = physical
    return out


def _related(f: dict[str, Any]) -> dict[str, Any]:
    """The chart template of helm output as a related location: a line only where the value is written."""
    template = (f.get("location") or {}).get("template")
    if not isinstance(template, dict) or not template.get("file"):
        return {}
    physical: dict[str, Any] = {"artifactLocation": _artifact(str(template["file"]))}
    if template.get("line"):
        physical["region"] = {"startLine": int(template["line"])}
    return {
        "relatedLocations": [
            {"id": 1, "physicalLocation": physical, "message": {"text": "the chart template this was rendered from"}}
        ]
    }


def _artifact(file: str) -> dict[str, Any]:
    """Code scanning matches results to the repository by relative URI; a path outside the working
    directory stays an absolute file: URI rather than a relative one that would point elsewhere."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    rel = PurePosixPath(path.as_posix())
    if rel.parts and rel.parts[0] == "..":
        return {"uri": path.resolve().as_uri()}
    return {"uri": str(rel), "uriBaseId": "%SRCROOT%"}
