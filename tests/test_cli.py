"""The command line: exit codes, output formats, the JSON contract, a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import typer
import yaml
from typer.testing import CliRunner

from assessor.cli import app
from tests.conftest import ROOT, SEED
from tests.emulator import KubeEmulator

runner = CliRunner()
SCHEMA = json.loads((ROOT / "docs" / "output-schema.json").read_text())
CORPUS_LIKE = ROOT / "tests" / "rules"

CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: clean}\ndata: {a: b}\n"
MEDIUM = (ROOT / "tests" / "rules" / "DOCK005" / "positive" / "fluentd-docker-logs.yaml").read_text()
CRITICAL = (ROOT / "tests" / "rules" / "DOCK002" / "positive" / "dockershim.yaml").read_text()


def _invoke(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("manifest", "extra", "code"),
    [
        (CLEAN, [], 0),
        (MEDIUM, [], 0),  # medium is below the default --fail-on high
        (MEDIUM, ["--fail-on", "medium"], 1),
        (CRITICAL, [], 1),
        (CRITICAL, ["--fail-on", "critical"], 1),
        (CRITICAL, ["--fail-on", "none"], 0),
        (CLEAN + "---\nkind: [\n", [], 3),  # part of the input was unreadable
        (CLEAN + "---\nkind: [\n", ["--allow-partial"], 0),
        (CRITICAL + "---\nkind: [\n", [], 1),  # findings win over an incomplete scan
        ("kind: [\n", [], 2),  # nothing usable at all
        ("", [], 2),
    ],
)
def test_exit_codes(manifest: str, extra: list[str], code: int) -> None:
    exit_code, _, stderr = _invoke(["manifests", "-", "-o", "json", *extra], stdin=manifest)
    assert exit_code == code, stderr


def test_usage_errors_exit_2() -> None:
    assert _invoke(["manifests", "-", "--fail-on", "severe"], stdin=CLEAN)[0] == 2
    assert _invoke(["manifests", "-", "-o", "pdf"], stdin=CLEAN)[0] == 2
    assert _invoke(["cluster", "--snapshot", str(SEED), "--context", "x"])[0] == 2
    assert _invoke(["cluster", "-n", "a", "-A", "--kubeconfig", "/nonexistent"])[0] == 2
    assert _invoke(["cluster", "--kubeconfig", "/nonexistent"])[0] == 2
    assert _invoke(["rules", "show", "NOPE999"])[0] == 2


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_machine_output_matches_the_documented_schema(fmt: str) -> None:
    code, out, _ = _invoke(["cluster", "--snapshot", str(SEED), "-o", fmt])
    assert code == 1
    doc = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["schemaVersion"] == "1.1"
    assert doc["summary"]["bySeverity"]["critical"] >= 1


def test_manifests_directory_json_is_valid(tmp_path: Path) -> None:
    code, out, _ = _invoke(["manifests", str(CORPUS_LIKE), "-o", "json", "--fail-on", "none"])
    assert code == 0
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert all(f["location"]["file"] and f["location"]["line"] for f in doc["findings"])


def test_json_stdout_stays_clean_when_input_has_problems() -> None:
    _, out, stderr = _invoke(["manifests", "-", "-o", "json"], stdin=CLEAN + "---\n- a list\n")
    json.loads(out)
    assert "note: <stdin>:6: document is a list" in stderr


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    code, out, _ = _invoke(["cluster", "--snapshot", str(SEED), "-o", "markdown", "--output-file", str(target)])
    assert code == 1 and out == ""
    assert target.read_text().startswith("# Docker Engine dependencies")


def test_rules_list_and_show() -> None:
    code, out, _ = _invoke(["rules"])
    assert code == 0 and "DOCK001" in out and "NODE001" in out
    code, out, _ = _invoke(["rules", "show", "docker-socket-mount"])
    assert code == 0 and "Why it matters:" in out and "basenames" in out
    code, out, _ = _invoke(["rules", "-o", "json"])
    assert {r["id"] for r in json.loads(out)} >= {"DOCK001", "DOCK002", "NODE001"}


def test_request_timeout_parsing() -> None:
    from assessor.cli import parse_duration

    assert [parse_duration(t) for t in ("30", "30s", "1m", "1m30s", "500ms")] == [30, 30, 60, 90, 0.5]
    with pytest.raises(typer.BadParameter):
        parse_duration("soon")


def test_real_subprocess_against_the_emulator(tmp_path: Path) -> None:
    """The installed entry point, a kubeconfig on disk, the emulator over HTTP: as a user runs it."""
    with KubeEmulator.from_file(SEED) as emulator:
        kubeconfig = emulator.write_kubeconfig(tmp_path / "config")
        live = subprocess.run(
            [
                sys.executable,
                "-m",
                "assessor",
                "cluster",
                "--kubeconfig",
                str(kubeconfig),
                "--context",
                "emulator",
                "--chunk-size",
                "5",
                "--request-timeout",
                "10s",
                "-o",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    offline = subprocess.run(
        [sys.executable, "-m", "assessor", "cluster", "--snapshot", str(SEED), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert live.returncode == offline.returncode == 1, live.stderr
    strip = ("location",)
    live_findings = [{k: v for k, v in f.items() if k not in strip} for f in json.loads(live.stdout)["findings"]]
    offline_findings = [{k: v for k, v in f.items() if k not in strip} for f in json.loads(offline.stdout)["findings"]]
    assert live_findings == offline_findings
    assert json.loads(live.stdout)["source"]["serverVersion"] == "v1.14.6"


def test_kubectl_plugin_name() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv[0] = 'kubectl-assess'; from assessor.cli import main; main()",
            "--help",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Usage: kubectl assess" in proc.stdout


def test_versions_section_matches_the_schema() -> None:
    code, out, _ = _invoke(
        [
            "rke",
            str(ROOT / "fixtures" / "rke" / "seed-cluster.yml"),
            "--snapshot",
            str(SEED),
            "--target",
            "v1.25",
            "-o",
            "json",
        ]
    )
    assert code == 1
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["versions"]["target"] == "1.25"
    code, out, _ = _invoke(["cluster", "--snapshot", str(SEED), "-o", "json"])
    jsonschema.validate(json.loads(out), SCHEMA)
    assert json.loads(out)["versions"]["current"]["kubernetesFrom"] == "kubelets"
