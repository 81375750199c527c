"""SSH fan-out against real sshd "nodes" on 127.0.0.1 (tests/sshd.py): two collect, one is unreachable."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessor.nodes.facts import NodeReport
from assessor.nodes.ssh import (
    GARBAGE,
    OK,
    TIMEOUT,
    UNREACHABLE,
    NodeOutcome,
    SshEndpoint,
    SshTarget,
    collect_many,
    collector_script,
)
from tests.dockerd import ENV_CANARY, PlantedDockerd
from tests.node_root import SECRETS, make_root
from tests.sshd import SshdFarm, free_port


@pytest.fixture(scope="module")
def sshd_farm() -> Iterator[SshdFarm]:
    farm = SshdFarm(2).start()
    try:
        yield farm
    finally:
        farm.stop()


def test_fan_out_two_nodes_and_one_unreachable(
    sshd_farm: SshdFarm, planted_dockerd: PlantedDockerd, tmp_path: Path
) -> None:
    root = make_root(tmp_path)
    key = str(sshd_farm.user_key)
    targets = [
        SshTarget(
            f"node-{i}", SshEndpoint("127.0.0.1", port, sshd_farm.user, key), None, planted_dockerd.host, str(root)
        )
        for i, port in enumerate(sshd_farm.ports)
    ]
    dead_port = free_port()  # nothing listens there
    targets.append(SshTarget("node-down", SshEndpoint("127.0.0.1", dead_port, sshd_farm.user, key)))
    seen: list[str] = []

    def on_done(outcome: NodeOutcome) -> None:
        seen.append(outcome.target.name)

    outcomes = collect_many(targets, parallel=3, timeout=60, ssh_config=str(sshd_farm.ssh_config), on_done=on_done)
    assert [o.target.name for o in outcomes] == ["node-0", "node-1", "node-down"]
    assert sorted(seen) == ["node-0", "node-1", "node-down"]
    for outcome in outcomes[:2]:
        assert outcome.status == OK, outcome.reason
        assert outcome.report is not None and outcome.report.engine is not None
        assert {c.name for c in outcome.report.containers} >= {"legacy-backup"}
        assert any(a.file == "/etc/crontab" for a in outcome.report.automation)
        text = json.dumps(outcome.report.to_dict())
        assert ENV_CANARY not in text and not any(s in text for s in SECRETS)
    down = outcomes[2]
    assert down.status == UNREACHABLE and str(dead_port) in down.reason and down.report is None


def test_unknown_host_key_is_refused(sshd_farm: SshdFarm, tmp_path: Path) -> None:
    """BatchMode=yes with StrictHostKeyChecking from the user's config: an unknown key fails, never prompts."""
    config = tmp_path / "ssh_config"
    config.write_text(f"Host *\n  UserKnownHostsFile {tmp_path}/empty\n  StrictHostKeyChecking yes\n")
    target = SshTarget("n", SshEndpoint("127.0.0.1", sshd_farm.ports[0], sshd_farm.user, str(sshd_farm.user_key)))
    [outcome] = collect_many([target], timeout=30, ssh_config=str(config))
    assert outcome.status == UNREACHABLE and "host key" in outcome.reason.lower()


def test_garbage_from_the_node(sshd_farm: SshdFarm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A node whose collector prints something else costs only itself, named as garbage."""
    import assessor.nodes.ssh as ssh_module

    monkeypatch.setattr(ssh_module, "collector_script", lambda *a: "print('{\"source\": 1}')\n")
    target = SshTarget("n", SshEndpoint("127.0.0.1", sshd_farm.ports[1], sshd_farm.user, str(sshd_farm.user_key)))
    [outcome] = collect_many([target], timeout=30, ssh_config=str(sshd_farm.ssh_config))
    assert outcome.status == GARBAGE and "source.type" in outcome.reason


def test_a_hung_node_times_out_without_holding_the_others(
    sshd_farm: SshdFarm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import assessor.nodes.ssh as ssh_module

    real = ssh_module.collector_script

    def script(docker_host: str, root: str, call_timeout: float) -> str:
        # The "hung" node is the one whose root says so: it sleeps instead of collecting.
        return "import time\ntime.sleep(20)\n" if root == "/hang" else real(docker_host, root, call_timeout)

    monkeypatch.setattr(ssh_module, "collector_script", script)
    key = str(sshd_farm.user_key)
    hung = SshTarget("hung", SshEndpoint("127.0.0.1", sshd_farm.ports[0], sshd_farm.user, key), root="/hang")
    fine = SshTarget("fine", SshEndpoint("127.0.0.1", sshd_farm.ports[1], sshd_farm.user, key), root=str(tmp_path))
    start = time.monotonic()
    outcomes = collect_many([hung, fine], parallel=2, timeout=6, ssh_config=str(sshd_farm.ssh_config))
    assert time.monotonic() - start < 20
    assert [o.status for o in outcomes] == [TIMEOUT, OK]
    assert outcomes[1].seconds < outcomes[0].seconds


def test_the_shipped_collector_needs_only_the_standard_library(tmp_path: Path) -> None:
    """What ssh.py sends runs under `python3 -I -S`: no site-packages, no installed assessor, no yaml."""
    script = collector_script(f"unix://{tmp_path}/none.sock", str(make_root(tmp_path)), 1.0)
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-"], input=script.encode(), capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    report = NodeReport.from_dict(json.loads(proc.stdout))
    assert report.hostname == "node-a" and "none.sock" in report.engine_error
    for name in ("facts", "dockerapi", "hostfiles", "collect", "remote"):
        source = (Path(ssh_module_dir()) / f"{name}.py").read_text()
        ast.parse(source, feature_version=(3, 8))  # the oldest python3 the docs promise on a node


def ssh_module_dir() -> str:
    import assessor.nodes

    return str(Path(assessor.nodes.__file__).parent)
