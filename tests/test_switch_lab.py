"""The seed reproduced on this machine: nginx per node over an app, an nginx load balancer over both
nodes, and a switch that restarts each node's backend. All traffic stays on 127.0.0.0/8."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.lab.lab import NODES, Lab, nginx_binary

NGINX = nginx_binary()
# In CI (.ci/run installs nginx) a missing nginx is a failure, not a skip.
pytestmark = pytest.mark.skipif(NGINX is None and not os.environ.get("CI"), reason="nginx is not installed")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    assert NGINX is not None, "nginx is required in CI"
    lab = Lab(tmp_path / "lab", NGINX)
    try:
        lab.start()
        yield lab
    finally:
        lab.stop()


def _switch(lab: Lab, mode: str, out: Path) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "assessor",
            "switch",
            "--url",
            lab.url,
            "--rate",
            "20",
            "--warmup",
            "3s",
            "--cooldown",
            "3s",
            "--timeout",
            "2s",
            "--out",
            str(out),
            "--junit",
            str(out / "junit.xml"),
            "--",
            sys.executable,
            "-m",
            "tests.lab.switch",
            str(lab.root / "state.json"),
            mode,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    summary = json.loads((out / "summary.json").read_text())
    return proc.returncode, summary, proc.stdout + proc.stderr


def test_abrupt_restarts_give_one_interval_per_node_matched_to_its_restart(lab: Lab, tmp_path: Path) -> None:
    code, summary, output = _switch(lab, "abrupt", tmp_path / "out")
    assert code == 1, output
    assert summary["verdict"]["result"] == "fail"
    assert summary["phases"]["baseline"]["errors"] == 0
    for sampler in ("new", "keepalive"):
        intervals = [i for i in summary["intervals"] if i["sampler"] == sampler]
        assert len(intervals) == 2, [i["headline"] for i in intervals]
        for interval, ip in zip(intervals, NODES.values(), strict=True):
            assert set(interval["statuses"]) == {"502"}
            top = interval["events"][0]
            assert top["node"] == ip and top["kind"] in ("container-stop", "container-start"), interval["events"]
            assert f"on {ip}" in interval["headline"]
    for name in ("requests.jsonl", "events.jsonl", "summary.json", "report.html", "command.log", "junit.xml"):
        assert (tmp_path / "out" / name).exists()
    rows = [json.loads(line) for line in (tmp_path / "out" / "requests.jsonl").read_text().splitlines()]
    assert {
        "sampler",
        "seq",
        "scheduled",
        "sent",
        "lag_ms",
        "latency_ms",
        "status",
        "error_class",
        "reused",
        "remote",
    } <= set(rows[0])
    assert any(r["reused"] for r in rows if r["sampler"] == "keepalive")
    assert not any(r["reused"] for r in rows if r["sampler"] == "new")
    assert "Processing host 127.0.0.2" in output  # the command's output is shown live


def test_graceful_switch_has_no_error(lab: Lab, tmp_path: Path) -> None:
    code, summary, output = _switch(lab, "graceful", tmp_path / "out")
    assert code == 0, output
    assert summary["totals"]["errors"] == 0 and summary["intervals"] == []
    assert summary["verdict"]["result"] == "pass"
