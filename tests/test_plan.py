"""assess plan: RKE2 files, the runbook, the disruption forecast, idempotent writing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from assessor.cli import app
from assessor.migration.rke2_keys import AGENT_KEYS, SERVER_KEYS
from assessor.migration.rke2config import plan_rke2
from assessor.sources.rke import load_rke_config
from tests.conftest import FIXTURES, ROOT, SEED

runner = CliRunner()
RKE = FIXTURES / "rke"
HARDENED = FIXTURES / "clusters" / "seed-rke1-hardened.yaml"
SCHEMA = json.loads((ROOT / "docs" / "output-schema.json").read_text())
GOLDEN = Path(__file__).parent / "golden" / "plan"
CLUSTER_YMLS = ["seed-cluster.yml", "ha-canal.cluster.yml", "flannel-ipvs.cluster.yml"]


def _plan(args: list[str]) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    result = runner.invoke(app, ["plan", *args, "-o", "json", "--fail-on", "none"])
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}, result.stderr


def test_seed_forecasts_one_window_per_worker_and_recommends_blue_green(tmp_path: Path) -> None:
    code, doc, _ = _plan([str(RKE / "seed-cluster.yml"), "--snapshot", str(SEED), "--out", str(tmp_path)])
    assert code == 0
    jsonschema.validate(doc, SCHEMA)
    plan = doc["plan"]
    [front] = [p for p in plan["forecast"] if p["workload"]["name"] == "frontend"]
    assert [w["node"] for w in front["errorWindows"]] == ["172.16.10.21", "172.16.10.22"]  # 2 in all
    assert front["risk"] == "high" and all(w["seconds"] > 0 for w in front["errorWindows"])
    assert any("never drained" in r for r in front["reasons"])
    assert plan["recommended"] == "blue-green"
    assert any("out of the load balancer" in r for r in plan["reasons"])
    assert {f["ruleId"] for f in doc["findings"] if f["category"] == "disruption-risk"} >= {"FC001", "FC003"}


def test_hardened_app_with_drain_forecasts_nothing(tmp_path: Path) -> None:
    code, doc, _ = _plan([str(RKE / "seed-cluster-hardened.yml"), "--snapshot", str(HARDENED), "--out", str(tmp_path)])
    assert code == 0
    assert doc["plan"]["forecast"] == [] and doc["plan"]["recommended"] == "in-place"
    assert not [f for f in doc["findings"] if f["category"] == "disruption-risk"]


def test_blue_green_strategy_forecasts_only_the_cutover(tmp_path: Path) -> None:
    _, doc, _ = _plan(
        [str(RKE / "seed-cluster.yml"), "--snapshot", str(SEED), "--out", str(tmp_path), "--strategy", "blue-green"]
    )
    assert doc["plan"]["strategy"] == "blue-green" and doc["plan"]["forecast"] == []
    assert {f["ruleId"] for f in doc["findings"] if f["category"] == "disruption-risk"} == {"FC011"}


@pytest.mark.parametrize("name", CLUSTER_YMLS)
def test_generated_files_match_golden(name: str, tmp_path: Path) -> None:
    code, _, stderr = _plan([str(RKE / name), "--out", str(tmp_path)])
    assert code == 0, stderr
    produced = {
        str(p.relative_to(tmp_path)): p.read_text()
        for p in sorted(tmp_path.rglob("*"))
        if p.is_file() and p.name != ".assess-plan.json"
    }
    golden = GOLDEN / name.replace(".yml", "")
    if os.environ.get("UPDATE_GOLDEN"):
        for rel, text in produced.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_text(text)
    expected = {str(p.relative_to(golden)): p.read_text() for p in sorted(golden.rglob("*")) if p.is_file()}
    assert produced == expected


@pytest.mark.parametrize("name", CLUSTER_YMLS)
def test_every_config_key_is_documented_by_rke2(name: str) -> None:
    plan = plan_rke2(load_rke_config(str(RKE / name)))
    for node in plan.nodes:
        allowed = SERVER_KEYS if node.role == "server" else AGENT_KEYS
        assert set(node.config) <= allowed, set(node.config) - allowed


def test_server_and_agent_roles_and_registration() -> None:
    plan = plan_rke2(load_rke_config(str(RKE / "ha-canal.cluster.yml")))
    roles = {n.name: n.role for n in plan.nodes}
    assert roles == {"core01": "server", "core02": "server", "core03": "server", "work21": "agent", "work22": "agent"}
    first, second = plan.nodes[0].config, plan.nodes[1].config
    # the first tls-san is the registration address: never an RKE1 node, which the new nodes must not join
    assert "server" not in first and second["server"] == "https://k8s.lab.example:9345"
    assert first["node-ip"] == "10.10.0.11" and first["node-external-ip"] == "198.51.100.11"
    assert first["node-taint"] == ["role=storage-node:NoSchedule"]
    assert "network-plugin=cni" not in first["kubelet-arg"] and "node-status-max-images=-1" in first["kubelet-arg"]
    assert first["etcd-snapshot-schedule-cron"] == "0 */6 * * *" and first["etcd-snapshot-retention"] == 28
    assert first["system-default-registry"] == "registry.lab.example"
    assert any(m.field == "services.kubelet.extra_args" and "network-plugin" in m.why for m in plan.manual)


def test_secrets_stay_out_of_files_unless_asked(tmp_path: Path) -> None:
    _plan([str(RKE / "ha-canal.cluster.yml"), "--out", str(tmp_path / "a")])
    everything = "".join(p.read_text() for p in (tmp_path / "a").rglob("*") if p.is_file())
    for secret in ("pull-secret-never-printed", "example-secret-key-never-printed", "AKIAEXAMPLEKEY"):
        assert secret not in everything
    assert "__FROM_FILE__/etc/rancher/rke2/secrets/registry.lab.example.password" in everything
    assert oct((tmp_path / "a" / "registries.yaml").stat().st_mode & 0o777) == "0o600"
    _plan([str(RKE / "ha-canal.cluster.yml"), "--out", str(tmp_path / "b"), "--include-secrets"])
    assert "pull-secret-never-printed" in (tmp_path / "b" / "registries.yaml").read_text()


def test_rewriting_is_idempotent_and_keeps_edits(tmp_path: Path) -> None:
    args = [str(RKE / "seed-cluster.yml"), "--out", str(tmp_path)]
    first = _plan(args)[1]["plan"]["written"]
    assert first["written"] and not first["unchanged"]
    second = _plan(args)[1]["plan"]["written"]
    assert not second["written"] and second["unchanged"] == first["written"]
    runbook = tmp_path / "runbook.md"
    runbook.write_text(runbook.read_text() + "\n- [x] done by hand\n")
    _, doc, stderr = _plan(args)
    assert doc["plan"]["written"]["keptEdited"] == ["runbook.md"] and "edited since the last run" in stderr
    assert "done by hand" in runbook.read_text()
    _, doc, _ = _plan([*args, "--force"])
    assert doc["plan"]["written"]["written"] == ["runbook.md"] and "done by hand" not in runbook.read_text()


@pytest.mark.parametrize(
    ("cluster_yml", "snapshot_text", "message"),
    [
        ("nodes: [\n", None, "invalid YAML"),
        ("nodes: {a: 1}\n", None, "nodes must be a list"),
        ("nodes: []\n", "kind: [\n", "cannot plan from incomplete input"),
    ],
)
def test_bad_input_writes_nothing(tmp_path: Path, cluster_yml: str, snapshot_text: str | None, message: str) -> None:
    yml = tmp_path / "cluster.yml"
    yml.write_text(cluster_yml)
    args = [str(yml), "--out", str(tmp_path / "out")]
    if snapshot_text is not None:
        snap = tmp_path / "snap.yaml"
        snap.write_text(snapshot_text)
        args += ["--snapshot", str(snap)]
    result = runner.invoke(app, ["plan", *args])
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_runbook_and_manual_steps_content(tmp_path: Path) -> None:
    _plan([str(RKE / "seed-cluster.yml"), "--snapshot", str(SEED), "--out", str(tmp_path)])
    runbook = (tmp_path / "runbook.md").read_text()
    assert "Recommended strategy: **blue-green**" in runbook
    assert "## 2. Blue/green" in runbook and "## 3. In place, node by node" in runbook
    assert runbook.count("- [ ]") > 15
    assert "take it out of the load balancer" in runbook
    assert "DOCK001 DaemonSet monitoring/datadog-agent" in runbook
    manual = (tmp_path / "manual-steps.md").read_text()
    assert "`upgrade_strategy`" in manual and "system-upgrade-controller" in manual
    config = yaml.safe_load((tmp_path / "nodes" / "172.16.10.21" / "config.yaml").read_text())
    assert config["server"] == "https://app-prod.example.com:9345" and config["node-label"] == [
        "app.test/frontend=true"
    ]


def test_a_refused_max_unavailable_worker_is_said_in_the_plan(tmp_path: Path) -> None:
    seed = yaml.safe_load((RKE / "seed-cluster.yml").read_text())
    seed.setdefault("upgrade_strategy", {})["max_unavailable_worker"] = "abc"
    cluster = tmp_path / "cluster.yml"
    cluster.write_text(yaml.safe_dump(seed))
    out = tmp_path / "out"
    _, doc, _ = _plan([str(cluster), "--snapshot", str(SEED), "--out", str(out)])
    details = doc["plan"]["strategyDetails"]
    assert details["workersPerBatch"] == 1 and "max_unavailable_worker" in details["maxUnavailableWorkerError"]
    assert "Fix upgrade_strategy.max_unavailable_worker before any `rke up`" in (out / "runbook.md").read_text()
    [refused] = [f for f in doc["findings"] if f["ruleId"] == "RKE002"]
    assert refused["severity"] == "high"
