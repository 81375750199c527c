"""Every format a command's --help lists renders; every other format exits 2 and names the listed ones."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner, Result

from assessor.cli import app
from assessor.cli.options import render_kind
from assessor.render.registry import REGISTRY, formats
from tests.conftest import ROOT, SEED
from tests.helpers import validate_sarif
from tests.test_switch_cli import server  # noqa: F401 - the fixture the switch runs send requests to

runner = CliRunner()
CLUSTER_YML = "fixtures/rke/seed-cluster.yml"
HARDENED = [
    "--snapshot", "fixtures/clusters/seed-rke1-hardened.yaml", "--rke", "fixtures/rke/seed-cluster-hardened.yml",
    "--switch-results", "fixtures/switch/pass", "--target", "v1.24",
]  # fmt: skip

# a run of each command that succeeds, given its output options; {tmp} is a fresh folder
COMMANDS: dict[str, list[str]] = {
    "cluster": ["cluster", "--snapshot", str(SEED), "--fail-on", "none"],
    "rke": ["rke", CLUSTER_YML, "--snapshot", str(SEED), "--fail-on", "none"],
    "plan": ["plan", CLUSTER_YML, "--out", "{tmp}/plan", "--fail-on", "none"],
    "manifests": ["manifests", "tests/rules/DOCK001", "--fail-on", "none"],
    "report": ["report", *HARDENED],
    # a node whose Engine is gone: the host-file part still renders (and is partial, hence --allow-partial)
    "node": [
        "node",
        "--docker-host",
        "unix:///nonexistent/docker.sock",
        "--root",
        "fixtures",
        "--fail-on",
        "none",
        "--allow-partial",
    ],
    "rules": ["rules"],
    "rules show": ["rules", "show", "DOCK001"],
    "switch": ["switch", "--url", "{server}", "--rate", "10", "--duration", "0.3s", "--out", "{tmp}/switch"],
}


def _valid_sarif(log: dict[str, object]) -> bool:
    validate_sarif(log)  # raises when it is not
    return True


CHECKS: dict[str, Callable[[str], object]] = {
    "json": json.loads,
    "yaml": yaml.safe_load,
    "junit": lambda text: ET.fromstring(text).find("testsuite"),
    "sarif": lambda text: _valid_sarif(json.loads(text)),
    "html": lambda text: text.lower().startswith("<!doctype html"),
    "markdown": lambda text: text.strip(),
    "table": lambda text: text.strip(),
}
ALL_FORMATS = sorted({f for renderers in REGISTRY.values() for f in renderers} | {"pdf"})


def _listed(name: str) -> list[str]:
    """The formats the command's --help names after "Output format:"."""
    help_text = runner.invoke(app, [*name.split(), "--help"], terminal_width=400).stdout
    match = re.search(r"Output format: (.*?) \(", " ".join(help_text.split()))
    assert match, help_text
    return match.group(1).split(", ")


def _command_names() -> list[str]:
    root = typer.main.get_command(app)
    names = []
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        names += [name] if render_kind(cmd.callback) else []
        names += [f"{name} {sub}" for sub, c in getattr(cmd, "commands", {}).items() if render_kind(c.callback)]
    return names


def test_every_command_is_covered_and_lists_its_registry_formats() -> None:
    root = typer.main.get_command(app)
    assert sorted(_command_names()) == sorted(COMMANDS)
    for name in COMMANDS:
        cmd = root
        for word in name.split():
            cmd = cmd.commands[word]  # type: ignore[attr-defined]
        kind = render_kind(cmd.callback)
        assert kind is not None and _listed(name) == list(formats(kind)), name


Invoke = Callable[[str, str], Result]


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str) -> Invoke:  # noqa: F811
    """Run a command of COMMANDS with -o FORMAT, each format in a fresh folder."""
    monkeypatch.chdir(ROOT)

    def run(name: str, fmt: str) -> Result:
        folder = str(tmp_path / fmt)
        args = [a.replace("{tmp}", folder).replace("{server}", server) for a in COMMANDS[name]]
        return runner.invoke(app, [*args, "-o", fmt])

    return run


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_format_renders(name: str, invoke: Invoke) -> None:
    for fmt in _listed(name):
        result = invoke(name, fmt)
        assert result.exit_code == 0, (name, fmt, result.output)
        assert CHECKS[fmt](result.stdout), (name, fmt, result.stdout[:500])


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_unlisted_formats_exit_2_and_name_the_listed_ones(name: str, invoke: Invoke) -> None:
    listed = _listed(name)
    for fmt in (f for f in ALL_FORMATS if f not in listed):
        result = invoke(name, fmt)
        assert result.exit_code == 2, (name, fmt, result.output)
        assert ", ".join(listed) in " ".join(result.output.split()), result.output


@pytest.mark.parametrize(("suffix", "check"), [(".sarif", "sarif"), (".xml", "junit"), (".md", "markdown")])
def test_output_file_suffix_names_the_format(suffix: str, check: str, tmp_path: Path) -> None:
    out = tmp_path / f"findings{suffix}"
    result = runner.invoke(app, ["manifests", str(ROOT / "tests/rules/DOCK001"), "--output-file", str(out)])
    assert result.exit_code == 1 and result.stdout == ""
    assert CHECKS[check](out.read_text(encoding="utf-8"))


def test_o_wins_over_the_suffix(tmp_path: Path) -> None:
    out = tmp_path / "findings.md"
    result = runner.invoke(
        app, ["manifests", str(ROOT / "tests/rules/DOCK001"), "-o", "json", "--output-file", str(out)]
    )
    assert result.exit_code == 1
    assert json.loads(out.read_text(encoding="utf-8"))["kind"] == "Assessment"


def test_junit_honours_fail_on(tmp_path: Path) -> None:
    def failures(fail_on: str) -> int:
        result = runner.invoke(
            app, ["manifests", str(ROOT / "tests/rules/DOCK001"), "-o", "junit", "--fail-on", fail_on]
        )
        suite = ET.fromstring(result.stdout).find("testsuite")
        assert suite is not None
        return int(suite.get("failures", "-1"))

    assert failures("none") == 0 < failures("critical") < failures("info")
