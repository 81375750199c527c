"""The pieces under the node rules: log rotation into kubelet flags, registries from daemon.json and
certs.d, RKE component drift from cluster.yml, and Docker acceptance along the hop path."""

from __future__ import annotations

import pytest

from assessor.migration.nodefiles import apply_log_args, log_kubelet_args, node_registries
from assessor.model.kversion import Minor
from assessor.model.origin import Origin
from assessor.model.rke import RkeConfig
from assessor.nodecheck.rke_components import component_of, drift
from assessor.nodecheck.templates import size_text
from assessor.nodes.facts import CertsDir, Container, DaemonConfig, Engine, Mount, NodeReport
from assessor.nodescan import docker_hops, node_minor, pull_policies
from assessor.versions.matrix import load_matrix
from tests.helpers import scan_text


def _report(settings: dict[str, object] | None = None, **kw: object) -> NodeReport:
    config = DaemonConfig("/etc/docker/daemon.json", dict(settings)) if settings is not None else None
    return NodeReport("n1", "2026-01-01T00:00:00Z", "/", "unix:///var/run/docker.sock", daemon_config=config, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("opts", "args", "notes"),
    [
        ({"max-size": "50m", "max-file": "3"}, ["container-log-max-size=50Mi", "container-log-max-files=3"], 0),
        ({"max-size": "100k"}, ["container-log-max-size=100Ki"], 0),
        ({"max-size": "2g", "max-file": 1}, ["container-log-max-size=2Gi", "container-log-max-files=2"], 0),
        ({"max-size": "10"}, ["container-log-max-size=10"], 0),
        ({"max-size": "ten megs"}, [], 1),
        ({"mode": "non-blocking"}, [], 0),
    ],
)
def test_log_opts_to_kubelet_args(opts: dict[str, object], args: list[str], notes: int) -> None:
    got, got_notes = log_kubelet_args(_report({"log-opts": opts}))
    assert (got, len(got_notes)) == (args, notes)


def test_cluster_yml_log_flags_win() -> None:
    config = {"kubelet-arg": ["container-log-max-size=5Mi"]}
    apply_log_args(config, ["container-log-max-size=50Mi", "container-log-max-files=3"])
    assert config["kubelet-arg"] == ["container-log-max-size=5Mi", "container-log-max-files=3"]


def test_registries_from_nodes() -> None:
    a = _report(
        {"registry-mirrors": ["https://m.example/"], "insecure-registries": ["10.0.0.0/8", "reg.lab:5000"]},
        certs_d=(CertsDir("reg.corp:5000", ("ca.crt", "client.cert", "client.key")),),
    )
    b = _report({"registry-mirrors": ["https://m.example", "https://m2.example"]})
    out = node_registries([a, b])
    assert out.mirrors["docker.io"]["endpoint"] == ["https://m.example", "https://m2.example"]
    assert out.mirrors["reg.lab:5000"]["endpoint"] == ["http://reg.lab:5000"]
    assert out.configs["reg.corp:5000"]["tls"]["key_file"] == "/etc/docker/certs.d/reg.corp:5000/client.key"
    assert len(out.notes) == 1 and "10.0.0.0/8" in out.notes[0]


def _rke(raw: dict[str, object]) -> RkeConfig:
    return RkeConfig("cluster.yml", raw, Origin("cluster.yml"))


def test_component_drift() -> None:
    kubelet = Container(
        "1", "kubelet", "rancher/hyperkube:v1.20.15-rancher1", "sha256:x", "running", False,
        args=("--max-pods=110", "--v=2"), mounts=(Mount("bind", "/opt/a", "/opt/a"),),
    )  # fmt: skip
    component = component_of(kubelet)
    assert component is not None and component.service == "kubelet"
    cfg = _rke(
        {
            "services": {
                "kubelet": {"extra_args": {"max-pods": 250, "v": 2}, "extra_binds": ["/opt/a:/opt/a", "/b:/b:ro"]}
            }
        }
    )
    assert drift(kubelet, component, cfg) == [
        "--max-pods=110 on the node (cluster.yml: 250)",
        "bind /b:/b missing on the node",
    ]
    assert node_minor(_report(containers=(kubelet,)), None) == Minor(1, 20)
    assert component_of(Container("2", "web", "nginx", "sha256:y", "running", False)) is None
    helper = Container("3", "rke-etcd-helper", "rancher/rke-tools:v0.1.9", "sha256:z", "exited", False)
    assert component_of(helper) is not None


@pytest.mark.parametrize(
    ("version", "start", "rejected"),
    [("20.10.24", "1.20", []), ("24.0.7", "1.20", ["1.20", "1.21", "1.22"]), ("not-a-version", "1.20", [])],
)
def test_docker_hops(version: str, start: str, rejected: list[str]) -> None:
    matrix = load_matrix()
    report = _report(engine=Engine(version))
    hops = docker_hops(report, Minor.parse(start), matrix.newest_rke1_minor(), matrix)
    assert [h.minor for h in hops if not h.accepted_line] == rejected


def test_pull_policy_defaults() -> None:
    text = """apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers:
    - {name: a, image: "x:1"}
    - {name: b, image: "x:latest"}
    - {name: c, image: "x", imagePullPolicy: Never}
"""
    policies = pull_policies(scan_text(text).source.objects)
    assert policies == {("ns", "p", "a"): "IfNotPresent", ("ns", "p", "b"): "Always", ("ns", "p", "c"): "Never"}


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (None, "size unknown"),
        (0, "0 B"),
        (999, "999 B"),
        (200000, "200.0 kB"),
        (1500000, "1.5 MB"),
        (3 * 10**12, "3.0 TB"),
    ],
)
def test_size_text(size: int | None, text: str) -> None:
    assert size_text(size) == text
