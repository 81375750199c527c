"""`assess node`, `assess nodes` and `--nodes DIR` end to end: a real private dockerd, a fake --root,
real sshd "nodes", and the committed fixtures/nodes/ reports (devtools/make_node_fixtures.py)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from assessor.cli import app
from assessor.nodescan import read_node_dir
from assessor.render.registry import Kind, formats
from tests.conftest import ROOT
from tests.dockerd import ANNOTATION_CANARY, ENV_CANARY, PlantedDockerd, PrivateDockerd
from tests.node_root import SECRETS, make_root
from tests.sshd import SshdFarm, free_port

runner = CliRunner()
NODES = ROOT / "fixtures" / "nodes"
SEED_RKE = ROOT / "fixtures" / "rke" / "seed-cluster.yml"
SEED_SNAPSHOT = ROOT / "fixtures" / "clusters" / "seed-rke1.yaml"
CANARIES = (*SECRETS, ENV_CANARY, ANNOTATION_CANARY)
SCHEMA = json.loads((ROOT / "docs" / "output-schema.json").read_text())


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


# rule → what it must name on the planted node (evidence path, or the host file:line of an automation line)
PLANTED = [
    ("HOST001", "containers.legacy-backup"),
    ("HOST002", "containers.kubelet"),
    ("HOST010", 'images["local/loaded:1"]'),
    ("HOST011", 'images["local/busybox:1"]'),
    ("HOST020", "containers.legacy-backup.mounts"),
    ("HOST021", "volumes.appdata"),
    ("HOST030", "daemonConfig.settings.registry-mirrors"),
    ("HOST031", "daemonConfig.settings.insecure-registries"),
    ("HOST033", "daemonConfig.settings.log-opts"),
    ("HOST034", "daemonConfig.settings.data-root"),
    ("HOST035", "daemonConfig.settings.default-runtime"),
    ("HOST036", "daemonConfig.settings.live-restore"),
    ("HOST037", "daemonConfig.settings.default-ulimits"),
    ("HOST038", "daemonConfig.settings.bip"),
    ("HOST039", 'certsD["registry.corp.example:5000"]'),
    ("HOST040", "/etc/crontab:6"),
    ("HOST040", 'automation["/etc/crontab:6"]'),
    ("HOST040", "/usr/local/bin/backup.sh:3"),
    ("HOST040", "/etc/systemd/system/legacy-app.service:4"),
    ("HOST040", "/etc/rc.local:3"),
    ("HOST050", "dockerConfigs.root"),
    ("HOST060", "engine.version"),
]


def _named(finding: dict[str, object]) -> set[str]:
    location = finding["location"]
    assert isinstance(location, dict)
    names = {str(finding["evidence"]["path"])}  # type: ignore[index]
    if location.get("line"):
        names.add(f"{location['file']}:{location['line']}")
    return names


def _found(doc: dict[str, object]) -> set[tuple[str, str]]:
    out = set()
    for f in doc["findings"]:  # type: ignore[attr-defined]
        for name in _named(f):
            out.add((f["ruleId"], name))
            out.add((f["ruleId"], name.split("[")[0]))  # mounts[0] → mounts
    return out


@pytest.fixture(scope="module")
def planted_doc(planted_dockerd: PlantedDockerd, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = make_root(tmp_path_factory.mktemp("node"))
    code, out, err = _invoke(["node", "--docker-host", planted_dockerd.host, "--root", str(root), "-o", "json"])
    assert code == 1, err  # high findings
    doc: dict[str, object] = json.loads(out)
    return doc


@pytest.mark.parametrize(("rule", "name"), PLANTED, ids=[f"{r}-{n}" for r, n in PLANTED])
def test_assess_node_finds_each_planted_case(planted_doc: dict[str, object], rule: str, name: str) -> None:
    assert (rule, name) in _found(planted_doc), sorted(r for r in _found(planted_doc) if r[0] == rule)


def test_assess_node_document(planted_doc: dict[str, object]) -> None:
    jsonschema.validate(planted_doc, SCHEMA)
    assert planted_doc["source"]["type"] == "node"  # type: ignore[index]
    node = planted_doc["node"]
    assert isinstance(node, dict) and node["engine"]["version"] and node["formatVersion"] == 1
    for f in planted_doc["findings"]:  # type: ignore[attr-defined]
        assert f["object"]["kind"] == "Node" and f["object"]["name"] == node["hostname"].lower()
        # a file and line only where the evidence is one: Engine API facts have none
        if f["ruleId"] in ("HOST001", "HOST010", "HOST021", "HOST060"):
            assert f["location"] == {"file": None, "line": None}
    [pods] = [f for f in planted_doc["findings"] if f["ruleId"] == "HOST010"]  # type: ignore[attr-defined]
    assert {(r["namespace"], r["name"]) for r in pods["related"]} == {("shop", "web-1"), ("monitoring", "agent-x")}
    [volume] = [f for f in planted_doc["findings"] if f["ruleId"] == "HOST021"]  # type: ignore[attr-defined]
    assert "200.0 kB" in volume["message"] or "kB" in volume["message"]


def test_assess_node_compares_rke_containers_with_cluster_yml(planted_dockerd: PlantedDockerd, tmp_path: Path) -> None:
    cluster = tmp_path / "cluster.yml"
    cluster.write_text(
        "nodes:\n  - {address: 10.0.0.1, role: [worker]}\n"
        "services:\n  kubelet:\n    extra_args: {max-pods: 250, v: 2}\n"
    )
    args = ["node", "--docker-host", planted_dockerd.host, "--root", str(tmp_path), "--rke", str(cluster), "-o", "json"]
    code, out, err = _invoke(args)
    assert code == 1, err
    [drift] = [f for f in json.loads(out)["findings"] if f["ruleId"] == "HOST003"]
    assert drift["container"] == "kubelet" and "--max-pods=110 on the node (cluster.yml: 250)" in drift["message"]
    assert "--v=" not in drift["message"]  # the flags that match are not reported


def test_assess_node_json_is_a_node_file(planted_doc: dict[str, object], tmp_path: Path) -> None:
    (tmp_path / "n.json").write_text(json.dumps(planted_doc))
    [item] = read_node_dir(tmp_path)
    assert item.report.to_dict() == {"source": {"type": "node"}, **planted_doc["node"]}  # type: ignore[dict-item]


def test_assess_node_on_a_clean_engine_finds_none_of_them(clean_dockerd: PrivateDockerd, tmp_path: Path) -> None:
    empty = tmp_path / "root"
    empty.mkdir()
    code, out, err = _invoke(["node", "--docker-host", clean_dockerd.host, "--root", str(empty), "-o", "json"])
    assert code == 0, err
    rules = sorted({f["ruleId"] for f in json.loads(out)["findings"]})
    assert rules == ["HOST060"]  # the Engine's own facts, info only


def test_assess_node_engine_unreachable_is_partial(tmp_path: Path) -> None:
    code, out, err = _invoke(["node", "--docker-host", f"unix://{tmp_path}/none.sock", "--root", str(tmp_path)])
    assert code == 3, (out, err)
    assert "Docker Engine: not read" in err


@pytest.mark.parametrize("fmt", formats(Kind.scan))
def test_no_secret_in_any_output_format(planted_dockerd: PlantedDockerd, tmp_path: Path, fmt: str) -> None:
    root = make_root(tmp_path)
    code, out, err = _invoke(["node", "--docker-host", planted_dockerd.host, "--root", str(root), "-o", fmt])
    assert code == 1 and out, err
    leaked = [c for c in CANARIES if c in out or c in err]
    assert not leaked, leaked


@pytest.fixture(scope="module")
def sshd_pair() -> Iterator[SshdFarm]:
    farm = SshdFarm(2).start()
    try:
        yield farm
    finally:
        farm.stop()


def test_assess_nodes_over_ssh_three_nodes_one_unreachable(
    sshd_pair: SshdFarm, planted_dockerd: PlantedDockerd, tmp_path: Path
) -> None:
    socket = planted_dockerd.host.removeprefix("unix://")
    nodes = [
        {
            "address": "127.0.0.1",
            "port": str(port),
            "user": sshd_pair.user,
            "hostname_override": f"node-{i}",
            "role": ["worker"],
            "docker_socket": socket,
        }
        for i, port in enumerate(sshd_pair.ports)
    ]
    nodes.append(
        {"address": "127.0.0.1", "port": str(free_port()), "hostname_override": "node-down", "role": ["worker"]}
    )
    cluster = tmp_path / "cluster.yml"
    cluster.write_text(yaml.safe_dump({"ssh_key_path": str(sshd_pair.user_key), "nodes": nodes}))
    out_dir = tmp_path / "nodes"
    out_dir.mkdir()
    (out_dir / "node-down.json").write_text("{}")  # an earlier run's file for the node that is down now
    code, out, err = _invoke(
        ["nodes", "--rke", str(cluster), "--out", str(out_dir), "--parallel", "3", "--timeout", "60s",
         "--ssh-config", str(sshd_pair.ssh_config)]
    )  # fmt: skip
    assert code == 3, (out, err)
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.startswith("node-")}
    assert lines == {"node-0": "ok", "node-1": "ok", "node-down": "unreachable"}
    assert "removed" in out
    assert sorted(p.name for p in out_dir.iterdir()) == ["node-0.json", "node-1.json"]
    reports = read_node_dir(out_dir)
    assert all(any(c.name == "legacy-backup" for c in r.report.containers) for r in reports)
    written = "".join(p.read_text() for p in out_dir.iterdir()) + out + err
    assert not [c for c in CANARIES if c in written]


def test_plan_writes_node_registries_and_log_rotation(tmp_path: Path) -> None:
    plan_dir = tmp_path / "plan"
    code, out, err = _invoke(
        ["plan", str(SEED_RKE), "--out", str(plan_dir), "--nodes", str(NODES), "-o", "json", "--fail-on", "none"]
    )
    assert code == 0, err
    registries = yaml.safe_load((plan_dir / "registries.yaml").read_text())
    assert registries["mirrors"]["docker.io"]["endpoint"] == ["https://mirror.corp.example:5000"]
    assert registries["mirrors"]["registry.lab:5000"]["endpoint"] == ["http://registry.lab:5000"]
    assert registries["configs"]["registry.lab:5000"]["tls"] == {"insecure_skip_verify": True}
    certs = "/etc/docker/certs.d/registry.corp.example:5000"
    assert registries["configs"]["registry.corp.example:5000"]["tls"] == {
        "ca_file": f"{certs}/ca.crt",
        "cert_file": f"{certs}/client.cert",
        "key_file": f"{certs}/client.key",
    }
    with_report = yaml.safe_load((plan_dir / "nodes" / "172.16.10.21" / "config.yaml").read_text())
    assert {"container-log-max-size=50Mi", "container-log-max-files=3"} <= set(with_report["kubelet-arg"])
    without = yaml.safe_load((plan_dir / "nodes" / "172.16.10.11" / "config.yaml").read_text())
    assert not any(a.startswith("container-log-") for a in without.get("kubelet-arg", []))
    doc = json.loads(out)
    assert doc["summary"]["nodeReports"] == 2 and any(f["ruleId"] == "HOST040" for f in doc["findings"])


def test_report_answers_out_of_band_checks_from_node_files(tmp_path: Path) -> None:
    code, out, err = _invoke(["report", "--snapshot", str(SEED_SNAPSHOT), "--nodes", str(NODES), "-o", "json"])
    assert code in (0, 1), err
    items = {i["id"]: i for s in json.loads(out)["sections"] if s["id"] == "out-of-band" for i in s["items"]}
    assert items["oob-node-scripts"]["status"] == "open"
    assert any("/etc/crontab:6" in d for d in items["oob-node-scripts"]["detail"])
    assert items["oob-registry-mirrors"]["status"] == "open"
    assert items["oob-host-containers"]["status"] == "open"
    assert items["oob-ssh-runbooks"]["status"] == "needs-a-person"  # no node file answers it
    code, out, _ = _invoke(["report", "--snapshot", str(SEED_SNAPSHOT), "-o", "json"])
    without = [i for s in json.loads(out)["sections"] if s["id"] == "out-of-band" for i in s["items"]]
    assert {i["status"] for i in without} == {"needs-a-person"}


def test_cluster_merges_node_findings() -> None:
    code, out, err = _invoke(["cluster", "--snapshot", str(SEED_SNAPSHOT), "--nodes", str(NODES), "-o", "json"])
    assert code == 1, err
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert [n["hostname"] for n in doc["nodeReports"]] == ["172.16.10.21", "172.16.10.22"]
    nodes = {f["object"]["name"] for f in doc["findings"] if f["ruleId"].startswith("HOST")}
    assert nodes == {"172.16.10.21", "172.16.10.22"}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d.update(formatVersion=2), "formatVersion: expected 1, got 2"),
        (lambda d: d["automation"][0].update(line="six"), "node.automation[0].line: expected an integer, got str"),
        (lambda d: d.update(extra=1), "node.extra: unknown field"),
    ],
)
def test_bad_node_file_is_one_line_naming_file_and_field(tmp_path: Path, edit: object, expected: str) -> None:
    shutil.copy(NODES / "172.16.10.21.json", tmp_path / "a.json")
    data = json.loads((tmp_path / "a.json").read_text())
    edit(data)  # type: ignore[operator]
    (tmp_path / "a.json").write_text(json.dumps(data))
    code, _out, err = _invoke(["cluster", "--snapshot", str(SEED_SNAPSHOT), "--nodes", str(tmp_path)])
    assert code == 2
    assert err.strip().count("\n") == 0 and str(tmp_path / "a.json") in err and expected in err, err


def test_node_dir_that_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"\xff\xfe{")
    code, _, err = _invoke(["cluster", "--snapshot", str(SEED_SNAPSHOT), "--nodes", str(tmp_path)])
    assert code == 2 and "a.json: not JSON" in err and "Traceback" not in err


def test_node_dir_refuses_a_fifo_and_an_oversize_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import assessor.nodescan as nodescan

    os.mkfifo(tmp_path / "a.json")
    code, _, err = _invoke(["cluster", "--snapshot", str(SEED_SNAPSHOT), "--nodes", str(tmp_path)])
    assert code == 2 and "a.json: a FIFO" in err, err
    (tmp_path / "a.json").unlink()
    shutil.copy(NODES / "172.16.10.21.json", tmp_path / "a.json")
    monkeypatch.setattr(nodescan, "MAX_NODE_FILE", 1000)
    code, _, err = _invoke(["cluster", "--snapshot", str(SEED_SNAPSHOT), "--nodes", str(tmp_path)])
    assert code == 2 and "a.json: over the" in err and "limit" in err, err
