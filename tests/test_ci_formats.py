"""CI gate formats: SARIF 2.1.0 (validated against the OASIS schema) and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from typer.testing import CliRunner

from assessor.cli import app
from tests.conftest import ROOT
from tests.helpers import validate_sarif

runner = CliRunner()

COMMANDS = {
    "manifests": ["manifests", "tests/rules/DOCK001", "tests/rules/LOG001"],
    "snapshot": ["cluster", "--snapshot", "fixtures/clusters/seed-rke1.yaml"],
    "rke": ["rke", "fixtures/rke/seed-cluster.yml", "--snapshot", "fixtures/clusters/seed-rke1.yaml"],
}


def _run(args: list[str], fmt: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, [*args, "-o", fmt, "--fail-on", "none"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _json(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict:  # type: ignore[type-arg]
    return json.loads(_run(args, "json", monkeypatch))  # type: ignore[no-any-return]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_sarif_is_valid_sarif_2_1_0(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sarif = json.loads(_run(COMMANDS[command], "sarif", monkeypatch))
    validate_sarif(sarif)
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"][0]["results"]) == len(_json(COMMANDS[command], monkeypatch)["findings"])


def test_schema_rejects_a_broken_log() -> None:
    # the validator is live: a result without a message is not SARIF
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "X"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(broken)


def test_sarif_points_at_file_and_line_of_each_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    sarif = json.loads(_run(COMMANDS["manifests"], "sarif", monkeypatch))
    findings = _json(COMMANDS["manifests"], monkeypatch)["findings"]
    run = sarif["runs"][0]
    for result, finding in zip(run["results"], findings, strict=True):
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": finding["location"]["file"], "uriBaseId": "%SRCROOT%"}
        assert physical["region"]["startLine"] == finding["location"]["line"]
        assert (ROOT / finding["location"]["file"]).exists()
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    fingerprints = [r["partialFingerprints"]["assessorFinding/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("deploy/agent.yaml", {"uri": "deploy/agent.yaml", "uriBaseId": "%SRCROOT%"}),
        ("./deploy/agent.yaml", {"uri": "deploy/agent.yaml", "uriBaseId": "%SRCROOT%"}),
        (".github/x.yaml", {"uri": ".github/x.yaml", "uriBaseId": "%SRCROOT%"}),
        ("/elsewhere/x.yaml", {"uri": "file:///elsewhere/x.yaml"}),
    ],
)
def test_sarif_artifact_uris(path: str, uri: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from assessor.render.sarif import _artifact

    monkeypatch.chdir(ROOT)
    assert _artifact(path) == uri


def test_junit_has_a_case_per_rule_and_object_and_fails_at_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    findings = _json(COMMANDS["snapshot"], monkeypatch)["findings"]
    result = runner.invoke(app, [*COMMANDS["snapshot"], "-o", "junit", "--fail-on", "high"])
    assert result.exit_code == 1
    suite = ET.fromstring(result.stdout).find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(findings) == int(suite.get("tests", "-1"))
    failing = [f for f in findings if f["severity"] in ("critical", "high") and not f["suppressed"]]
    assert int(suite.get("failures", "-1")) == len(failing) == sum(c.find("failure") is not None for c in cases)
    assert all(c.get("name", "").startswith(c.get("classname", "").rsplit(".", 1)[-1]) for c in cases)
