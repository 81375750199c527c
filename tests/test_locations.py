"""Every location is a real line: the rendered file for helm output (the chart template apart),
the same line whichever command reads a file, and UTF-16 or BOM input read like any other."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from assessor.document import build_document
from assessor.model.problems import Problems
from assessor.render.options import RenderOptions
from assessor.render.registry import Kind, render
from assessor.scan import scan
from assessor.sources.documents import read_text
from assessor.sources.files import load_snapshot, scan_paths
from tests.conftest import ROOT

HELM = ROOT / "tests" / "data" / "helm"
SEED = "fixtures/clusters/seed-rke1.yaml"


def _evidence_text(result: dict) -> str:  # type: ignore[type-arg]
    value = str(result["properties"]["evidence"]["value"])
    # an env finding shows NAME=value; the manifest line holds the value alone
    if ".env[" in result["properties"]["evidence"]["path"]:
        value = value.split("=", 1)[1]
    return value


def test_sarif_on_helm_output_points_at_lines_that_hold_the_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HELM)
    sarif = json.loads(render(Kind.scan, "sarif", build_document(scan(scan_paths(["rendered.yaml"]))), RenderOptions()))
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"DOCK001", "DOCK005", "DOCK006", "CFG007"}
    templates_with_lines = 0
    for r in results:
        places = [loc["physicalLocation"] for loc in r["locations"]]
        places += [
            rel["physicalLocation"] for rel in r.get("relatedLocations", []) if "region" in rel["physicalLocation"]
        ]
        for physical in places:
            file = Path(physical["artifactLocation"]["uri"])
            assert file.is_file(), f"{r['ruleId']}: {file} does not exist"
            line = file.read_text().splitlines()[physical["region"]["startLine"] - 1]
            assert _evidence_text(r) in line, f"{r['ruleId']}: {file}:{physical['region']['startLine']} is {line!r}"
        templates_with_lines += sum("region" in rel["physicalLocation"] for rel in r.get("relatedLocations", []))
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "rendered.yaml"
    assert templates_with_lines >= 2  # the literal hostPath and the ConfigMap line


def test_a_templated_value_gives_the_template_no_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HELM)
    [dock005] = [f for f in scan(scan_paths(["rendered.yaml"])).findings if f.rule_id == "DOCK005"]
    # `path: {{ .Values.containersPath }}`: the mountPath line holds the same text but is not the evidence
    assert dock005.location["template"] == {"file": "agent/templates/daemonset.yaml"}


def test_snapshot_and_manifests_give_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)

    def lines(source: object) -> list[tuple[str, str, int | None]]:
        return sorted(
            (f.rule_id, f.evidence_path, f.location["line"])
            for f in scan(source).findings  # type: ignore[arg-type]
            if f.location.get("file")
        )

    snapshot, manifests = lines(load_snapshot(SEED)), lines(scan_paths([SEED]))
    assert snapshot == manifests
    text = (ROOT / SEED).read_text().splitlines()
    [(_, _, line)] = [x for x in snapshot if x[0] == "DOCK001" and "jobTemplate" in x[1]]
    assert (
        line is not None and "path: /var/run/docker.sock" in text[line - 1]
    )  # the evidence field, not the object's first line


POD = "apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: p}\r\n"
ENCODED = {
    "utf-16 with BOM (PowerShell 5)": codecs.BOM_UTF16_LE + POD.encode("utf-16-le"),
    "utf-16-be with BOM": codecs.BOM_UTF16_BE + POD.encode("utf-16-be"),
    "utf-16 without BOM": POD.encode("utf-16-le"),
    "utf-8 with BOM": codecs.BOM_UTF8 + POD.encode(),
}


@pytest.mark.parametrize("raw", ENCODED.values(), ids=ENCODED.keys())
def test_utf16_and_bom_input_is_read(raw: bytes) -> None:
    problems = Problems()
    assert read_text(raw, "x.yaml", problems, None) == POD
    assert not problems.items


def test_binary_input_is_still_binary() -> None:
    problems = Problems()
    assert read_text(b"\x7fELF\x02\x01\x01\x00\x00\x00", "x.bin", problems, None) is None
    assert "binary" in problems.items[0].message
