"""assess switch when things go wrong: signals, a missing or failing command, reused or bad destinations,
nothing sent, a client out of file descriptors, too many URLs, and analysis in bounded memory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assessor.cli import app
from assessor.switch.analysis import Thresholds, analyse, horizon_for, ordered, run_verdict
from assessor.switch.quantiles import EXACT_LIMIT, RELATIVE_ERROR, Quantiles
from tests.conftest import ROOT

runner = CliRunner()


class _Server:
    """A server on 127.0.0.1 that counts requests and can hold each one (a slow backend)."""

    def __init__(self, hold: float = 0.0) -> None:
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer.hits += 1
                time.sleep(hold)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.close()


def _assess(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assessor", "switch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        **kwargs,
    )


def _wait_for(path: Path, proc: subprocess.Popen[str], limit: float = 60.0) -> None:
    """The phase of the run, seen from outside: the command has started when it wrote its marker."""
    deadline = time.monotonic() + limit
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_command_group_and_still_writes_the_summary(
    server: _Server, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    marker, pids = tmp_path / "started", tmp_path / "pids"
    # the command and a grandchild of it, both must end with the run
    script = f"sleep 300 & echo $! > {pids}; echo $$ >> {pids}; touch {marker}; wait"
    out = tmp_path / "run"
    proc = _assess(
        "--url",
        server.url,
        "--rate",
        "20",
        "--warmup",
        "0.2s",
        "--out",
        str(out),
        "-o",
        "json",
        "--",
        "sh",
        "-c",
        script,
    )
    _wait_for(marker, proc)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert json.loads(stdout) == summary
    assert summary["run"]["interrupted"] and summary["run"]["signal"] == sig.name
    assert summary["verdict"]["result"] == "inconclusive"
    assert f"interrupted ({sig.name})" in summary["verdict"]["reasons"][0]
    for pid in map(int, pids.read_text().split()):
        deadline = time.monotonic() + 10  # the grandchild is reaped by init, not by us
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(pid), f"process {pid} of the command outlived the run"


def test_sigterm_under_timeout_writes_the_summary(server: _Server, tmp_path: Path) -> None:
    """`timeout -s TERM` as CI uses it: the signal comes once the command runs (its marker), by timeout."""
    marker, out = tmp_path / "started", tmp_path / "run"
    # timeout signals its child (assess) after 1 s of command; the command itself would run 300 s
    timeout = ["timeout", "-s", "TERM", "--preserve-status", "120"]
    switch = ["--url", server.url, "--rate", "10", "--warmup", "0s", "--out", str(out), "-o", "json"]
    proc = subprocess.Popen(
        [*timeout, sys.executable, "-m", "assessor", "switch", *switch, "--", "sh", "-c", f"touch {marker}; sleep 300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    _wait_for(marker, proc)
    os.kill(proc.pid, signal.SIGTERM)  # timeout passes it on to assess, as at its deadline
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert json.loads((out / "summary.json").read_text())["run"]["signal"] == "SIGTERM"


def test_a_missing_command_is_one_line_and_an_inconclusive_summary(server: _Server, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["switch", "--url", server.url, "--warmup", "5s", "--out", str(out), "--", "no-such-command-h10"]
    )
    assert result.exit_code == 3
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines() == [
        f"error: no-such-command-h10: command not found; nothing was measured (summary in {out})"
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verdict"]["result"] == "inconclusive"
    assert summary["run"]["commandError"] == "no-such-command-h10: command not found"
    assert server.hits == 0  # no warm-up spent on a command that cannot start


@pytest.mark.parametrize("command", [["./not-here"], ["/etc/hostname"]])
def test_a_path_that_is_not_a_program_is_the_same(server: _Server, tmp_path: Path, command: list[str]) -> None:
    result = runner.invoke(app, ["switch", "--url", server.url, "--out", str(tmp_path / "run"), "--", *command])
    assert result.exit_code == 3 and result.stderr.startswith(f"error: {command[0]}: ")


def test_a_command_that_fails_fails_the_verdict(server: _Server, tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["switch", "--url", server.url, "--rate", "20", "--warmup", "0.2s", "--cooldown", "0.2s"]
    result = runner.invoke(app, [*args, "--out", str(out), "--", "sh", "-c", "exit 3"])
    summary = json.loads((out / "summary.json").read_text())
    assert result.exit_code == 1
    assert summary["verdict"] == {"result": "fail", "reasons": ["the command failed (exit code 3)"]}
    assert summary["totals"]["errors"] == 0  # the requests were fine: the command was not


def test_zero_requests_is_inconclusive_not_pass(server: _Server, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["switch", "--url", server.url, "--rate", "0.1", "--duration", "1s", "--out", str(out)])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["requests"] == 0
    assert result.exit_code == 3 and summary["verdict"]["result"] == "inconclusive"


def test_reusing_out_is_refused_and_force_starts_clean(server: _Server, tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["switch", "--url", server.url, "--rate", "20", "--duration", "0.5s", "--samplers", "new", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    first = json.loads((out / "summary.json").read_text())["totals"]["requests"]
    hits = server.hits
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "not empty" in again.stderr and server.hits == hits
    (out / "notes.txt").write_text("mine")
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["requests"] == first == 10
    assert sum(1 for _ in (out / "requests.jsonl").open()) == 10
    assert (out / "notes.txt").read_text() == "mine"  # only the run's own files are replaced


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (lambda t: ["--out", str(t / "file")], "--out must be a directory"),
        (lambda t: ["--out", str(t / "run"), "--junit", str(t / "missing" / "j.xml")], "does not exist"),
        (lambda t: ["--out", str(t / "run"), "--junit", str(t)], "names a directory"),
    ],
)
def test_bad_destinations_are_refused_before_the_run(server: _Server, tmp_path: Path, where: Any, message: str) -> None:
    (tmp_path / "file").write_text("x")
    result = runner.invoke(app, ["switch", "--url", server.url, "--duration", "1s", *where(tmp_path)])
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert server.hits == 0


def test_the_total_rate_is_capped_whatever_the_number_of_urls() -> None:
    urls = [arg for i in range(3) for arg in ("--url", f"http://127.0.0.1:1/{i}")]
    result = runner.invoke(app, ["switch", *urls, "--rate", "2000"])
    assert result.exit_code == 2 and "12000 requests/s" in result.output
    assert runner.invoke(app, ["switch", "--help"]).output.count("10000") >= 1


def test_out_of_file_descriptors_is_the_clients_fault(tmp_path: Path) -> None:
    slow = _Server(hold=1.0)  # each request held a second: at 100/s, about 100 sockets open at once
    out = tmp_path / "run"
    try:
        limit = "import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64)); "
        run = "import sys; from assessor.cli import main; sys.argv[0] = 'assess'; main()"
        args = ["--url", slow.url, "--rate", "100", "--samplers", "new", "--duration", "1s", "--timeout", "3s"]
        proc = subprocess.run(
            [sys.executable, "-c", limit + run, "switch", *args, "--out", str(out), "-o", "json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    finally:
        slow.close()
    assert proc.returncode == 3, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["totals"]["clientErrors"] > 0 and summary["totals"]["errors"] == 0
    assert summary["verdict"]["result"] == "inconclusive"
    assert "failed on this machine" in summary["verdict"]["reasons"][0]


# --- the analysis: streamed, bounded, and the same answer ---------------------------------------


def _completion_order(n: int, rate: float, samplers: int = 2) -> Iterator[dict[str, Any]]:
    """n records as a run writes them: by completion; latency up to 900 ms, so up to 900 ms out of send order."""
    pending: list[tuple[float, dict[str, Any]]] = []
    t0 = 1_800_000_000.0
    for i in range(n // samplers):
        for s in range(samplers):
            latency = 900.0 if i % 97 == 0 else 2.0 + (i * 7 + s) % 11
            failed = i % 500 < 3
            sent = t0 + i / rate
            rec: dict[str, Any] = {
                "sampler": f"s{s}",
                "seq": i,
                "sent": sent,
                "lag_ms": 0.5,
                "latency_ms": latency,
                "phase": "run",
                "status": 502 if failed else 200,
                "error_class": "http-5xx" if failed else None,
            }
            pending.append((sent + latency / 1000, rec))
        pending.sort(key=lambda p: p[0])
        while pending and pending[0][0] < t0 + i / rate:
            yield pending.pop(0)[1]
    yield from (r for _, r in sorted(pending, key=lambda p: p[0]))


def test_ordered_holds_only_the_horizon() -> None:
    rate, horizon = 100.0, horizon_for(0.25)  # 11 s
    consumed = 0
    most = 0

    def counting() -> Iterator[dict[str, Any]]:
        nonlocal consumed
        for r in _completion_order(40_000, rate):
            consumed += 1
            yield r

    last = -1.0
    for yielded, rec in enumerate(ordered(counting(), horizon), 1):
        assert rec.sent >= last  # send order
        last = rec.sent
        most = max(most, consumed - yielded)
    assert most <= 2 * rate * (horizon + 1)  # bounded by rate × horizon, not by the 40,000 records


def test_streamed_analysis_equals_the_in_memory_one() -> None:
    rows = list(_completion_order(6_000, 50.0))
    phases = {"run": {"start": rows[0]["sent"], "end": rows[-1]["sent"]}}
    streamed = analyse(iter(rows), [], 50.0, phases, Thresholds(), {}, horizon=horizon_for(5.0))
    in_memory = analyse(rows, [], 50.0, phases, Thresholds(), {})
    assert streamed == in_memory
    assert streamed["totals"]["errors"] > 0 and len(streamed["intervals"]) > 1


@pytest.mark.parametrize("line", [[], "x", {"sent": "soon", "seq": 1, "sampler": "new"}, {"sent": float("nan")}])
def test_lines_that_are_not_records_are_skipped(line: Any) -> None:
    summary = analyse([line], [], 5.0, {}, Thresholds(), {})
    assert summary["totals"]["requests"] == 0 and summary["verdict"]["result"] == "inconclusive"


def test_quantiles_are_exact_then_within_the_stated_error() -> None:
    small = Quantiles()
    for i in range(1, 101):
        small.add(float(i))
    assert small.summary() == {"p50": 51.0, "p90": 91.0, "p99": 100.0, "max": 100.0}
    big = Quantiles()
    values = [((i * 7919) % 100_003) / 10 for i in range(EXACT_LIMIT * 3)]
    for v in values:
        big.add(v)
    exact = sorted(values)
    got = big.summary()
    for q, key in ((0.5, "p50"), (0.9, "p90"), (0.99, "p99")):
        want, value = exact[int(q * len(exact))], got[key]
        assert value is not None and abs(value - want) <= want * RELATIVE_ERROR + 0.001, (key, value, want)
    assert got["max"] == round(max(values), 3)


@pytest.mark.parametrize(
    ("verdict", "run", "result"),
    [
        ("pass", {"commandExitCode": 2}, "fail"),
        ("pass", {"commandExitCode": 0}, "pass"),
        ("pass", {"interrupted": True, "signal": "SIGTERM"}, "inconclusive"),
        ("fail", {"interrupted": True}, "fail"),
        ("pass", {"commandError": "x: command not found"}, "inconclusive"),
        ("pass", {"commandTimedOut": True, "commandExitCode": -15}, "fail"),
    ],
)
def test_run_verdict(verdict: str, run: dict[str, Any], result: str) -> None:
    assert run_verdict({"result": verdict, "reasons": ["r"]}, run)["result"] == result
