"""Hostile names in every medium: terminal (table, stderr), XML (JUnit), Markdown, HTML.

Object names, container names, node fields, file names and problem messages carry escape
sequences (`\\x1b]0;…` retitles a terminal, `\\x1b[2J` clears it), control characters (ill-formed
XML) and HTML (`<script>`, `<img onerror>`). Each renderer must make them inert for its medium.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from assessor.cli import app
from assessor.render.options import RenderOptions
from assessor.render.registry import Kind, render
from assessor.render.sanitize.markdown import md_cell, md_text
from assessor.render.sanitize.terminal import terminal
from assessor.render.sanitize.xml import xml_text

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "clusters" / "seed-rke1.yaml"

RETITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
LINK = "[click](https://evil.example/)"
CONTROL = "\x00\x01\x08\x0b\x0c\x1f\x7f\x85\u2028\u202e"

HOSTILE_WORKLOAD = {
    "apiVersion": "apps/v1",
    "kind": "DaemonSet",
    "metadata": {"name": f"agent{RETITLE}{SCRIPT}", "namespace": f"mon{CLEAR}{IMG}"},
    "spec": {
        "selector": {"matchLabels": {"app": "a"}},
        "template": {
            "metadata": {"labels": {"app": "a"}},
            "spec": {
                "containers": [
                    {
                        "name": f"c{CONTROL}{LINK}|`tick`",
                        "image": "datadog/agent:7",
                        "volumeMounts": [{"name": "sock", "mountPath": "/var/run/docker.sock"}],
                    }
                ],
                "volumes": [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}],
            },
        },
    },
}


def _snapshot(tmp_path: Path) -> Path:
    """The seed cluster, a hostile DaemonSet added and the first node's fields made hostile."""
    seed = yaml.safe_load(SEED.read_text())
    items = copy.deepcopy(seed["items"])
    node = next(i for i in items if i["kind"] == "Node")
    node["metadata"]["name"] = f"node{RETITLE}{IMG}"
    node["status"]["nodeInfo"]["osImage"] = f"Ubuntu{CLEAR}{SCRIPT}{CONTROL}"
    node["status"]["nodeInfo"]["containerRuntimeVersion"] = f"docker://19.3.1{RETITLE}"
    path = tmp_path / "snapshot.yaml"
    path.write_text(yaml.safe_dump({**seed, "items": [*items, HOSTILE_WORKLOAD]}))
    return path


@pytest.fixture
def doc(tmp_path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["cluster", "--snapshot", str(_snapshot(tmp_path)), "-o", "json"])
    assert result.exit_code == 1, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    assert any(RETITLE in f["object"]["name"] for f in data["findings"])  # the document keeps them as read
    return data


def _terminal_safe(text: str) -> None:
    for bad in ("\x1b", "\x07", "\x00", "\x85", "\u202e", "\u2028", "\r"):
        assert bad not in text, f"{bad!r} reached the terminal"


def test_table_shows_escape_sequences_escaped(doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    text = render(Kind.scan, "table", doc, RenderOptions())
    _terminal_safe(text)
    assert "\\x1b]0;pwned\\x07" in text  # visible, so the reader sees something is off


def test_table_with_colour_keeps_only_its_own_sequences(doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """On a colour terminal rich writes SGR codes; no other escape (OSC retitle, erase display) gets through."""
    import assessor.render.table as table

    monkeypatch.setattr(table, "_terminal", lambda: (400, True))
    text = render(Kind.scan, "table", doc, RenderOptions())
    assert "\x1b]" not in text and "\x1b[2J" not in text and "\x07" not in text


def test_stderr_problem_lines_are_escaped(tmp_path: Path) -> None:
    """A file name and a parse error holding escape sequences reach stderr escaped."""
    bad = tmp_path / f"bad{RETITLE}{CLEAR}.yaml"
    bad.write_text(f"kind: [\n{CLEAR}\n")
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(HOSTILE_WORKLOAD))
    result = CliRunner().invoke(app, ["manifests", str(tmp_path), "--fail-on", "none"])
    assert result.exit_code == 3, result.stderr
    _terminal_safe(result.stderr)
    _terminal_safe(result.stdout)
    assert "\\x1b]0;pwned" in result.stderr


def test_switch_summary_on_the_terminal_is_escaped() -> None:
    summary = json.loads((ROOT / "fixtures" / "switch" / "fail" / "summary.json").read_text())
    summary["intervals"][0]["headline"] = f"12 × 502 — DaemonSet default/{RETITLE}{CLEAR} restarted"
    summary["verdict"]["reasons"].append(f"node {RETITLE}")
    _terminal_safe(render(Kind.switch, "table", summary, RenderOptions()))


def test_junit_stays_well_formed(doc: dict[str, Any]) -> None:
    text = render(Kind.scan, "junit", doc, RenderOptions())
    root = ET.fromstring(text)  # raises on any character XML 1.0 forbids
    names = [case.get("name") or "" for case in root.iter("testcase")]
    assert any("agent]0;pwned" in n and SCRIPT in n for n in names)  # markup is escaped by XML, not dropped


def test_switch_junit_stays_well_formed() -> None:
    summary = json.loads((ROOT / "fixtures" / "switch" / "fail" / "summary.json").read_text())
    summary["intervals"][0]["headline"] = f"502 on {CONTROL}{RETITLE}"
    ET.fromstring(render(Kind.switch, "junit", summary, RenderOptions()))


def _markdown_safe(text: str) -> None:
    assert "<script" not in text and "<img" not in text
    assert "[click](" not in text
    assert "\x1b" not in text and "\x00" not in text


def test_markdown_escapes_html_and_markup(doc: dict[str, Any]) -> None:
    text = render(Kind.scan, "markdown", doc, RenderOptions())
    _markdown_safe(text)
    assert "&lt;script&gt;alert\\(1\\)" in text or "&lt;script&gt;alert(1)" in text
    rows = [line for line in text.splitlines() if "DaemonSet mon" in line and line.startswith("| ")]
    assert rows and all(line.count(" | ") == 4 for line in rows)  # a `|` in a name does not add a column


def test_markdown_problems_and_versions_are_escaped(tmp_path: Path) -> None:
    bad = tmp_path / f"x`{IMG}`.yaml"
    bad.write_text("kind: [\n")
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(HOSTILE_WORKLOAD))
    result = CliRunner().invoke(app, ["manifests", str(tmp_path), "-o", "markdown", "--fail-on", "none"])
    _markdown_safe(result.stdout)


def test_checklist_markdown_and_html_escape(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path)
    for suffix in ("md", "html"):
        out = tmp_path / f"report.{suffix}"
        result = CliRunner().invoke(app, ["report", "--snapshot", str(snapshot), "--output-file", str(out)])
        assert result.exit_code in (0, 1), result.stderr
        text = out.read_text()
        assert SCRIPT not in text and IMG not in text and "\x1b" not in text
        _terminal_safe(result.stderr)


def test_switch_report_html_escapes() -> None:
    from assessor.switch.report_html import render_report

    summary = json.loads((ROOT / "fixtures" / "switch" / "fail" / "summary.json").read_text())
    summary["intervals"][0]["headline"] = SCRIPT
    event = {"time": summary["perSecond"][0]["second"] + 0.5, "kind": "x", "node": IMG, "workload": SCRIPT}
    text = render_report(summary, [event])
    assert "&lt;script&gt;alert(1)" in text  # the event is drawn, escaped
    assert SCRIPT not in text and IMG not in text


@pytest.mark.parametrize(
    ("clean", "text", "expected"),
    [
        (terminal, f"a{RETITLE}b", "a\\x1b]0;pwned\\x07b"),
        (terminal, f"x{CLEAR}", "x\\x1b[2J"),
        (terminal, "tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        (terminal, "cr\rbidi\u202eend", "cr\\x0dbidi\\u202eend"),
        (xml_text, f"a{CONTROL}b\td\ue000", "a\x7f\x85\u2028\u202eb\td\ue000"),  # XML 1.0 allows 7F-9F
        (xml_text, "lone \udc80 surrogate", "lone  surrogate"),
        (md_text, SCRIPT, "&lt;script&gt;alert(1)&lt;/script&gt;"),
        (md_text, LINK, "\\[click\\](https://evil.example/)"),
        (md_text, "a*b*_c_`d`~~e~~", "a\\*b\\*\\_c\\_\\`d\\`\\~\\~e\\~\\~"),
        (md_cell, "a|b\nc", "a\\|b<br>c"),
        (md_cell, IMG, "&lt;img src=x onerror=alert(2)&gt;"),
    ],
)
def test_sanitisers(clean: Any, text: str, expected: str) -> None:
    assert clean(text) == expected


def test_stderr_console_escapes_and_redacts_library_errors() -> None:
    """An error text from a library (a URL in a connection error) is redacted and escaped on stderr."""
    import io

    from assessor.render.sanitize.terminal import SafeConsole

    buffer = io.StringIO()
    console = SafeConsole(file=buffer, force_terminal=False, no_color=True, soft_wrap=True)
    console.print(f"error: cannot reach https://admin:hunter2@10.0.0.1:6443{RETITLE}", markup=False)
    assert buffer.getvalue() == "error: cannot reach https://admin:<redacted>@10.0.0.1:6443\\x1b]0;pwned\\x07\n"
