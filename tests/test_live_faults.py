"""Hostile and broken API servers (issue 12, item 6): no traceback, no hang, no unbounded read.

Content faults come from the emulator (one resource poisoned in an otherwise healthy cluster,
so the scan is partial); transport faults from raw-socket servers (tests/faultserver.py).
Times are measured on the run's own clock with bounds far above what an idle machine needs
(the suite shares two cores) and far below the minutes these cases took before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assessor.cli import app
from assessor.sources.kubeapi import (
    ApiStatus,
    BadResponse,
    KubeApi,
    KubeApiError,
    Policy,
    RequestTimeout,
    TooLarge,
    Unreachable,
    load_client,
)
from assessor.sources.live import LiveCluster, LiveError, LiveOptions, collect
from tests import faultserver
from tests.conftest import ROOT
from tests.emulator import KubeEmulator
from tests.faultserver import FaultServer

CONFIGMAPS = "/api/v1/configmaps"
runner = CliRunner()


def _live(kubeconfig: Path, **options: Any) -> LiveCluster:
    return LiveCluster(LiveOptions(kubeconfig=str(kubeconfig), **options), sleep=lambda _s: None)


def _api(kubeconfig: Path, **policy: Any) -> KubeApi:
    return KubeApi(load_client(str(kubeconfig), None), Policy(**policy), sleep=lambda _s: None)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# --- a malformed page is a failed list, and the coverage says which and why ---------------------

MALFORMED = [
    ("html", b"<!DOCTYPE html><html><body>Sign in</body></html>", "an HTML page, not JSON"),
    ("binary", bytes(range(256)) * 8, "binary data, not JSON"),
    ("empty", b"", "an empty answer"),
    ("truncated", b'{"kind": "ConfigMapList", "items": [', "invalid JSON"),
    ("deeply-nested", _nested(200_000), "invalid JSON"),
    ("json-list", b"[1, 2, 3]", "a JSON array, not an object"),
    ("json-string", b'"abc"', "a JSON string, not an object"),
    ("items-string", b'{"metadata": {}, "items": "abc"}', "items is a JSON string, not an array"),
    ("items-object", b'{"metadata": {}, "items": {"a": 1}}', "items is a JSON object, not an array"),
    ("metadata-string", b'{"metadata": "abc", "items": []}', "metadata is a JSON string, not an object"),
    ("item-number", b'{"metadata": {}, "items": [{"metadata": {"name": "a"}}, 5]}', "items[1] is a JSON number"),
    ("item-list", b'{"metadata": {}, "items": [[]]}', "items[0] is a JSON array, not an object"),
    ("item-metadata", b'{"metadata": {}, "items": [{"metadata": "abc"}]}', "items[0].metadata is not an object"),
    ("token-number", b'{"metadata": {"continue": 5}, "items": []}', "continue token is a JSON number"),
]


@pytest.mark.parametrize(("body", "expected"), [(b, e) for _, b, e in MALFORMED], ids=[n for n, _, _ in MALFORMED])
def test_malformed_page_fails_that_list_only(
    seed_emulator: KubeEmulator, tmp_path: Path, body: bytes, expected: str
) -> None:
    seed_emulator.faults.bodies[CONFIGMAPS] = body
    source = collect(_live(seed_emulator.write_kubeconfig(tmp_path / "kc")))
    [entry] = [c for c in source.coverage if c.resource == "configmaps"]
    assert entry.status == "error" and entry.objects == 0
    assert entry.message and CONFIGMAPS in entry.message and expected in entry.message, entry.message
    assert "\n" not in entry.message and len(entry.message) < 300  # one line, never the body itself
    assert not source.complete
    assert {c.status for c in source.coverage if c.resource != "configmaps"} <= {"complete", "not-served"}
    assert any(o.kind == "Pod" for o in source.objects)


def test_repeated_continue_token_fails_the_list_instead_of_looping(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.repeat_continue.add(CONFIGMAPS)
    source = collect(_live(seed_emulator.write_kubeconfig(tmp_path / "kc"), page_size=2))
    [entry] = [c for c in source.coverage if c.resource == "configmaps"]
    assert entry.status == "error" and "same continue token twice" in (entry.message or "")
    assert len([r for r in seed_emulator.requests if r.path == CONFIGMAPS]) == 2


def test_partial_scan_exits_3_and_the_json_names_the_failed_list(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.bodies[CONFIGMAPS] = b"<html>proxy error</html>"
    kubeconfig = seed_emulator.write_kubeconfig(tmp_path / "kc")
    result = runner.invoke(app, ["cluster", "--kubeconfig", str(kubeconfig), "-o", "json", "--fail-on", "none"])
    assert result.exit_code == 3, result.stderr
    doc = json.loads(result.stdout)
    [entry] = [r for r in doc["summary"]["coverage"]["resources"] if r["resource"] == "configmaps"]
    assert entry["status"] == "error" and "HTML page" in entry["message"]


# --- transport faults: every request has a total deadline -----------------------------------


@pytest.mark.parametrize(
    ("behaviour", "attempts"),
    [(faultserver.hung, 2), (faultserver.trickle(0.2), 1), (faultserver.trickle_status_line(0.2), 2)],
    ids=["hung", "trickled-body", "trickled-status-line"],
)
def test_request_gives_up_at_its_deadline(tmp_path: Path, behaviour: faultserver.Behaviour, attempts: int) -> None:
    """Before: a trickle never timed out (the timeout was per socket read); a hung scan took 551 s at 2 s."""
    with FaultServer(behaviour) as server:
        api = _api(server.write_kubeconfig(tmp_path / "kc"), request_timeout=1.0)
        assert api.enforces_deadlines
        started = time.monotonic()
        with pytest.raises(RequestTimeout, match="no complete answer within 1 s") as caught:
            api.get_json("/api/v1/pods")
        elapsed = time.monotonic() - started
    assert server.url in str(caught.value)
    # no answer: tried once more, then given up; a body cut off midway is not asked for again
    assert server.connections == attempts
    assert elapsed < 20, elapsed  # at most two attempts of 1 s each, with room for a busy machine


def test_endless_chunked_body_stops_at_the_size_cap(tmp_path: Path) -> None:
    """Before: MemoryError. The cap ends the read: the error says so, memory never holds more than the cap."""
    with FaultServer(faultserver.endless_chunked) as server:
        api = _api(server.write_kubeconfig(tmp_path / "kc"), request_timeout=60.0, max_response_bytes=8 << 20)
        with pytest.raises(TooLarge, match=r"/api/v1/pods: .*passed the 8 MiB limit"):
            api.get_json("/api/v1/pods")


def _reply(head: bytes, body: bytes = b"") -> faultserver.Behaviour:
    def behaviour(conn: Any, stopped: threading.Event) -> None:
        conn.sendall(head + body)

    return behaviour


@pytest.mark.parametrize(
    ("behaviour", "error", "expected"),
    [
        (
            _reply(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n"),
            TooLarge,
            "announced a 953674 MiB answer",
        ),
        (
            _reply(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n", b"\x1f\x8b\x08\x00"),
            BadResponse,
            "gzip-encoded answer it was not asked for",
        ),
        (
            _reply(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n", b'{"items": []'),
            Unreachable,
            "cannot reach the API server",  # the connection closed 88 bytes early
        ),
        (_reply(b"not HTTP at all\r\n\r\n"), Unreachable, "cannot reach the API server"),
    ],
    ids=["content-length-over-cap", "unasked-gzip", "short-body", "not-http"],
)
def test_broken_answers_are_typed_errors(
    tmp_path: Path, behaviour: faultserver.Behaviour, error: type[KubeApiError], expected: str
) -> None:
    with FaultServer(behaviour) as server:
        api = _api(server.write_kubeconfig(tmp_path / "kc"), request_timeout=5.0, max_response_bytes=1 << 20)
        with pytest.raises(error, match=expected):
            api.get_json("/api/v1/pods")


def test_endless_error_body_is_capped_too(tmp_path: Path) -> None:
    """A 500 whose body never ends: the status is reported; the body is read to ERROR_BODY_BYTES, not forever."""

    def endless_500(conn: Any, stopped: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % (1 << 20) + b"x" * (1 << 20) + b"\r\n"
        while not stopped.is_set():
            conn.sendall(chunk)

    with FaultServer(endless_500) as server:
        api = _api(server.write_kubeconfig(tmp_path / "kc"), request_timeout=60.0, max_attempts=1)
        started = time.monotonic()
        with pytest.raises(ApiStatus, match=r"^500 "):
            api.get_json("/api/v1/pods")
    assert time.monotonic() - started < 30


def test_refused_connection_is_tried_twice_then_one_error(tmp_path: Path) -> None:
    url = faultserver.refused_url()
    api = _api(faultserver.write_kubeconfig(tmp_path / "kc", url), request_timeout=5.0)
    with pytest.raises(Unreachable) as caught:
        api.get_json("/version")
    assert str(caught.value) == f"cannot reach the API server {url}: connection refused"
    assert api.requests == 2


# --- the scan's own deadline (--timeout) ------------------------------------------------------


def test_scan_deadline_ends_a_slow_scan_partially(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.delay[CONFIGMAPS] = 120  # within the request timeout, beyond the scan's
    cluster = _live(seed_emulator.write_kubeconfig(tmp_path / "kc"), request_timeout=100, scan_timeout=4)
    started = time.monotonic()
    source = collect(cluster)
    elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed
    not_read = {c.resource for c in source.coverage if (c.message or "").startswith("not read:")}
    assert not_read == {"configmaps", "services", "poddisruptionbudgets"}
    ran_out = [c for c in source.coverage if c.resource in not_read]
    assert all("the time for the whole scan (4 s) ran out" in (c.message or "") for c in ran_out)
    [problem] = source.problems.errors
    assert seed_emulator.url in problem.message and "--snapshot" in problem.message
    assert any(o.kind == "Pod" for o in source.objects) and not source.complete


def test_scan_deadline_with_nothing_read_is_one_error(tmp_path: Path) -> None:
    with FaultServer(faultserver.trickle(0.1)) as server:
        cluster = _live(server.write_kubeconfig(tmp_path / "kc"), request_timeout=60, scan_timeout=1.5)
        started = time.monotonic()
        with pytest.raises(LiveError, match=r"the time for the whole scan \(1.5 s\) ran out"):
            collect(cluster)
    assert time.monotonic() - started < 20
    assert server.connections == 1


def test_default_scan_timeout_is_sized_from_the_request_timeout() -> None:
    assert LiveOptions(request_timeout=30).total_timeout == 600
    assert LiveOptions(request_timeout=2).total_timeout == 300  # the floor: a big cluster takes a minute or two
    assert LiveOptions(request_timeout=2, scan_timeout=10).total_timeout == 10


# --- as a user sees it: a real process, its stderr, its exit code -----------------------------


def _assess(*args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "assessor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)},
    )
    return proc, time.monotonic() - started


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr and "urllib3" not in proc.stderr and "Warning" not in proc.stderr
    return lines[0]


def test_refused_connection_in_a_real_process(tmp_path: Path) -> None:
    """Before: 76 s and 14 urllib3 messages. Now: one line naming the server and suggesting --snapshot."""
    url = faultserver.refused_url()
    kubeconfig = faultserver.write_kubeconfig(tmp_path / "kc", url)
    proc, elapsed = _assess("cluster", "--kubeconfig", str(kubeconfig), "--request-timeout", "2s")
    assert proc.returncode == 2 and proc.stdout == ""
    line = _one_error_line(proc)
    assert url in line and "connection refused" in line and "--snapshot" in line
    assert elapsed < 30, elapsed


def test_hung_server_in_a_real_process(tmp_path: Path) -> None:
    """Before: 551 s with --request-timeout 2s. Now: two attempts of one request, then one line."""
    with FaultServer(faultserver.hung) as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kc")
        proc, elapsed = _assess("cluster", "--kubeconfig", str(kubeconfig), "--request-timeout", "1s")
    assert proc.returncode == 2
    line = _one_error_line(proc)
    assert server.url in line and "no complete answer within 1 s" in line and "--snapshot" in line
    assert elapsed < 40, elapsed


def test_partial_read_then_unreachable_exits_3(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.delay[CONFIGMAPS] = 120
    kubeconfig = seed_emulator.write_kubeconfig(tmp_path / "kc")
    proc, _ = _assess(
        "cluster", "--kubeconfig", str(kubeconfig), "--request-timeout", "1s", "-o", "json", "--fail-on", "none"
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = [x for x in proc.stderr.splitlines() if seed_emulator.url in x]
    assert "no complete answer within 1 s" in line and "--snapshot" in line
    doc = json.loads(proc.stdout)
    statuses = {r["resource"]: r["status"] for r in doc["summary"]["coverage"]["resources"]}
    assert statuses["pods"] == "complete" and statuses["configmaps"] == statuses["services"] == "error"


# --- kubeconfig and durations: one-line usage errors ------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("clusters: [\n  - {name: x\n", "not valid YAML (line 2)"),
        ("- just\n- a list\n", "cannot load kubeconfig"),
        ("clusters: 5\ncontexts: 5\ncurrent-context: 5\n", "cannot load kubeconfig"),
        ("\0\0\0", "not valid YAML"),
    ],
    ids=["bad-yaml", "a-list", "wrong-types", "nul-bytes"],
)
def test_broken_kubeconfig_is_one_line(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "kc"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LiveError) as caught:
        LiveCluster(LiveOptions(kubeconfig=str(path)))
    assert expected in str(caught.value) and "\n" not in str(caught.value)
    result = runner.invoke(app, ["cluster", "--kubeconfig", str(path)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and expected in result.stderr


def test_kubeconfig_dev_zero_in_a_real_process() -> None:
    proc, elapsed = _assess("cluster", "--kubeconfig", "/dev/zero", timeout=60)
    assert proc.returncode == 2
    assert "/dev/zero" in _one_error_line(proc)
    assert elapsed < 30


ABSURD = ["-1s", "0", "0s", "0ms", "25h", "86401", "100000h", "9" * 400, "nan", "inf", "1e309", "1e3", "1d", " 5s"]


@pytest.mark.parametrize("value", ABSURD)
@pytest.mark.parametrize("flag", ["--request-timeout", "--timeout"])
def test_absurd_durations_are_usage_errors(flag: str, value: str) -> None:
    result = runner.invoke(app, ["cluster", "--kubeconfig", "/nonexistent", flag, value])
    assert result.exit_code == 2, result.stderr
    [error] = [line for line in result.stderr.splitlines() if "Invalid value" in line]
    assert flag in error and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "allow_zero", "seconds"), [("24h", False, 86400), ("0s", True, 0), ("1m30s", False, 90)]
)
def test_durations_at_the_limits(text: str, allow_zero: bool, seconds: float) -> None:
    from assessor.cli.options import parse_duration

    assert parse_duration(text, allow_zero) == seconds


# --- the switch watcher: a hostile server costs the watcher only --------------------------------


class _Holder:
    def __init__(self, api: KubeApi) -> None:
        self.api = api


def _capture_thread_errors() -> tuple[list[BaseException], Callable[[], None]]:
    seen: list[BaseException] = []
    previous = threading.excepthook

    def hook(args: Any) -> None:
        seen.append(args.exc_value)

    threading.excepthook = hook

    def restore() -> None:
        threading.excepthook = previous

    return seen, restore


def test_watcher_survives_malformed_lists_and_objects(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    from assessor.switch.events import Event
    from assessor.switch.watch import ClusterWatcher

    seed_emulator.faults.bodies["/api/v1/events"] = b"<html>nope</html>"
    api = KubeApi(load_client(str(seed_emulator.write_kubeconfig(tmp_path / "kc")), None), Policy(request_timeout=5))
    events: list[Event] = []
    cordoned = threading.Event()

    def sink(event: Event) -> None:
        events.append(event)
        if event.kind == "node-cordon":
            cordoned.set()

    thread_errors, restore = _capture_thread_errors()
    watcher = ClusterWatcher(_Holder(api), sink, server_timeout=30)
    try:
        watcher.start()
        assert seed_emulator.wait_for_watchers(("/api/v1/nodes", "/api/v1/pods"))
        pod = seed_emulator.store[("v1", "pods")][0]
        seed_emulator.emit("/api/v1/pods", "MODIFIED", {**pod, "status": "abc"})  # status must be an object
        node = seed_emulator.store[("v1", "nodes")][0]
        seed_emulator.emit("/api/v1/nodes", "MODIFIED", {**node, "spec": {**node["spec"], "unschedulable": True}})
        assert cordoned.wait(10), watcher.errors  # the other streams go on
        waited = time.monotonic() + 10  # the pods stream reports its bad object on its own thread
        while not any(e.startswith("pods: skipped") for e in watcher.errors) and time.monotonic() < waited:
            time.sleep(0.05)
    finally:
        started = time.monotonic()
        watcher.stop()
        restore()
    assert time.monotonic() - started < 10
    assert thread_errors == []
    assert any(e.startswith("/api/v1/events: the API server sent an HTML page") for e in watcher.errors), watcher.errors
    assert any(e.startswith("pods: skipped MODIFIED") for e in watcher.errors), watcher.errors


def test_switch_with_a_hung_api_server_still_measures(tmp_path: Path) -> None:
    """The load test runs its full course and passes; the watcher's trouble is a note in the summary."""
    from http.server import ThreadingHTTPServer

    from tests.test_switch_cli import _Handler

    target = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    serving = threading.Thread(target=target.serve_forever, daemon=True)
    serving.start()
    try:
        with FaultServer(faultserver.hung) as api_server:
            kubeconfig = api_server.write_kubeconfig(tmp_path / "kc")
            out = tmp_path / "run"
            proc, elapsed = _assess(
                "switch",
                "--url",
                f"http://127.0.0.1:{target.server_address[1]}/",
                "--rate",
                "10",
                "--duration",
                "2s",
                "--samplers",
                "new",
                "--kubeconfig",
                str(kubeconfig),
                "--request-timeout",
                "30s",
                "--out",
                str(out),
                "-o",
                "json",
            )
    finally:
        target.shutdown()
        target.server_close()
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["verdict"]["result"] == "pass" and summary["totals"]["requests"] == 20
    assert any("left behind" in e for e in summary["run"]["watcherErrors"]), summary["run"]["watcherErrors"]
    assert elapsed < 60, elapsed  # 2 s of load, then at most STOP_WAIT for the watcher, not 30 s per stream
