"""Bad numbers and wrong types stop at the source boundary: the typed accessors, the inventory's checks,
and each command that used to crash on them."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from assessor.cli import app
from assessor.model.typed import IntOrPercent, finite, int_or_percent, whole
from assessor.rke.strategy import max_unavailable
from tests.conftest import FIXTURES, SEED

runner = CliRunner()
RKE = FIXTURES / "rke" / "seed-cluster.yml"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (2.5, 2.5),
        (True, None),
        ("3", None),
        (math.inf, None),
        (-math.inf, None),
        (math.nan, None),
        (10**400, None),
        (-5, None),  # below lo=0
        (None, None),
    ],
)
def test_finite(value: Any, expected: float | None) -> None:
    assert finite(value, 0, 100) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(3, 3), (3.0, 3), (3.5, None), (False, None), (10**400, None), (101, None), ("3", None)]
)
def test_whole(value: Any, expected: int | None) -> None:
    assert whole(value, 0, 100) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2, IntOrPercent(2, False)),
        ("50%", IntOrPercent(50, True)),
        ("150%", IntOrPercent(150, True)),
        ("abc%", None),
        ("2.5%", None),
        ("5", None),  # the API server refuses a string that is not a percentage
        (-1, None),
        (True, None),
        (math.inf, None),
        (10**400, None),
        ("9" * 400 + "%", None),
    ],
)
def test_int_or_percent(value: Any, expected: IntOrPercent | None) -> None:
    assert int_or_percent(value) == expected


def test_pdb_and_rke_int_or_percent_differ_on_purpose() -> None:
    """One parser each, because the semantics differ (Kubernetes intstr for PDBs, RKE's legacy parse):
    a plain "5" string is a number to RKE and invalid in a PDB; RKE rounds a percentage down and never
    below 1, a PDB's minAvailable rounds up and can be 0."""
    assert max_unavailable("5", 10, "worker").value == 5 and int_or_percent("5") is None
    assert max_unavailable("25%", 10, "worker").value == 2  # floor(2.5)
    pct = int_or_percent("25%")
    assert pct is not None and pct.scaled(10, round_up=True) == 3  # ceil(2.5)
    assert max_unavailable("1%", 10, "worker").value == 1  # RKE: at least one
    one = int_or_percent("1%")
    assert one is not None and one.scaled(10, round_up=False) == 0


DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "terminationGracePeriodSeconds": 30,
                "containers": [
                    {
                        "name": "c",
                        "image": "nginx",
                        "ports": [{"containerPort": 80}],
                        "readinessProbe": {"periodSeconds": 5, "failureThreshold": 3},
                        "envFrom": [{"configMapRef": {"name": "x"}}],
                        "volumeMounts": [{"name": "sock", "mountPath": "/var/run/docker.sock"}],
                    }
                ],
                "volumes": [
                    {"name": "p", "projected": {"sources": [{"configMap": {"name": "x"}}]}},
                    {"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}},
                ],
            },
        },
    },
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {"selector": {"app": "web"}, "type": "NodePort"},
}
PDB = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
}


def _pod(d: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = d["spec"]["template"]["spec"]
    return spec


def _container(d: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = _pod(d)["containers"][0]
    return container


# (name, mutation of deployment and pdb, the field the problem names)
ATTEMPTS: list[tuple[str, Any, str]] = [
    ("minAvailable abc%", lambda d, p: p["spec"].update(minAvailable="abc%"), "spec.minAvailable"),
    ("maxUnavailable inf", lambda d, p: p["spec"].update(maxUnavailable=math.inf), "spec.maxUnavailable"),
    (
        "grace nan",
        lambda d, p: _pod(d).update(terminationGracePeriodSeconds=math.nan),
        "spec.template.spec.terminationGracePeriodSeconds",
    ),
    (
        "grace inf",
        lambda d, p: _pod(d).update(terminationGracePeriodSeconds=math.inf),
        "spec.template.spec.terminationGracePeriodSeconds",
    ),
    (
        "threshold inf",
        lambda d, p: _container(d)["readinessProbe"].update(failureThreshold=math.inf),
        "readinessProbe.failureThreshold",
    ),
    (
        "period nan",
        lambda d, p: _container(d)["readinessProbe"].update(periodSeconds=math.nan),
        "readinessProbe.periodSeconds",
    ),
    (
        "replicas 10**400 with a percentage",
        lambda d, p: (d["spec"].update(replicas=10**400), p["spec"].update(minAvailable="50%")),
        "spec.replicas",
    ),
    (
        "projected.sources 5",
        lambda d, p: _pod(d)["volumes"][0]["projected"].update(sources=5),
        "volumes[0].projected.sources",
    ),
    ("envFrom 5", lambda d, p: _container(d).update(envFrom=5), "containers[0].envFrom"),
    ("readinessProbe a string", lambda d, p: _container(d).update(readinessProbe="yes"), "readinessProbe"),
    (
        "preStop sleep nan",
        lambda d, p: _container(d).update(lifecycle={"preStop": {"sleep": {"seconds": math.nan}}}),
        "preStop.sleep.seconds",
    ),
]


def _snapshot(tmp_path: Path, mutate: Any) -> Path:
    doc = yaml.safe_load(SEED.read_text())
    dep, pdb = copy.deepcopy(DEPLOYMENT), copy.deepcopy(PDB)
    mutate(dep, pdb)
    doc["items"] += [dep, copy.deepcopy(SERVICE), pdb]
    path = tmp_path / "snapshot.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _no_traceback(result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("name", "mutate", "field"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_bad_values_are_dropped_once_and_named(tmp_path: Path, name: str, mutate: Any, field: str) -> None:
    snapshot = _snapshot(tmp_path, mutate)
    commands = {
        "cluster": ["cluster", "--snapshot", str(snapshot), "--fail-on", "none"],
        "plan": ["plan", str(RKE), "--snapshot", str(snapshot), "--out", str(tmp_path / "plan"), "--fail-on", "none"],
        "report": ["report", "--rke", str(RKE), "--snapshot", str(snapshot)],
    }
    for command, args in commands.items():
        result = runner.invoke(app, [*args, "-o", "json"])
        _no_traceback(result)
        assert result.exit_code in (0, 1, 3), (command, result.exit_code, result.stderr)
        if command == "report":  # the report lists input problems under what the scan could not see
            assert result.stdout.count(f"{field} must be") == 1 and "; field ignored" in result.stdout
            continue
        problems = [line for line in result.stderr.splitlines() if field in line]
        assert len(problems) == 1, (command, result.stderr)
        assert problems[0].startswith(f"error: {snapshot}:") and problems[0].endswith("; field ignored")


def test_the_rest_of_the_object_is_still_scanned(tmp_path: Path) -> None:
    """Dropping envFrom: 5 must not hide the docker.sock mount beside it."""
    snapshot = _snapshot(tmp_path, lambda d, p: _container(d).update(envFrom=5))
    result = runner.invoke(app, ["cluster", "--snapshot", str(snapshot), "-o", "json", "--fail-on", "none"])
    import json

    findings = json.loads(result.stdout)["findings"]
    assert any(f["object"]["name"] == "web" and "docker.sock" in str(f.get("evidence")) for f in findings)


def test_nodes_not_a_list_is_an_input_error_for_rke_and_plan(tmp_path: Path) -> None:
    src = tmp_path / "cluster.yml"
    src.write_text("nodes: 5\n")
    for args in (["rke", str(src)], ["plan", str(src), "--out", str(tmp_path / "out")]):
        result = runner.invoke(app, args)
        _no_traceback(result)
        assert result.exit_code in (2, 3) and "nodes must be a list" in result.stderr
