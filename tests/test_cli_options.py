"""The shared option groups behave the same in every command that takes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessor.cli import app
from tests.conftest import ROOT, SEED

runner = CliRunner()
CLUSTER_YML = "fixtures/rke/seed-cluster.yml"
SEED_REPORT = [
    "report", "--snapshot", str(SEED), "--rke", CLUSTER_YML, "--switch-results", "fixtures/switch/fail",
    "--target", "v1.24", "-o", "json",
]  # fmt: skip

# every command that reads a cluster, with what it needs besides cluster access
READS_A_CLUSTER = {
    "cluster": ["cluster"],
    "rke": ["rke", CLUSTER_YML],
    "plan": ["plan", CLUSTER_YML, "--out", "{tmp}"],
    "report": ["report", "-o", "json"],
}


@pytest.mark.parametrize("name", sorted(READS_A_CLUSTER))
def test_every_cluster_reader_takes_the_same_scope_flags(name: str, tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in READS_A_CLUSTER[name]]
    both = runner.invoke(app, [*args, "-n", "a", "-A", "--kubeconfig", "/nonexistent"])
    assert both.exit_code == 2 and "-n and -A exclude each other" in both.output, both.output
    mixed = runner.invoke(app, [*args, "--snapshot", str(SEED), "--context", "x"])
    assert mixed.exit_code == 2 and "--snapshot reads a file" in mixed.output, mixed.output
    bad_timeout = runner.invoke(app, [*args, "--request-timeout", "soon"])
    assert bad_timeout.exit_code == 2 and "not a duration" in bad_timeout.output, bad_timeout.output


@pytest.mark.parametrize(
    "args",
    [
        ["cluster", "--snapshot", str(SEED)],
        ["rke", CLUSTER_YML],
        ["plan", CLUSTER_YML, "--out", "{tmp}/plan"],
        ["manifests", "tests/rules/DOCK001"],
    ],
)
def test_every_gating_command_writes_and_reads_a_baseline(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    baseline = tmp_path / "baseline.yaml"
    first = runner.invoke(app, [*args, "-o", "json", "--fail-on", "none", "--write-baseline", str(baseline)])
    assert first.exit_code == 0 and baseline.exists(), first.output
    assert json.loads(first.stdout)["summary"]["findings"] > 0
    again = runner.invoke(app, [*args, "-o", "json", "--fail-on", "info", "--baseline", str(baseline)])
    assert again.exit_code == 0, again.output  # everything found is accepted
    assert json.loads(again.stdout)["summary"]["findings"] == 0


def test_report_takes_a_baseline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    baseline = tmp_path / "baseline.yaml"
    before = runner.invoke(app, [*SEED_REPORT, "--write-baseline", str(baseline)])
    assert before.exit_code == 1 and baseline.exists(), before.output
    assert any("docker-socket" in r for r in json.loads(before.stdout)["decision"]["reasons"])
    after = runner.invoke(app, [*SEED_REPORT, "--baseline", str(baseline)])
    reasons = json.loads(after.stdout)["decision"]["reasons"]
    assert after.exit_code == 1 and not any("docker-socket" in r for r in reasons), reasons  # other reasons stay


def test_unwritable_outputs_are_one_line_usage_errors(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    for flag in ("--output-file", "--write-baseline"):
        result = runner.invoke(app, ["manifests", str(ROOT / "tests/rules/DOCK001"), flag, str(missing / "x")])
        assert result.exit_code == 2 and f"{missing / 'x'}: cannot write" in result.output, result.output
        assert "Traceback" not in result.output
