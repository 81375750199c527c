"""Suppressions: annotations need a reason, baselines expire, suppressed findings stay visible."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessor.cli import app
from assessor.scan import scan
from assessor.sources.files import scan_paths
from assessor.suppress import BaselineError, load_baseline
from tests.conftest import ROOT

RULES = ROOT / "tests" / "rules"
runner = CliRunner()


def _scan(path: Path, **kw: object) -> list[tuple[str, bool]]:
    result = scan(scan_paths([str(path)]), **kw)  # type: ignore[arg-type]
    return [(f.rule_id, f.suppressed is not None) for f in result.findings]


def test_ignore_with_reason_suppresses_and_keeps_the_finding() -> None:
    findings = _scan(RULES / "SUPP001" / "negative" / "ignore-with-reason.yaml")
    assert ("DOCK001", True) in findings
    assert not [r for r, _ in findings if r == "SUPP001"]


def test_bare_ignore_is_not_honoured_and_is_reported() -> None:
    findings = _scan(RULES / "SUPP001" / "positive" / "bare-ignore.yaml")
    assert ("DOCK001", False) in findings and ("SUPP001", False) in findings


def test_ignore_on_pod_template_and_all(tmp_path: Path) -> None:
    text = (RULES / "DOCK001" / "positive" / "daemonset-var-run.yaml").read_text()
    text = text.replace(
        "    metadata: {labels: {app: agent}}",
        "    metadata:\n      labels: {app: agent}\n"
        "      annotations: {assessor.io/ignore: all, assessor.io/ignore-reason: agent removed in CHG-1}",
    )
    file = tmp_path / "ds.yaml"
    file.write_text(text)
    assert _scan(file) == [("DOCK001", True)]


def _baseline(tmp_path: Path, expires: str, **extra: str) -> Path:
    entry = {
        "ruleId": "DOCK001",
        "kind": "DaemonSet",
        "namespace": "monitoring",
        "name": "agent",
        "reason": "upgrade booked",
        "expires": expires,
        **extra,
    }
    path = tmp_path / "baseline.yaml"
    path.write_text(json.dumps({"apiVersion": "assessor.io/v1", "kind": "Baseline", "accepted": [entry]}))
    return path


def test_baseline_suppresses_until_it_expires(tmp_path: Path) -> None:
    fixture = RULES / "DOCK001" / "positive" / "daemonset-var-run.yaml"
    entries = load_baseline(_baseline(tmp_path, "2027-01-31"))
    assert _scan(fixture, baseline=entries, today=dt.date(2027, 1, 31)) == [("DOCK001", True)]
    source = scan_paths([str(fixture)])
    result = scan(source, baseline=entries, today=dt.date(2027, 2, 1))
    assert [(f.rule_id, f.suppressed) for f in result.findings] == [("DOCK001", None)]
    assert "expired on 2027-01-31" in source.problems.notes[0].message


def test_baseline_container_must_match_when_given(tmp_path: Path) -> None:
    fixture = RULES / "DOCK001" / "positive" / "daemonset-var-run.yaml"
    entries = load_baseline(_baseline(tmp_path, "2099-01-01", container="other"))
    assert _scan(fixture, baseline=entries) == [("DOCK001", False)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("kind: Baseline\naccepted: 3\n", "not a baseline"),
        ("kind: Baseline\naccepted:\n- {ruleId: DOCK001, kind: Pod, name: p, expires: 2027-01-01}\n", "missing reason"),
        ("kind: Baseline\naccepted:\n- {ruleId: D, kind: Pod, name: p, reason: r, expires: soon}\n", "must be a date"),
        ("kind: [\n", "invalid YAML"),
    ],
)
def test_bad_baseline_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(content)
    with pytest.raises(BaselineError, match=message):
        load_baseline(path)
    result = runner.invoke(app, ["manifests", str(RULES / "DOCK001"), "--baseline", str(path)])
    assert result.exit_code == 2 and message in result.stderr


def test_write_baseline_then_gate_passes_and_new_findings_fail(tmp_path: Path) -> None:
    baseline = tmp_path / "accepted.yaml"
    first = runner.invoke(app, ["manifests", str(RULES / "DOCK001" / "positive"), "--write-baseline", str(baseline)])
    assert first.exit_code == 1 and baseline.exists()
    again = runner.invoke(
        app, ["manifests", str(RULES / "DOCK001" / "positive"), "--baseline", str(baseline), "-o", "json"]
    )
    assert again.exit_code == 0
    doc = json.loads(again.stdout)
    assert doc["summary"]["findings"] == 0 and doc["summary"]["suppressed"] > 0
    assert all(f["suppressed"] and f["suppression"]["by"] == "baseline" for f in doc["findings"])
    new = runner.invoke(
        app,
        [
            "manifests",
            str(RULES / "DOCK001" / "positive"),
            str(RULES / "DOCK002" / "positive"),
            "--baseline",
            str(baseline),
        ],
    )
    assert new.exit_code == 1
