"""Files beside the input that another run wrote: a baseline and a switch summary of the wrong shape.

Each is one line naming the file (and the field), exit 2, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from assessor.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "clusters" / "seed-rke1.yaml"
MANIFEST = ROOT / "tests" / "rules" / "DOCK001" / "positive"
runner = CliRunner()


def _one_line(result: Result, *needles: str) -> None:
    assert result.exit_code == 2, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize(
    ("expires", "needle"),
    [
        ("2027-02-30", "day is out of range for month"),
        ("2027-13-01", "month must be in 1..12"),
        ("2027-13-01T00:00:00", "month must be in 1..12"),
        ("'2027-02-30'", "expires must be a date like 2027-03-31, not '2027-02-30'"),
        ("'tomorrow'", "expires must be a date like 2027-03-31"),
        ("[1, 2]", "expires must be a date like 2027-03-31"),
    ],
)
def test_baseline_with_an_impossible_date(expires: str, needle: str, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(
        "kind: Baseline\naccepted:\n"
        f"- {{ruleId: DOCK001, kind: DaemonSet, name: x, reason: accepted, expires: {expires}}}\n"
    )
    _one_line(runner.invoke(app, ["manifests", str(MANIFEST), "--baseline", str(baseline)]), str(baseline), needle)


@pytest.mark.parametrize(
    ("summary", "needle"),
    [
        ("[]", "expected an object"),
        ('{"verdict": 5}', "verdict.result must be a string"),
        ('{"verdict": {"result": "pass", "reasons": "x"}}', "verdict.reasons must be a list of strings"),
        (
            '{"verdict": {"result": "pass", "reasons": []}, "totals": {"errors": "1", "requests": 3}, "intervals": []}',
            "totals.errors and totals.requests must be whole numbers",
        ),
        (
            '{"verdict": {"result": "fail", "reasons": []}, "totals": {"errors": 1, "requests": 3}, "intervals": [5]}',
            "intervals must be a list of objects with a headline",
        ),
        ("{not json", "cannot read the switch test summary"),
    ],
)
def test_malformed_switch_summary(summary: str, needle: str, tmp_path: Path) -> None:
    folder = tmp_path / "switch"
    folder.mkdir()
    (folder / "summary.json").write_text(summary)
    result = runner.invoke(app, ["report", "--snapshot", str(SEED), "--switch-results", str(folder), "-o", "json"])
    _one_line(result, str(folder / "summary.json"), needle)


def test_a_real_summary_is_accepted(tmp_path: Path) -> None:
    summary = json.loads((ROOT / "fixtures" / "switch" / "fail" / "summary.json").read_text())
    folder = tmp_path / "switch"
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(summary))
    result = runner.invoke(app, ["report", "--snapshot", str(SEED), "--switch-results", str(folder), "-o", "json"])
    assert result.exit_code in (0, 1), result.stderr
