"""assess switch end to end without nginx: a local server, the emulator's watch, the CLI's outputs."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
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
    """The endpoint under test, plus control paths the switch command uses to start and end an outage.

    The fault is driven by the run's phases, not by timers: the command (the switch) starts
    it, and ends it once the server has answered FAIL_SERVED requests with 503.
    """

    protocol_version = "HTTP/1.1"
    fail = False
    failed = 0
    changed = threading.Condition()

    def do_GET(self) -> None:
        if self.path.startswith("/_control/"):
            self._control(self.path.removeprefix("/_control/"))
            return
        with _Handler.changed:
            status = 503 if _Handler.fail else 200
        self._reply(status)
        if status == 503:
            with _Handler.changed:
                _Handler.failed += 1
                _Handler.changed.notify_all()

    def _control(self, action: str) -> None:
        with _Handler.changed:
            if action == "fail":
                _Handler.fail, _Handler.failed = True, 0
            elif action.startswith("recover-after/"):
                wanted = int(action.split("/")[1])
                # bounded only so a broken run cannot hang the suite; the trigger is the count
                _Handler.changed.wait_for(lambda: _Handler.failed >= wanted, timeout=60)
                _Handler.fail = False
        self._reply(200)

    def _reply(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


# The switch command of the thresholds test: an outage that starts with the command phase and
# ends after the server has served three failing requests.
OUTAGE_SCRIPT = """
import sys, urllib.request
base = sys.argv[1]
print('node/w1 cordoned', flush=True)
urllib.request.urlopen(base + '_control/fail', timeout=30).read()
urllib.request.urlopen(base + '_control/recover-after/3', timeout=90).read()
print('node/w1 drained')
"""


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.fail, _Handler.failed = False, 0
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
            OUTAGE_SCRIPT,
            server,
        ],
    )
    summary = json.loads((out / "summary.json").read_text())
    assert result.exit_code == 1 and summary["verdict"]["result"] == "fail"
    assert summary["totals"]["errors"] >= 3 and summary["intervals"][0]["statuses"] == {
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
    three = threading.Event()

    def sink(event: Event) -> None:
        events.append(event)
        if len(events) >= 3:
            three.set()

    with KubeEmulator.from_file(SEED) as emulator:
        cluster = LiveCluster(LiveOptions(kubeconfig=str(emulator.write_kubeconfig(tmp_path / "kc"))))
        # the server would hold each watch open for 30 s: events must arrive as they happen, not at the close
        watcher = ClusterWatcher(cluster, sink, server_timeout=30)
        watcher.start()
        assert emulator.wait_for_watchers(("/api/v1/nodes", "/api/v1/pods", "/api/v1/events"))
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
        assert three.wait(10), watcher.errors
        watcher.stop()
    kinds = {(e.kind, e.node) for e in events}
    assert ("node-cordon", "172.16.10.21") in kinds
    restart = next(e for e in events if e.kind == "container-restart")
    assert restart.workload == "DaemonSet default/frontend" and restart.container == "nginx"
    assert any(e.kind == "kube-event" and "Killing" in e.message for e in events)
