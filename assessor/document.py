"""The one versioned result document that every renderer reads (docs/output-schema.md)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from assessor import __version__
from assessor.engine.categories import load_categories
from assessor.model.findings import Severity
from assessor.scan import ScanResult

SCHEMA_VERSION = "1.1"


def build_document(result: ScanResult) -> dict[str, Any]:
    src = result.source
    inv = result.inventory
    active = result.active()
    by_severity = Counter(f.severity.name for f in active)
    by_category = Counter(f.category for f in active)
    coverage = {
        "complete": src.complete,
        "filesRead": src.files_read if src.kind != "cluster" else None,
        "inputErrors": len(src.problems.errors),
        "resources": [c.to_dict() for c in src.coverage],
    }
    doc: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "Assessment",
        "tool": {"name": "assessor", "version": __version__},
        "source": src.description,
        "target": {"kubernetes": f"v{result.target}" if result.target else None, "given": result.target_given},
        "settings": {"destination": result.destination},
        "findings": [f.to_dict() for f in result.findings],
        "problems": [p.to_dict() for p in src.problems.items],
        "summary": {
            "bySeverity": {s.name: by_severity.get(s.name, 0) for s in sorted(Severity, reverse=True)},
            "byCategory": {c: by_category[c] for c in load_categories() if by_category.get(c)},
            "findings": len(active),
            "suppressed": len(result.findings) - len(active),
            "objectsScanned": len(src.objects),
            "workloadsScanned": len(inv.workloads),
            "nodesScanned": len(inv.nodes),
            "configMapsScanned": len(inv.configmaps),
            "coverage": coverage,
        },
    }
    if result.versions is not None:
        doc["versions"] = result.versions.to_dict()
    if result.plan is not None:
        doc["plan"] = result.plan.to_dict()
    if result.nodes is not None:
        doc["summary"]["nodeReports"] = len(result.nodes.inputs)
        if src.kind == "node" and len(result.nodes.inputs) == 1:
            # `assess node`: the facts themselves, as `assess nodes` writes them per node
            node = result.nodes.inputs[0].report.to_dict()
            node.pop("source", None)
            doc["node"] = node
        else:
            doc["nodeReports"] = [
                {"hostname": n.report.hostname, "file": n.file, "collectedAt": n.report.collected_at}
                for n in result.nodes.inputs
            ]
    return doc
