"""Corpus check: run the scanner over a labelled corpus of real public manifests and score it.

Usage: python -m devtools.corpus ../shared/corpus

Each manifest in labels.yaml is scanned on its own. Prints recall on docker-dependent
files (a finding at medium or above), false positives on not-dependent files (any finding
at medium or above), the rating of ambiguous files, and per-category agreement with the
labels. Exits 1 when recall is below 100 % or any not-dependent file is flagged.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assessor.catalog import bundled_rules
from assessor.model.findings import Finding, Severity
from assessor.model.rke import RkeConfigError
from assessor.scan import scan
from assessor.sources.files import scan_paths
from assessor.sources.rke import load_rke_config


@dataclass
class FileResult:
    file: str
    label: str
    expected: set[str]
    findings: list[Finding]

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    @property
    def flagged(self) -> bool:
        return self.worst is not None and self.worst >= Severity.medium

    @property
    def reported(self) -> set[str]:
        return {f.category for f in self.findings}


def evaluate(corpus: Path) -> list[FileResult]:
    labels = yaml.safe_load((corpus / "labels.yaml").read_text(encoding="utf-8"))
    rules = bundled_rules()
    out = []
    for entry in labels:
        if not entry["file"].startswith("manifests/"):
            continue
        result = scan(scan_paths([str(corpus / entry["file"])]), rules)
        expected = {c for c in entry.get("expect") or [] if c != "none"}
        out.append(FileResult(entry["file"], entry["label"], expected, result.active()))
    return out


def report(results: list[FileResult]) -> tuple[str, bool]:
    lines: list[str] = []
    dependent = [r for r in results if r.label == "docker-dependent"]
    clean = [r for r in results if r.label == "not-dependent"]
    ambiguous = [r for r in results if r.label == "ambiguous"]
    found = [r for r in dependent if r.flagged]
    false_pos = [r for r in clean if r.flagged]
    lines.append(
        f"files: {len(results)} manifests ({len(dependent)} docker-dependent, {len(clean)} not-dependent, "
        f"{len(ambiguous)} ambiguous)"
    )
    lines.append(f"recall (docker-dependent found at medium+): {len(found)}/{len(dependent)}")
    for r in dependent:
        if not r.flagged:
            lines.append(f"  MISSED {r.file}")
    lines.append(f"false positives (not-dependent at medium+): {len(false_pos)}/{len(clean)}")
    for r in false_pos:
        lines.append(f"  FALSE POSITIVE {r.file}: " + ", ".join(f"{f.rule_id} {f.severity.name}" for f in r.findings))
    lines.append("ambiguous files:")
    for r in ambiguous:
        worst = r.worst.name if r.worst is not None else "none"
        reasons = "; ".join(f"{f.rule_id} {f.severity.name}: {f.message}" for f in r.findings) or "no finding"
        lines.append(f"  {Path(r.file).name}: {worst} ({reasons})")
    lines.append("per-category agreement (files; expected = label, reported = any active finding):")
    lines.append(f"  {'category':<24}{'expected':>9}{'agreed':>8}{'missed':>8}{'extra':>7}")
    categories: Counter[str] = Counter()
    agreed: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    for r in results:
        for c in r.expected:
            categories[c] += 1
            (agreed if c in r.reported else missed)[c] += 1
        for c in r.reported - r.expected:
            extra[c] += 1
    for c in sorted(set(categories) | set(extra)):
        lines.append(f"  {c:<24}{categories[c]:>9}{agreed[c]:>8}{missed[c]:>8}{extra[c]:>7}")
    extras = [(r.file, sorted(r.reported - r.expected)) for r in results if r.reported - r.expected]
    if extras:
        lines.append("extra categories by file (reported, not in the label):")
        for file, cats in extras:
            detail = [
                f"{f.rule_id} {f.severity.name}"
                for f in next(x for x in results if x.file == file).findings
                if f.category in cats
            ]
            lines.append(f"  {Path(file).name}: {', '.join(cats)} ({', '.join(detail)})")
    ok = len(found) == len(dependent) and not false_pos
    lines.append("target met" if ok else "TARGET NOT MET")
    return "\n".join(lines), ok


ROLE_ORDER = ("controlplane", "etcd", "worker")


def rke_facts(path: Path) -> dict[str, Any]:
    """The facts labels.yaml records for a cluster.yml, read the way assess reads the file."""
    config = load_rke_config(str(path))
    roles: Counter[str] = Counter()
    role_sets: Counter[str] = Counter()
    for node in config.nodes:
        ordered = sorted(set(node.roles), key=lambda r: (ROLE_ORDER.index(r) if r in ROLE_ORDER else 9, r))
        roles.update(ordered)
        role_sets["+".join(ordered)] += 1
    registries = config.get("private_registries")
    return {
        "kubernetes_version": config.kubernetes_version,
        "network_plugin": config.get("network", "plugin"),
        "nodes": len(config.nodes),
        "roles": dict(roles),
        "role_sets": dict(role_sets),
        "enable_cri_dockerd": config.get("enable_cri_dockerd"),
        "upgrade_strategy": "upgrade_strategy" in config.raw,
        "ingress_provider": config.get("ingress", "provider"),
        "private_registries": isinstance(registries, list) and bool(registries),
    }


def rke_report(corpus: Path) -> tuple[list[str], bool]:
    labels = yaml.safe_load((corpus / "labels.yaml").read_text(encoding="utf-8"))
    lines = ["RKE cluster.yml files (facts read by assess vs labels):"]
    ok = True
    for entry in labels:
        if not entry["file"].startswith("rke/"):
            continue
        try:
            facts = rke_facts(corpus / entry["file"])
        except RkeConfigError as exc:
            lines.append(f"  {Path(entry['file']).name}: UNREADABLE ({exc})")
            ok = False
            continue
        wrong = {k: (facts.get(k), v) for k, v in (entry.get("facts") or {}).items() if facts.get(k) != v}
        status = (
            "agree"
            if not wrong
            else "DISAGREE " + ", ".join(f"{k}: read {a!r}, label {b!r}" for k, (a, b) in wrong.items())
        )
        lines.append(
            f"  {Path(entry['file']).name}: {len(entry.get('facts') or {}) - len(wrong)}/"
            f"{len(entry.get('facts') or {})} facts {status}"
        )
        ok = ok and not wrong
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not (Path(args[0]) / "labels.yaml").is_file():
        print("usage: python -m devtools.corpus CORPUS_DIR (a folder with labels.yaml)", file=sys.stderr)
        return 2
    text, ok = report(evaluate(Path(args[0])))
    rke_lines, rke_ok = rke_report(Path(args[0]))
    print(text)
    print("\n".join(rke_lines))
    return 0 if ok and rke_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
