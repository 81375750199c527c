"""Advice an operator can execute as written (issue 13): targets, UPG001, forecast and remediation wording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessor.catalog import bundled_rules
from assessor.cli import app
from tests.conftest import FIXTURES, SEED
from tests.test_rule_fixtures import run_fixture

runner = CliRunner()
SEED_YML = FIXTURES / "rke" / "seed-cluster.yml"
UPG001 = Path(__file__).parent / "rules" / "UPG001"


def _json(args: list[str]) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "-o", "json", "--fail-on", "none"])
    assert result.exit_code in (0, 3), result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "args",
    [
        ["cluster", "--snapshot", str(SEED)],
        ["rke", str(SEED_YML)],
        ["rke", str(SEED_YML), "--snapshot", str(SEED)],
        ["manifests", str(UPG001)],
    ],
)
def test_every_command_has_the_same_default_target_and_prints_it(args: list[str]) -> None:
    doc = _json(args)
    assert doc["target"] == {"kubernetes": "v1.30", "given": False}
    if "versions" in doc and doc["versions"]["target"]:
        assert doc["versions"]["target"] == "1.30"
    table = runner.invoke(app, [*args, "--fail-on", "none"], env={"COLUMNS": "200"})
    assert "target v1.30 (default:" in table.stdout
    given = _json([*args, "--target", "v1.24"])
    assert given["target"] == {"kubernetes": "v1.24", "given": True}


def test_cluster_yml_ahead_of_the_nodes_is_upg001_and_the_target_is_not() -> None:
    ahead = _json(
        [
            "rke",
            str(UPG001 / "positive" / "ahead-of-nodes.cluster.yml"),
            "--snapshot",
            str(UPG001 / "positive" / "v1-14-nodes.snapshot.yaml"),
        ]
    )
    [jump] = [f for f in ahead["findings"] if f["ruleId"] == "UPG001"]
    assert "v1.21.6-rancher1-1 but the cluster runs v1.14.6" in jump["message"]
    assert "skipping 6 minors (v1.15–v1.20)" in jump["message"]
    # the path starts where the nodes are, not where cluster.yml says
    assert ahead["versions"]["hops"][0]["from"] == "1.14"
    seed = _json(["rke", str(SEED_YML), "--snapshot", str(SEED), "--target", "v1.24"])
    assert not [f for f in seed["findings"] if f["ruleId"] == "UPG001"]


def test_direct_is_the_only_way_a_target_alone_is_a_jump() -> None:
    plain = _json(["rke", str(SEED_YML), "--target", "v1.24"])
    direct = _json(["rke", str(SEED_YML), "--target", "v1.24", "--direct"])
    assert not [f for f in plain["findings"] if f["ruleId"] == "UPG001"]
    [jump] = [f for f in direct["findings"] if f["ruleId"] == "UPG001"]
    assert "skipping 9 minors (v1.15–v1.23)" in jump["message"]


def test_the_forecast_counts_minors_not_findings() -> None:
    findings, errors = run_fixture(Path(__file__).parent / "rules" / "FC010" / "positive" / "jump.cluster.yml")
    assert not errors
    [upg] = {f.message for f in findings if f.rule_id == "UPG001"}
    assert "skipping 2 minors (v1.25–v1.26)" in upg
    forecast = {f.message for f in findings if f.rule_id == "FC010"}
    assert forecast == {
        "cluster.yml's kubernetes_version skips 2 minors: unsupported, and not zero-downtime by RKE's own rules"
    }


def test_rke007_says_what_the_runbook_does() -> None:
    [rule] = [r for r in bundled_rules() if r.id == "RKE007"]
    text = f"{rule.rationale} {rule.remediation}"
    assert "read it from a file" not in text and "should reference it from a file" not in text
    assert "cannot read a password from a file" in text and "sed" in text and "--include-secrets" in text


def test_kinds_the_removal_table_knows_are_not_unknown(tmp_path: Path) -> None:
    manifest = tmp_path / "flow.yaml"
    manifest.write_text(
        "apiVersion: flowcontrol.apiserver.k8s.io/v1beta1\nkind: FlowSchema\nmetadata: {name: f}\nspec: {}\n"
        "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    )
    result = runner.invoke(app, ["manifests", str(manifest), "-o", "json", "--fail-on", "none", "--target", "v1.26"])
    doc = json.loads(result.stdout)
    assert any(f["ruleId"] == "API126" for f in doc["findings"])
    notes = [p["message"] for p in doc["problems"]]
    assert not any("unknown kind FlowSchema" in n for n in notes)
    assert any("unknown kind Widget" in n for n in notes)  # a kind nothing reads is still reported
