"""Every rule has positive and negative fixtures under tests/rules/<ID>/, and they hold.

A positive fixture must make its rule fire; a first-lines comment `# expect: SEVERITY`
pins the worst severity it must get. A negative fixture must not make it fire above info
(an info finding is kept for the inventory only), or at all with `# absent: true`.

Fixtures are manifests (`*.yaml`), RKE1 cluster.yml files (`*.cluster.yml`) or node reports
(`*.node.yaml`: the JSON an `assess nodes` run writes, as YAML so it can carry the header;
`# rke: FILE` names a `*.rke.yaml` cluster.yml beside it, not a case of its own). Header
comments set what a user would pass on the command line: `# target: v1.25`,
`# rke-version: v1.3.2`, `# direct: true`, `# snapshot: FILE` (a `*.snapshot.yaml` beside it, which is
not a case of its own), `# plan: in-place|blue-green` (forecast the switch, as assess plan does),
`# destination: rke2|containerd` (--destination), `# as: snapshot` (read the manifest as
`assess cluster --snapshot` would: a whole cluster).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from assessor.catalog import bundled_rules
from assessor.migration.build import MigrationOptions
from assessor.model.findings import Finding, Severity
from assessor.model.kversion import Minor
from assessor.nodes.facts import NodeReport
from assessor.nodescan import NodeInput
from assessor.scan import ScanOptions, scan
from assessor.sources.files import load_snapshot, scan_paths
from assessor.sources.result import SourceResult
from assessor.sources.rke import load_rke_config
from assessor.versions.assessment import VersionInputs

RULE_FIXTURES = Path(__file__).parent / "rules"
RULES = bundled_rules()


def _header(text: str, key: str) -> str | None:
    match = re.search(rf"^#\s*{key}:\s*(\S+)", text, re.MULTILINE)
    return match.group(1) if match else None


def run_fixture(path: Path) -> tuple[list[Finding], list[str]]:
    text = path.read_text()
    target = _header(text, "target")
    options = ScanOptions(target=Minor.parse(target) if target else None)
    options.destination = _header(text, "destination") or options.destination
    if path.name.endswith(".node.yaml"):
        report = NodeReport.from_dict(yaml.safe_load(text))
        options.nodes = [NodeInput(report, str(path))]
        rke = _header(text, "rke")
        snapshot = _header(text, "snapshot")
        config = load_rke_config(str(path.parent / rke)) if rke else None
        if config is not None:
            options.versions = VersionInputs(config=config)
        source = (
            load_snapshot(str(path.parent / snapshot))
            if snapshot
            else SourceResult(kind="node", description={"type": "node", "path": str(path)})
        )
        result = scan(source, RULES, options)
        return result.findings, [p.one_line() for p in result.source.problems.errors]
    if path.name.endswith(".cluster.yml"):
        config = load_rke_config(str(path))
        snapshot = _header(text, "snapshot")
        source = (
            load_snapshot(str(path.parent / snapshot))
            if snapshot
            else SourceResult(kind="rke", description={"type": "rke", "path": str(path)})
        )
        options.versions = VersionInputs(
            config=config, rke_version=_header(text, "rke-version"), direct=_header(text, "direct") == "true"
        )
        strategy = _header(text, "plan")
        if strategy:
            options.plan = MigrationOptions(strategy=strategy)
        errors = [p.one_line() for p in config.problems.errors]
    else:
        source = load_snapshot(str(path)) if _header(text, "as") == "snapshot" else scan_paths([str(path)])
        errors = []
    result = scan(source, RULES, options)
    return result.findings, errors + [p.one_line() for p in result.source.problems.errors]


def _is_case(path: Path) -> bool:
    return path.name.endswith((".yaml", ".cluster.yml")) and not path.name.endswith((".snapshot.yaml", ".rke.yaml"))


def _cases(kind: str) -> list[tuple[str, Path]]:
    return [
        (rule.id, path)
        for rule in RULES
        for path in sorted((RULE_FIXTURES / rule.id / kind).glob("*"))
        if _is_case(path)
    ]


@pytest.mark.parametrize("rule_id", [r.id for r in RULES])
def test_every_rule_has_positive_and_negative_fixtures(rule_id: str) -> None:
    for kind in ("positive", "negative"):
        cases = [p for p in (RULE_FIXTURES / rule_id / kind).glob("*") if _is_case(p)]
        assert cases, f"{rule_id} has no {kind} fixture"


@pytest.mark.parametrize(("rule_id", "path"), _cases("positive"), ids=lambda v: getattr(v, "name", v))
def test_positive_fixture_fires(rule_id: str, path: Path) -> None:
    findings, errors = run_fixture(path)
    assert not errors, errors
    hits = [f for f in findings if f.rule_id == rule_id]
    assert hits, f"{rule_id} did not fire on {path.name}"
    expected = _header(path.read_text(), "expect")
    if expected:
        assert max(f.severity for f in hits) == Severity.parse(expected), [f.message for f in hits]


@pytest.mark.parametrize(("rule_id", "path"), _cases("negative"), ids=lambda v: getattr(v, "name", v))
def test_negative_fixture_is_silent(rule_id: str, path: Path) -> None:
    findings, errors = run_fixture(path)
    assert not errors, errors
    floor = Severity.info - 1 if _header(path.read_text(), "absent") == "true" else Severity.info
    hits = [f.message for f in findings if f.rule_id == rule_id and f.severity > floor]
    assert not hits, f"{rule_id} fired on {path.name}: {hits}"


def test_fixture_folders_name_real_rules() -> None:
    ids = {r.id for r in RULES}
    stray = [p.name for p in RULE_FIXTURES.iterdir() if p.is_dir() and p.name not in ids]
    assert not stray, f"fixture folders for rules that do not exist: {stray}"
