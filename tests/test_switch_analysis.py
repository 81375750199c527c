"""Switch-test analysis: intervals, matching, verdicts, JUnit, the HTML report."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from assessor.render.junit import render_switch
from assessor.render.options import RenderOptions
from assessor.switch.analysis import Thresholds, analyse, find_intervals, percentiles
from assessor.switch.report_html import render_report
from tests.browser import chromium, png_size, screenshot

T0 = 1_800_000_000.0  # a fixed instant keeps the output reproducible
GOLDEN = Path(__file__).parent / "golden"


def records(pattern: str, rate: float = 20.0, sampler: str = "new", phase: str = "command") -> list[dict[str, Any]]:
    """One request per character: . ok, 5 a 502, r a reset, d dropped."""
    out = []
    for i, ch in enumerate(pattern):
        t = T0 + i / rate
        rec: dict[str, Any] = {
            "sampler": sampler,
            "seq": i,
            "sent": t,
            "scheduled": t,
            "lag_ms": 0.5,
            "latency_ms": 2.0 + (i % 5),
            "phase": phase,
            "status": 200,
            "error_class": None,
        }
        if ch == "5":
            rec.update(status=502, error_class="http-5xx")
        elif ch == "r":
            rec.update(status=None, error_class="reset")
        elif ch == "d":
            rec.update(status=None, error_class="dropped", latency_ms=None)
        out.append(rec)
    return out


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("..........", []),
        ("....555...", [(4, 7, 3)]),  # ends at the next good request
        ("....5.5.5.5.....", [(4, 11, 4)]),  # failures every other request: one interval
        ("..5" + "." * 60 + "5..", [(2, 3, 1), (63, 64, 1)]),  # 3 s apart at 20/s: two intervals
        ("......5555", [(6, 9, 4)]),  # still failing at the end: ends at the last failure
        ("..r5..", [(2, 4, 2)]),
    ],
)
def test_intervals(pattern: str, expected: list[tuple[int, int, int]]) -> None:
    got = find_intervals(records(pattern), merge_gap=2.0)
    assert [(round((i.start - T0) * 20), round((i.end - T0) * 20), i.errors) for i in got] == expected


def test_intervals_are_per_sampler_and_skip_dropped() -> None:
    rows = records("..555..", sampler="new") + records("..d....", sampler="keepalive")
    got = find_intervals(rows, 2.0)
    assert [(i.sampler, i.errors) for i in got] == [("new", 3)]


def _events() -> list[dict[str, Any]]:
    return [
        {"time": T0 + 0.1, "source": "log", "kind": "host-processing", "node": "w1"},
        {"time": T0 + 0.2, "source": "log", "kind": "container-stop", "node": "w1", "container": "app"},
        {
            "time": T0 + 0.3,
            "source": "cluster",
            "kind": "container-restart",
            "node": "w1",
            "workload": "DaemonSet default/frontend",
            "container": "nginx",
        },
        {"time": T0 + 30, "source": "log", "kind": "container-stop", "node": "w2", "container": "app"},
    ]


def test_matching_ranks_restarts_first_and_writes_the_headline() -> None:
    summary = analyse(
        records("....5555...."),
        _events(),
        20.0,
        {"command": {"start": T0, "end": T0 + 1}},
        Thresholds(),
        {"urls": ["u"]},
    )
    [interval] = summary["intervals"]
    assert [e["kind"] for e in interval["events"]] == ["container-restart", "container-stop", "host-processing"]
    assert interval["headline"].startswith("4 × 502 at ")
    assert interval["headline"].endswith("— DaemonSet default/frontend restarted on w1")


@pytest.mark.parametrize(
    ("pattern", "thresholds", "baseline", "result"),
    [
        ("........", Thresholds(), "....", "pass"),
        ("...55...", Thresholds(), "....", "fail"),
        ("...55...", Thresholds(max_errors=5), "....", "pass"),
        ("...55...", Thresholds(max_errors=5, max_error_ratio=0.1), "....", "fail"),
        ("...55...", Thresholds(max_errors=5, max_interval=0.05), "....", "fail"),
        ("...55...", Thresholds(max_errors=5, max_disrupted_seconds=1.0), "....", "pass"),
        ("........", Thresholds(max_p99_ms=3.0), "....", "fail"),
        ("....d...", Thresholds(), "....", "inconclusive"),
        ("........", Thresholds(), "..5.", "inconclusive"),
    ],
)
def test_verdicts(pattern: str, thresholds: Thresholds, baseline: str, result: str) -> None:
    rows = records(baseline, phase="baseline") + [
        {**r, "sent": r["sent"] + 10, "seq": r["seq"] + 100} for r in records(pattern)
    ]
    phases = {"baseline": {"start": T0, "end": T0 + 1}, "command": {"start": T0 + 10, "end": T0 + 11}}
    assert analyse(rows, [], 20.0, phases, thresholds, {})["verdict"]["result"] == result


def test_late_sends_make_the_run_inconclusive() -> None:
    rows = records("........")
    for r in rows:
        r["lag_ms"] = 900.0
    assert analyse(rows, [], 20.0, {}, Thresholds(), {})["verdict"]["result"] == "inconclusive"


def test_percentiles() -> None:
    assert percentiles([]) == {"p50": None, "p90": None, "p99": None, "max": None}
    assert percentiles([float(i) for i in range(1, 101)]) == {"p50": 51.0, "p90": 91.0, "p99": 100.0, "max": 100.0}


def _summary() -> dict[str, Any]:
    run = {
        "tool": {"name": "assessor", "version": "test"},
        "urls": ["http://127.0.0.1:8080/"],
        "rate": 20.0,
        "samplers": ["new"],
        "started": "2027-01-15T08:00:00.000Z",
        "ended": "2027-01-15T08:00:02.000Z",
        "command": ["rke", "up"],
        "commandExitCode": 0,
    }
    return analyse(
        records("...." + "5" * 8 + "." * 30),
        _events(),
        20.0,
        {"command": {"start": T0, "end": T0 + 2}},
        Thresholds(),
        run,
    )


def test_junit_is_valid_and_fails_on_intervals() -> None:
    root = ET.fromstring(render_switch(_summary(), RenderOptions()))
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite is not None and suite.get("failures") == "2"
    assert [c.get("name") for c in suite][:2] == ["schedule kept", "thresholds"]


def test_report_html_golden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    html = render_report(_summary(), _events())
    # self-contained: nothing loaded from anywhere (the SVG namespace is a name, not a download)
    for needle in ("<script", "src=", "<link", "@import", "url("):
        assert needle not in html
    path = GOLDEN / "switch-report.html"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(html)
    assert html == path.read_text()


@pytest.mark.skipif(chromium() is None and not os.environ.get("CI"), reason="chromium is not installed")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    assert chromium() is not None, "chromium is required in CI"
    page = tmp_path / "report.html"
    page.write_text(render_report(_summary(), _events()))
    png = tmp_path / "report.png"
    screenshot(page, png)
    assert png.exists() and png_size(png) == (1280, 1600)
    # a blank page compresses to almost nothing; the chart and tables do not
    assert png.stat().st_size > 30_000
