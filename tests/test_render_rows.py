"""The table and markdown fold findings by their `group` key, and the table never breaks a
`file:line`, an object name or a URL, from 80 columns up; JSON keeps one entry per instance."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessor.document import build_document
from assessor.render.options import RenderOptions
from assessor.render.registry import Kind, render
from assessor.render.table import shorten_location
from assessor.scan import ScanOptions, scan
from assessor.sources.files import load_snapshot, scan_paths
from tests.conftest import ROOT

AGENT = """apiVersion: apps/v1
kind: DaemonSet
metadata: {name: datadog-agent-with-a-rather-long-name-for-the-table, namespace: monitoring}
spec:
  selector: {matchLabels: {app: datadog}}
  template:
    metadata: {labels: {app: datadog}}
    spec:
      containers:
        - name: agent
          image: example/agent:1
          volumeMounts: [{name: dockersocket, mountPath: /var/run/docker.sock}]
        - name: trace-agent
          image: example/agent:1
          volumeMounts: [{name: dockersocket, mountPath: /var/run/docker.sock}]
      volumes:
        - {name: dockersocket, hostPath: {path: /var/run/docker.sock}}
"""


def _seed(monkeypatch: pytest.MonkeyPatch) -> dict:  # type: ignore[type-arg]
    monkeypatch.chdir(ROOT)
    return build_document(scan(load_snapshot("fixtures/clusters/seed-rke1.yaml")))


@pytest.mark.parametrize("width", [80, 100, 140])
def test_every_file_line_and_object_name_is_whole_on_one_line(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _seed(monkeypatch)
    lines = render(Kind.scan, "table", doc, RenderOptions(width=width)).splitlines()
    for f in doc["findings"]:
        loc = f["location"]
        if loc.get("file"):
            label = f"{loc['file']}:{loc['line']}"
            short = shorten_location(label, width - 11)
            assert any(short in line for line in lines), f"{label} ({short}) is broken at {width} columns"
        name = f["object"]["name"]
        assert any(name in line for line in lines), f"{name} is broken at {width} columns"
        assert any(f["docs"] in line for line in lines), f"{f['docs']} is broken at {width} columns"


def test_a_long_path_is_shortened_from_the_left_at_a_slash() -> None:
    label = "/home/someone/projects/platform/fixtures/clusters/seed-rke1.yaml:2263"
    assert shorten_location(label, 40) == "…/fixtures/clusters/seed-rke1.yaml:2263"
    assert shorten_location(label, 20) == "…/seed-rke1.yaml:2263"
    assert shorten_location("short.yaml:3", 20) == "short.yaml:3"


def test_containers_of_one_object_are_one_row_and_json_keeps_each(tmp_path: Path) -> None:
    file = tmp_path / "agent.yaml"
    file.write_text(AGENT)
    doc = build_document(scan(scan_paths([str(file)])))
    dock001 = [f for f in doc["findings"] if f["ruleId"] == "DOCK001"]
    assert [f["container"] for f in dock001] == ["agent", "trace-agent"]
    assert len({f["group"] for f in dock001}) == 1
    table = render(Kind.scan, "table", doc, RenderOptions(width=80))
    assert table.count("DOCK001 ") == 1 + table.count("DOCK001 Docker Engine")  # one row, plus "What to do"
    assert "[agent, trace-agent]" in table
    markdown = render(Kind.scan, "markdown", doc, RenderOptions())
    assert [line for line in markdown.splitlines() if line.startswith("| DOCK001")] == [
        line for line in markdown.splitlines() if "| agent, trace-agent |" in line
    ]


def test_nodes_with_the_same_finding_are_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _seed(monkeypatch)
    assert sum(f["ruleId"] == "NODE001" for f in doc["findings"]) == 4
    table = render(Kind.scan, "table", doc, RenderOptions(width=140))
    assert "NODE001  4 nodes: 172.16.10.11, 172.16.10.12, 172.16.10.21, 172.16.10.22" in table
    markdown = render(Kind.scan, "markdown", doc, RenderOptions())
    assert "| NODE001 | 4 nodes: 172.16.10.11, 172.16.10.12, 172.16.10.21, 172.16.10.22 |" in markdown


@pytest.mark.parametrize("fmt", ["table", "markdown", "sarif", "junit", "json", "yaml"])
@pytest.mark.parametrize("destination", ["rke2", "containerd"])
def test_every_output_states_the_destination(fmt: str, destination: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = scan(load_snapshot("fixtures/clusters/seed-rke1.yaml"), None, ScanOptions(destination=destination))
    text = render(Kind.scan, fmt, build_document(result), RenderOptions(width=100)).lower()
    assert "destination" in text
    assert destination in text.split("destination", 1)[1][:40]
