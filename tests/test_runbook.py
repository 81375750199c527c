"""The runbook can be executed as written (issue 13): paths it names, where nodes join, node cleanup, versions."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assessor.cli import app
from assessor.migration.cleanup import cleanup_commands, load_cleanup
from assessor.migration.rke2config import SERVER_URL_PLACEHOLDER
from tests.conftest import FIXTURES, SEED

runner = CliRunner()
RULES = Path(__file__).parent / "rules"
# every cluster.yml the project carries, with its snapshot when the fixture names one
PLAN_CASES = [
    *((str(p), None) for p in sorted((FIXTURES / "rke").glob("*.yml"))),
    (str(FIXTURES / "rke" / "seed-cluster.yml"), str(SEED)),
    *(
        (
            str(p),
            str(p.parent / m.group(1)) if (m := re.search(r"^#\s*snapshot:\s*(\S+)", p.read_text(), re.M)) else None,
        )
        for p in sorted(RULES.glob("*/*/*.cluster.yml"))
    ),
]
# a plan-relative path: not preceded by "/" (node paths such as /etc/rancher/rke2/registries.yaml are not plan files)
PLAN_PATH = re.compile(
    r"(?<![\w/.-])((?:nodes|helmchartconfigs)/[\w.<>*-]+(?:/config\.yaml)?|registries\.yaml|manual-steps\.md)"
)


def _write(cluster_yml: str, snapshot: str | None, out: Path, *extra: str) -> str:
    args = ["plan", cluster_yml, "--out", str(out), "--fail-on", "none", *extra]
    if snapshot:
        args += ["--snapshot", snapshot]
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 3), result.output
    return (out / "runbook.md").read_text()


@pytest.mark.parametrize(
    ("cluster_yml", "snapshot"), PLAN_CASES, ids=[f"{Path(c).name}+{bool(s)}" for c, s in PLAN_CASES]
)
def test_every_path_a_runbook_names_exists_in_the_plan(cluster_yml: str, snapshot: str | None, tmp_path: Path) -> None:
    runbook = _write(cluster_yml, snapshot, tmp_path)
    written = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()]
    for named in set(PLAN_PATH.findall(runbook)):
        pattern = named.replace("<name>", "*")
        assert fnmatch.filter(written, pattern), f"the runbook names {named}, which the plan did not write"


def test_no_helmchartconfig_step_without_a_helmchartconfig(tmp_path: Path) -> None:
    # the hardened seed has no canal/ingress options: no HelmChartConfig is written, so none is named
    runbook = _write(str(FIXTURES / "rke" / "seed-cluster-hardened.yml"), None, tmp_path)
    assert not (tmp_path / "helmchartconfigs").exists()
    assert "helmchartconfigs" not in runbook


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--server-url", "https://rke2.example.net:9345"], "https://rke2.example.net:9345"),
        ([], "https://app-prod.example.com:9345"),  # authentication.sans, the first guess
    ],
)
def test_joining_nodes_register_at_the_new_cluster(tmp_path: Path, extra: list[str], expected: str) -> None:
    runbook = _write(str(FIXTURES / "rke" / "seed-cluster.yml"), None, tmp_path, *extra)
    rke1 = {"172.16.10.11", "172.16.10.12", "172.16.10.21", "172.16.10.22"}
    for node in ("172.16.10.12", "172.16.10.21", "172.16.10.22"):
        config = yaml.safe_load((tmp_path / "nodes" / node / "config.yaml").read_text())
        assert config["server"] == expected and not any(a in config["server"] for a in rke1)
    assert f"register at `{expected}`" in runbook


def test_without_sans_or_server_url_a_placeholder_the_first_step_fills(tmp_path: Path) -> None:
    yml = tmp_path / "cluster.yml"
    yml.write_text(
        "nodes:\n  - {address: 10.0.0.1, user: rke, role: [controlplane, etcd, worker]}\n"
        "  - {address: 10.0.0.2, user: rke, role: [worker]}\n"
    )
    runbook = _write(str(yml), None, tmp_path / "plan")
    config = yaml.safe_load((tmp_path / "plan" / "nodes" / "10.0.0.2" / "config.yaml").read_text())
    assert config["server"] == SERVER_URL_PLACEHOLDER
    first_step = runbook.split("## 1. Before either strategy", 1)[1].split("- [ ]")[1]
    assert f"s|{SERVER_URL_PLACEHOLDER}|https://ADDRESS:9345|" in first_step and "10.0.0.1" not in first_step


def test_a_bad_server_url_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["plan", str(FIXTURES / "rke" / "seed-cluster.yml"), "--out", str(tmp_path), "--server-url", "rke2:9345"]
    )
    assert result.exit_code == 2 and "--server-url" in result.output
    assert not tmp_path.joinpath("runbook.md").exists()


def test_in_place_cleans_the_rke1_node_with_the_documented_list(tmp_path: Path) -> None:
    runbook = _write(str(FIXTURES / "rke" / "seed-cluster.yml"), str(SEED), tmp_path)
    in_place = runbook.split("## 3. In place, node by node", 1)[1]
    assert "docker stop $(docker ps -q)" not in runbook
    for path in ("/etc/kubernetes", "/var/lib/kubelet", "/etc/cni", "/opt/cni", "/var/lib/cni", "/var/run/calico"):
        assert path in in_place
    assert "ip link delete" in in_place and "iptables-restore" in in_place
    assert in_place.index("remove RKE1") < in_place.index("systemctl enable --now rke2-agent")
    assert "/opt/rke" not in in_place  # the etcd snapshots stay


def test_cleanup_commands_succeed_when_there_is_nothing_to_clean(tmp_path: Path) -> None:
    # a fake docker that lists no container, and fails like the real one when `stop` gets no argument
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text('#!/bin/sh\ncase "$1" in ps) exit 0;; stop|rm) [ $# -gt 1 ] || exit 1;; esac\nexit 0\n')
    docker.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    stop = cleanup_commands(load_cleanup())[0].split("; systemctl")[0]
    assert subprocess.run(["sh", "-c", stop], env=env, check=False).returncode == 0
    # what the runbook used to say fails on a node where nothing runs
    old = "docker stop $(docker ps -q) && echo next"
    assert subprocess.run(["sh", "-c", old], env=env, check=False, capture_output=True).returncode != 0


def test_the_rke2_version_says_why_and_lists_what_the_new_cluster_will_not_serve(tmp_path: Path) -> None:
    runbook = _write(str(FIXTURES / "rke" / "seed-cluster.yml"), str(SEED), tmp_path, "--target", "v1.25")
    assert "RKE2 version: v1.25.16+rke2r2 is the newest patch of v1.25 in the bundled RKE2 data" in runbook
    before = runbook.split("## 1. Before either strategy", 1)[1].split("## 2.", 1)[0]
    assert "CronJob on batch/v1beta1 (removed in v1.25; move to batch/v1): kube-system/image-cleanup" in before


def test_cleanup_commands_quote_every_path_and_interface() -> None:
    from assessor.migration.cleanup import Cleanup, cleanup_commands

    commands = cleanup_commands(Cleanup(dirs=("/var/lib/a b", "/etc/$(x)"), interfaces=("cni0;reboot",)))
    joined = "\n".join(commands)
    assert "rm -rf '/var/lib/a b' '/etc/$(x)'" in joined
    assert "for i in 'cni0;reboot'; do" in joined
