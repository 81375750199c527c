"""assess report: the go/no-go checklist on the seed cluster and on the same cluster after its fixes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessor.checklist.out_of_band import load_out_of_band
from assessor.cli import app
from tests.browser import chromium, count_colour, png_size, print_to_pdf, screenshot
from tests.conftest import ROOT
from tests.emulator import KubeEmulator

runner = CliRunner()
GOLDEN = Path(__file__).parent / "golden" / "report"
GO_GREEN, NO_GO_RED = (0x2F, 0x8F, 0x52), (0xC2, 0x3B, 0x3B)

CASES = {
    # the write-up's cluster: Docker everywhere, the DaemonSet front end, a failed switch rehearsal
    "seed": [
        "--snapshot", "fixtures/clusters/seed-rke1.yaml", "--rke", "fixtures/rke/seed-cluster.yml",
        "--switch-results", "fixtures/switch/fail", "--target", "v1.24",
    ],
    # after the fixes: upgraded to v1.23, agents on the CRI, Deployment + PDB front end, drain on, a passing rehearsal
    "hardened": [
        "--snapshot", "fixtures/clusters/seed-rke1-hardened.yaml", "--rke", "fixtures/rke/seed-cluster-hardened.yml",
        "--switch-results", "fixtures/switch/pass", "--target", "v1.24",
    ],
}  # fmt: skip


def _report(case: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795708800")  # the header's time, fixed for the golden files
    result = runner.invoke(app, ["report", *CASES[case], "--output-file", str(out)])
    assert out.exists(), result.output
    # the link to the switch report is relative to where the report is written
    switch_dir = "fixtures/switch/" + ("fail" if case == "seed" else "pass")
    link = os.path.relpath(ROOT / switch_dir / "report.html", out.parent.resolve())
    return result.exit_code, out.read_text(encoding="utf-8").replace(link, f"{switch_dir}/report.html")


def test_seed_is_no_go_for_the_reasons_in_the_write_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = _report("seed", tmp_path / "report.json", monkeypatch)
    doc = json.loads(text)
    assert code == 1
    assert doc["decision"]["result"] == "no-go"
    reasons = "\n".join(doc["decision"]["reasons"])
    for expected in (
        "Docker Engine runs on every node (4/4: docker://19.3.1)",
        "docker-socket: CronJob kube-system/image-cleanup, DaemonSet monitoring/datadog-agent",
        "docker-log-path: DaemonSet logging/fluentd",
        "docker-log-format: ConfigMap logging/fluentd-config",
        "the v1.24 hop is blocked: dockershim is gone",
        "forecast to drop requests — DaemonSet default/frontend (2 error window(s))",
        "the switch test failed: 90 error(s)",
    ):
        assert expected in reasons
    statuses = {s["id"]: {i["id"]: i["status"] for i in s["items"]} for s in doc["sections"]}
    assert statuses["inventory"]["inventory-docker-socket"] == "open"
    assert statuses["versions"]["nodes-runtime"] == "blocked"
    assert statuses["plan"]["forecast-DaemonSet-default-frontend"] == "open"
    assert statuses["switch"]["switch-test"] == "blocked"
    assert set(statuses["out-of-band"].values()) == {"needs-a-person"} and len(statuses["out-of-band"]) == len(
        load_out_of_band()
    )


def test_hardened_cluster_is_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = _report("hardened", tmp_path / "report.json", monkeypatch)
    doc = json.loads(text)
    assert (code, doc["decision"]["result"], doc["decision"]["reasons"]) == (0, "go", [])
    statuses = {s["id"]: {i["id"]: i["status"] for i in s["items"]} for s in doc["sections"]}
    assert statuses["switch"]["switch-test"] == "done"
    assert statuses["versions"]["nodes-runtime"] == "open"  # the switch itself is still to do
    assert "blocked" not in {st for section in statuses.values() for st in section.values()}


@pytest.mark.parametrize("suffix", ["md", "html"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, text = _report(case, tmp_path / f"report.{suffix}", monkeypatch)
    path = GOLDEN / f"{case}.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path} differs; UPDATE_GOLDEN=1 regenerates it"


def test_html_is_self_contained_and_printable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, text = _report("seed", tmp_path / "report.html", monkeypatch)
    for needle in ("<script", "src=", "<link", "@import", "url(", "http://", "https://cdn"):
        assert needle not in text
    assert "@media print" in text


def test_coverage_gaps_are_stated(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.forbidden |= {("configmaps", None), ("configmaps", "logging")}
    kubeconfig = seed_emulator.write_kubeconfig(tmp_path / "kubeconfig")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["report", "--kubeconfig", str(kubeconfig), "--output-file", str(out)])
    assert out.exists(), result.output
    gaps = next(s for s in json.loads(out.read_text())["sections"] if s["id"] == "coverage")["items"]
    assert any("configmaps in namespace logging: forbidden" in g["title"] for g in gaps), gaps


@pytest.mark.parametrize(
    "args",
    [["--output-file", "r.pdf"], ["-o", "pdf"], ["-o", "sarif", "--output-file", "r.md"], []],
)
def test_a_format_the_report_cannot_render_is_a_usage_error(args: list[str]) -> None:
    result = runner.invoke(app, ["report", "--snapshot", "x.yaml", *args])
    assert result.exit_code == 2
    assert "markdown, html, json, yaml" in result.output


def test_format_from_o_wins_over_the_suffix_and_stdout_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["report", *CASES["hardened"], "-o", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["decision"]["result"] == "go"
    out = tmp_path / "report.txt"
    result = runner.invoke(app, ["report", *CASES["hardened"], "-o", "markdown", "--output-file", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("# Pre-migration checklist: GO")


@pytest.mark.skipif(chromium() is None and not os.environ.get("CI"), reason="chromium is not installed")
@pytest.mark.parametrize(("case", "badge", "other"), [("seed", NO_GO_RED, GO_GREEN), ("hardened", GO_GREEN, NO_GO_RED)])
def test_report_renders_in_headless_chromium(
    case: str, badge: tuple[int, int, int], other: tuple[int, int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert chromium() is not None, "chromium is required in CI"
    page = tmp_path / "report.html"
    _report(case, page, monkeypatch)
    png = tmp_path / "top.png"
    screenshot(page, png, 1280, 240)
    assert png_size(png) == (1280, 240)
    # the decision badge is painted in its colour at the top of the page, and the other one is not
    assert count_colour(png, badge) > 1500
    assert count_colour(png, other) == 0


@pytest.mark.skipif(chromium() is None and not os.environ.get("CI"), reason="chromium is not installed")
def test_report_prints_to_several_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert chromium() is not None, "chromium is required in CI"
    page = tmp_path / "report.html"
    _report("seed", page, monkeypatch)
    # the seed checklist is long: printed, it must flow over pages rather than be clipped to one
    assert print_to_pdf(page, tmp_path / "report.pdf") >= 3
