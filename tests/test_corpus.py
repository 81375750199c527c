"""The corpus check scores a labelled folder; run here on a small corpus made in the test."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from devtools.corpus import evaluate, main, report, rke_report
from tests.conftest import ROOT

RULES = ROOT / "tests" / "rules"


def _corpus(tmp_path: Path, entries: list[tuple[str, Path, str, list[str]]]) -> Path:
    (tmp_path / "manifests").mkdir()
    labels: list[dict[str, object]] = []
    for name, src, label, expect in entries:
        shutil.copy(src, tmp_path / "manifests" / name)
        labels.append({"file": f"manifests/{name}", "label": label, "expect": expect})
    (tmp_path / "rke").mkdir()
    shutil.copy(ROOT / "fixtures" / "rke" / "seed-cluster.yml", tmp_path / "rke" / "cluster.yml")
    facts = {
        "kubernetes_version": "v1.14.6-rancher1-1",
        "network_plugin": "canal",
        "nodes": 4,
        "roles": {"controlplane": 2, "etcd": 2, "worker": 2},
        "role_sets": {"controlplane+etcd": 2, "worker": 2},
        "enable_cri_dockerd": None,
        "upgrade_strategy": True,
        "ingress_provider": "nginx",
        "private_registries": True,
    }
    labels.append({"file": "rke/cluster.yml", "label": "uses-docker-runtime", "facts": facts})
    (tmp_path / "labels.yaml").write_text(yaml.safe_dump(labels))
    return tmp_path


def test_target_met_on_correct_labels(tmp_path: Path, capsys: object) -> None:
    corpus = _corpus(
        tmp_path,
        [
            (
                "a.yaml",
                RULES / "DOCK001" / "positive" / "daemonset-var-run.yaml",
                "docker-dependent",
                ["docker-socket"],
            ),
            ("b.yaml", RULES / "DOCK001" / "negative" / "containerd-socket.yaml", "not-dependent", ["cri-socket"]),
        ],
    )
    text, ok = report(evaluate(corpus))
    assert ok, text
    assert "recall (docker-dependent found at medium+): 1/1" in text
    assert main([str(corpus)]) == 0


def test_misses_and_false_positives_fail_the_target(tmp_path: Path) -> None:
    corpus = _corpus(
        tmp_path,
        [
            (
                "clean-but-labelled.yaml",
                RULES / "DOCK005" / "negative" / "var-log-pods.yaml",
                "docker-dependent",
                ["docker-log-path"],
            ),
            ("flagged.yaml", RULES / "DOCK002" / "positive" / "dockershim.yaml", "not-dependent", ["none"]),
        ],
    )
    text, ok = report(evaluate(corpus))
    assert not ok
    assert "MISSED manifests/clean-but-labelled.yaml" in text
    assert "FALSE POSITIVE manifests/flagged.yaml: DOCK002 critical" in text
    assert main([str(corpus)]) == 1
    assert main([str(tmp_path / "nope")]) == 2


def test_rke_facts_are_compared_with_the_labels(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, [])
    lines, ok = rke_report(corpus)
    assert ok and lines[1].endswith("9/9 facts agree")
    labels = yaml.safe_load((corpus / "labels.yaml").read_text())
    labels[-1]["facts"]["nodes"] = 5
    (corpus / "labels.yaml").write_text(yaml.safe_dump(labels))
    lines, ok = rke_report(corpus)
    assert not ok and "nodes: read 4, label 5" in lines[1]
