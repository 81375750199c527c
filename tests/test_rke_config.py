"""cluster.yml reading: the full schema, unknown keys, wrong types, secrets never printed; `assess rke`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessor.cli import app
from assessor.model.rke import RkeConfigError
from assessor.sources.rke import load_rke_config
from tests.conftest import FIXTURES, SEED

runner = CliRunner()
SEED_YML = FIXTURES / "rke" / "seed-cluster.yml"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "cluster.yml"
    path.write_text(text)
    return str(path)


def test_seed_cluster_yml_reads_cleanly() -> None:
    config = load_rke_config(str(SEED_YML))
    assert not config.problems.items
    assert [n.roles for n in config.nodes] == [("controlplane", "etcd")] * 2 + [("worker",)] * 2
    assert config.kubernetes_version == "v1.14.6-rancher1-1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "one YAML mapping"),
        ("kubernetes_version: v1.20.15-rancher2-2\n", "no 'nodes' list"),
        ("nodes: [\n", "invalid YAML"),
        ("", "empty file"),
    ],
)
def test_unusable_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RkeConfigError, match=message):
        load_rke_config(path)
    result = runner.invoke(app, ["rke", path])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("nodes: just-one\n", "nodes must be a list, got a string", 1),
        (
            "nodes: []\nservices:\n  kubelet:\n    extra_args: [a, b]\n",
            "services.kubelet.extra_args must be a mapping",
            4,
        ),
        ("nodes: []\nupgrade_strategy:\n  drain: 'yes'\n", "upgrade_strategy.drain must be true or false", 3),
        ("nodes:\n  - {address: 1.2.3.4, port: [22]}\n", "nodes[0].port must be a number or a string", 2),
    ],
)
def test_wrong_types_name_the_field_and_line(tmp_path: Path, body: str, message: str, line: int) -> None:
    config = load_rke_config(_write(tmp_path, body))
    [error] = config.problems.errors
    assert message in error.message and error.line == line


def test_unknown_keys_are_warned_like_rke_ignores_them(tmp_path: Path) -> None:
    body = (
        "nodes: []\ningress:\n  provider: nginx\n  ingress_priority_class_name: high\nservices:\n  kubelet:\n"
        "    pod-infra-container-image: pause:3.1\nsurprise: 1\n"
    )
    notes = [(n.message, n.line) for n in load_rke_config(_write(tmp_path, body)).problems.notes]
    assert notes == [
        ("unknown key ingress.ingress_priority_class_name: RKE ignores it", 4),
        ("unknown key services.kubelet.pod-infra-container-image: RKE ignores it", 7),
        ("unknown key surprise: RKE ignores it", 8),
    ]


def test_rke_command_on_the_seed(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["rke", str(SEED_YML), "--rke-version", "v1.3.2", "--target", "v1.21.6", "--snapshot", str(SEED), "-o", "json"],
    )
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    versions = doc["versions"]
    assert versions["current"]["kubernetes"] == "v1.14.6" and versions["current"]["rke"] == "v1.3.2"
    assert versions["current"]["docker"] == ["19.03"]
    assert [h["to"] for h in versions["hops"]] == ["1.15", "1.16", "1.17", "1.18", "1.19", "1.20", "1.21", "1.21"]
    assert {"from", "to", "rke", "required_changes", "blockers"} <= set(versions["hops"][0])
    rules = {f["ruleId"] for f in doc["findings"]}
    assert {"RKE001", "RKE002", "RKE007", "DOCK001", "NODE001"} <= rules
    # cluster.yml and the nodes agree on v1.14: the target is a path of hops, not a jump
    assert "UPG001" not in rules
    assert "s3cr3t-registry-passw0rd" not in result.stdout


def test_rke_without_cluster_and_bad_flags(tmp_path: Path) -> None:
    result = runner.invoke(app, ["rke", str(SEED_YML), "-o", "json", "--fail-on", "none"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["versions"]["current"]["kubernetes"] == "v1.14.6-rancher1-1"
    assert runner.invoke(app, ["rke", str(SEED_YML), "--target", "soon"]).exit_code == 2
    assert runner.invoke(app, ["rke", str(SEED_YML), "--rke-version", "one"]).exit_code == 2


def test_manifests_target_reports_removed_apis_like_pluto(tmp_path: Path) -> None:
    manifest = tmp_path / "old.yaml"
    manifest.write_text(
        "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {minAvailable: 1}\n"
        "---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web}\nspec: {}\n"
    )
    below = json.loads(
        runner.invoke(app, ["manifests", str(manifest), "--target", "v1.21", "-o", "json", "--fail-on", "none"]).stdout
    )
    at = json.loads(
        runner.invoke(app, ["manifests", str(manifest), "--target", "v1.25", "-o", "json", "--fail-on", "none"]).stdout
    )
    assert {(f["ruleId"], f["severity"]) for f in below["findings"]} == {("API122", "low"), ("API125", "low")}
    assert {(f["ruleId"], f["severity"]) for f in at["findings"]} == {("API122", "high"), ("API125", "high")}
    assert all(f["category"] == "removed-api" for f in at["findings"])
