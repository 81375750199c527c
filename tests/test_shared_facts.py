"""Per-object version facts are found once per scan and shared by the rules and the hop path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assessor.model.kversion import Minor
from assessor.scan import ScanOptions, scan
from assessor.sources.files import objects_from_bytes
from assessor.sources.result import SourceResult
from assessor.versions import apis
from assessor.versions.assessment import VersionInputs

LAST_APPLIED = json.dumps({"apiVersion": "extensions/v1beta1", "kind": "Ingress"})
ITEMS: list[dict[str, Any]] = [
    {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1"},
        "status": {"nodeInfo": {"kubeletVersion": "v1.21.14"}},
    },
    {
        "apiVersion": "extensions/v1beta1",
        "kind": "Ingress",
        "metadata": {"name": "old", "namespace": "web"},
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "applied-old",
            "namespace": "web",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED},
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "flock", "namespace": "web"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}], "volumes": [{"name": "d", "flocker": {}}]},
    },
    {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "pv1"},
        "spec": {"flocker": {"datasetName": "x"}, "capacity": {"storage": "1Gi"}},
    },
]


def _source() -> SourceResult:
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": ITEMS})
    source = SourceResult(kind="snapshot", description={"type": "snapshot", "path": "cluster.json"})
    source.objects = list(objects_from_bytes(text.encode(), "cluster.json", source.problems, locate=False))
    return source


def test_one_index_serves_the_rules_and_the_hop_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = apis.index_api_uses

    def counting(matrix: Any, objects: Any) -> apis.ApiUses:
        calls.append(len(objects))
        return real(matrix, objects)

    monkeypatch.setattr(apis, "index_api_uses", counting)
    result = scan(_source(), options=ScanOptions(target=Minor(1, 25), versions=VersionInputs()))
    assert calls == [len(ITEMS)]  # one pass over the objects, not one per reader

    removed = sorted(
        (f.rule_id, f.object["name"], f.evidence_path) for f in result.findings if f.category == "removed-api"
    )
    assert removed == [("API122", "applied-old", "metadata.annotations"), ("API122", "old", "apiVersion")]
    assert result.versions is not None
    [ingress] = [r for r in result.versions.removed_apis if r["kind"] == "Ingress"]
    assert ingress["count"] == 2 and ingress["objects"] == ["web/old", "web/applied-old"]
    [flocker] = result.versions.volume_plugins
    assert flocker["plugin"] == "flocker" and flocker["count"] == 2
    assert flocker["objects"] == ["PersistentVolume pv1", "Pod web/flock"]


def test_the_index_agrees_with_asking_object_by_object() -> None:
    from assessor.versions.matrix import load_matrix

    source = _source()
    matrix = load_matrix()
    uses = apis.index_api_uses(matrix, source.objects)
    for obj in source.objects:
        assert uses.removals_of(obj) == apis.removal_hits(matrix, obj)
