"""Predicted against observed (issue 13): forecast windows joined with switch intervals, and the report header."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assessor.checklist.forecast_check import forecast_check, node_names
from assessor.cli import app
from tests.conftest import ROOT

runner = CliRunner()
SEED_REPORT = [
    "report", "--snapshot", "fixtures/clusters/seed-rke1.yaml", "--rke", "fixtures/rke/seed-cluster.yml",
    "--switch-results", "fixtures/switch/fail", "--target", "v1.24",
]  # fmt: skip


def _node(name: str, address: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "status": {"addresses": [{"type": "InternalIP", "address": address}]}}


def _interval(start: str, end: str, events: list[dict[str, Any]], sampler: str = "new") -> dict[str, Any]:
    return {
        "start": start,
        "end": end,
        "seconds": 2.0,
        "errors": 10,
        "sampler": sampler,
        "headline": "h",
        "events": events,
    }


SWITCH = {
    "phases": {"command": {"start": "2026-01-01T10:00:10Z", "end": "2026-01-01T10:01:00Z"}},
    "intervals": [
        # a log-only event names the host by address: mapped to worker-a through the Node's addresses
        _interval("2026-01-01T10:00:20Z", "2026-01-01T10:00:22Z", [{"source": "log", "node": "10.0.0.5"}]),
        # a cluster event names the node itself
        _interval("2026-01-01T10:00:40Z", "2026-01-01T10:00:42Z", [{"source": "cluster", "node": "worker-c"}]),
        # before the command ran: not the switch's doing
        _interval("2026-01-01T10:00:01Z", "2026-01-01T10:00:02Z", [{"source": "cluster", "node": "worker-b"}]),
        # nothing names a node
        _interval("2026-01-01T10:00:50Z", "2026-01-01T10:00:51Z", []),
    ],
}
FORECAST = [
    {
        "workload": {"kind": "DaemonSet", "namespace": "web", "name": "front"},
        "errorWindows": [{"node": "worker-a", "seconds": 15}, {"node": "worker-b", "seconds": 15}],
    }
]


def test_windows_are_confirmed_by_node_through_addresses_and_the_rest_is_sorted_out() -> None:
    names = node_names([_node("worker-a", "10.0.0.5"), _node("worker-b", "10.0.0.6"), _node("worker-c", "10.0.0.7")])
    check = forecast_check(FORECAST, SWITCH, names)
    [confirmed] = check["confirmed"]
    assert (confirmed["workload"], confirmed["node"]) == ("DaemonSet web/front", "worker-a")
    assert [i["start"] for i in confirmed["observed"]] == ["2026-01-01T10:00:20Z"]
    # worker-b's only interval came before the command phase
    assert check["notObserved"] == [{"workload": "DaemonSet web/front", "node": "worker-b", "forecastSeconds": 15}]
    assert [(u["nodes"], u["start"]) for u in check["unforecast"]] == [
        (["worker-c"], "2026-01-01T10:00:40Z"),
        ([], "2026-01-01T10:00:50Z"),
    ]


def test_without_the_address_map_a_log_only_interval_is_not_matched() -> None:
    check = forecast_check(FORECAST, SWITCH, {})
    assert not check["confirmed"] and check["unforecast"][0]["nodes"] == ["10.0.0.5"]


def test_cluster_yml_hostname_override_and_addresses_map_to_the_node_name() -> None:
    names = node_names(
        [_node("web-1", "10.1.0.1")],
        [{"address": "203.0.113.1", "internal_address": "10.1.0.1", "hostname_override": "web-1"}, "junk"],  # type: ignore[list-item]
    )
    assert names["203.0.113.1"] == "web-1" and names["10.1.0.1"] == "web-1"


def _seed_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> tuple[int, Path]:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795708800")
    out = tmp_path / "deep" / "er" / name
    out.parent.mkdir(parents=True)
    result = runner.invoke(app, [*SEED_REPORT, "--output-file", str(out)])
    return result.exit_code, out


def test_seed_report_is_no_go_without_upg001_and_confirms_the_front_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = _seed_report(tmp_path, monkeypatch, "report.json")
    doc = json.loads(out.read_text())
    assert code == 1 and doc["decision"]["result"] == "no-go"
    assert not any("skipping" in r or "UPG001" in r for r in doc["decision"]["reasons"])
    statuses = {i["id"] for s in doc["sections"] for i in s["items"]}
    assert "versions-skipped-minors" not in statuses
    check = doc["forecastCheck"]
    confirmed = {(c["workload"], c["node"]) for c in check["confirmed"]}
    assert {("DaemonSet default/frontend", "172.16.10.21"), ("DaemonSet default/frontend", "172.16.10.22")} <= confirmed
    assert check["notObserved"] == [] and check["unforecast"] == []


def test_report_header_names_time_cluster_tool_and_digests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, out = _seed_report(tmp_path, monkeypatch, "report.json")
    header = json.loads(out.read_text())["header"]
    assert header["generated"] == "2026-11-26T16:00:00Z"
    assert header["cluster"] == "app-prod"
    assert header["tool"]["name"] == "assessor" and header["tool"]["version"]
    digests = {i["role"]: (i["path"], i["sha256"]) for i in header["inputs"]}
    for role in ("cluster.yml", "snapshot"):
        path, digest = digests[role]
        assert digest == hashlib.sha256((ROOT / path).read_bytes()).hexdigest()
    assert len(digests["switch test"][1]) == 64


@pytest.mark.parametrize("name", ["report.md", "report.html"])
def test_the_switch_link_resolves_from_the_report_and_the_join_is_rendered(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out = _seed_report(tmp_path, monkeypatch, name)
    text = out.read_text()
    as_json = out.with_suffix(".json")
    runner.invoke(app, [*SEED_REPORT, "--output-file", str(as_json)])
    doc_link = json.loads(as_json.read_text())
    [link] = [i["link"] for s in doc_link["sections"] for i in s["items"] if i.get("link")]
    assert (out.parent / link).resolve() == (ROOT / "fixtures/switch/fail/report.html").resolve()
    assert link in text
    assert "Forecast against the switch test" in text and "4 confirmed, 0 not observed, 0 unforecast" in text
    assert "sha256 " in text and "2026-11-26T16:00:00Z" in text and "cluster app-prod" in text


def test_report_on_the_seeds_own_mistake_is_no_go_for_upg001(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    seed = (ROOT / "fixtures/rke/seed-cluster.yml").read_text()
    ahead = tmp_path / "cluster.yml"
    ahead.write_text(seed.replace("kubernetes_version: v1.14.6-rancher1-1", "kubernetes_version: v1.21.6-rancher1-1"))
    args = [*SEED_REPORT[:3], "--rke", str(ahead), *SEED_REPORT[5:]]
    result = runner.invoke(app, [*args, "-o", "json"])
    doc = json.loads(result.stdout)
    assert doc["decision"]["result"] == "no-go"
    [reason] = [r for r in doc["decision"]["reasons"] if "skipping" in r]
    assert "v1.21.6-rancher1-1 but the cluster runs v1.14.6" in reason
