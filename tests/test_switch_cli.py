"""assess switch end to end without nginx: a local server, the emulator's watch, the CLI's outputs."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessor.cli import app
from assessor.sources.live import LiveCluster, LiveOptions
from assessor.switch.events import Event
from assessor.switch.watch import ClusterWatcher
from tests.conftest import ROOT, SEED
from tests.emulator import KubeEmulator

runner = CliRunner()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fail = False

    def do_GET(self) -> None:
        status = 503 if _Handler.fail else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.fail = False
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_run_without_command_passes(server: str, tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "assessor",
            "switch",
            "--url",
            server,
            "--rate",
            "20",
            "--duration",
            "1s",
            "--out",
            str(out),
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["schemaVersion"] == "1.0" and summary["kind"] == "SwitchTest"
    assert summary["totals"]["requests"] == 40 and summary["verdict"]["result"] == "pass"
    assert set(summary["phases"]) == {"run"}
    assert json.loads((out / "summary.json").read_text()) == summary


def test_command_failing_endpoint_and_thresholds(server: str, tmp_path: Path) -> None:
    script = "import time,sys; print('node/w1 cordoned', flush=True); time.sleep(0.6); print('node/w1 drained')"
    _Handler.fail = False
    flip = threading.Timer(1.3, lambda: setattr(_Handler, "fail", True))
    back = threading.Timer(1.7, lambda: setattr(_Handler, "fail", False))
    flip.start()
    back.start()
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "switch",
            "--url",
            server,
            "--rate",
            "20",
            "--warmup",
            "1s",
            "--cooldown",
            "1s",
            "--samplers",
            "new",
            "--out",
            str(out),
            "--junit",
            str(out / "j.xml"),
            "--",
            sys.executable,
            "-c",
            script,
        ],
    )
    summary = json.loads((out / "summary.json").read_text())
    assert result.exit_code == 1 and summary["verdict"]["result"] == "fail"
    assert summary["totals"]["errors"] > 0 and summary["intervals"][0]["statuses"] == {
        "503": summary["totals"]["errors"]
    }
    assert (out / "command.log").read_text().count("node/w1") == 2
    kinds = [json.loads(line)["kind"] for line in (out / "events.jsonl").read_text().splitlines()]
    assert kinds == ["node-cordon", "node-drain"]
    assert "<testsuite" in (out / "j.xml").read_text()
    assert "Switch test: FAIL" in result.stdout
    relaxed = runner.invoke(
        app,
        [
            "switch",
            "--url",
            server,
            "--rate",
            "5",
            "--duration",
            "1s",
            "--samplers",
            "new",
            "--out",
            str(tmp_path / "r2"),
            "--max-errors",
            "100",
        ],
    )
    assert relaxed.exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--url", "ftp://x/"],
        ["--url", "http://127.0.0.1:1/", "--samplers", "smoke"],
        ["--url", "http://127.0.0.1:1/", "--max-interval", "soon"],
        ["--url", "http://127.0.0.1:1/", "--rate", "0"],
    ],
)
def test_usage_errors(args: list[str]) -> None:
    assert runner.invoke(app, ["switch", *args]).exit_code == 2


def test_cluster_watch_turns_changes_into_events(tmp_path: Path) -> None:
    events: list[Event] = []
    with KubeEmulator.from_file(SEED) as emulator:
        cluster = LiveCluster(LiveOptions(kubeconfig=str(emulator.write_kubeconfig(tmp_path / "kc"))))
        watcher = ClusterWatcher(cluster, events.append, server_timeout=2)
        watcher.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(
            emulator.watchers(p) for p in ("/api/v1/nodes", "/api/v1/pods", "/api/v1/events")
        ):
            time.sleep(0.05)
        node = next(o for o in emulator.store[("v1", "nodes")] if o["metadata"]["name"] == "172.16.10.21")
        emulator.emit("/api/v1/nodes", "MODIFIED", {**node, "spec": {**node["spec"], "unschedulable": True}})
        pod = next(o for o in emulator.store[("v1", "pods")] if o["metadata"]["name"].startswith("frontend-"))
        status = json.loads(json.dumps(pod["status"]))
        status["containerStatuses"][0]["restartCount"] = 1
        status["containerStatuses"][0]["containerID"] = "docker://new"
        emulator.emit("/api/v1/pods", "MODIFIED", {**pod, "status": status})
        emulator.emit(
            "/api/v1/events",
            "ADDED",
            {
                "involvedObject": {"kind": "Pod", "name": pod["metadata"]["name"], "namespace": "default"},
                "reason": "Killing",
                "message": "Stopping container nginx",
                "source": {"host": "172.16.10.21"},
            },
        )
        while time.monotonic() < deadline and len(events) < 3:
            time.sleep(0.05)
        watcher.stop()
    kinds = {(e.kind, e.node) for e in events}
    assert ("node-cordon", "172.16.10.21") in kinds
    restart = next(e for e in events if e.kind == "container-restart")
    assert restart.workload == "DaemonSet default/frontend" and restart.container == "nginx"
    assert any(e.kind == "kube-event" and "Killing" in e.message for e in events)
