"""Findings are reported per owning workload, not per pod."""

from __future__ import annotations

from typing import Any

import pytest

from assessor.inventory.build import build_inventory
from assessor.model.objects import K8sObject
from assessor.model.origin import Origin
from assessor.model.problems import Problems

SOCKET_SPEC: dict[str, Any] = {
    "containers": [{"name": "c", "image": "i", "volumeMounts": [{"name": "s", "mountPath": "/s"}]}],
    "volumes": [{"name": "s", "hostPath": {"path": "/var/run/docker.sock"}}],
}


def obj(
    kind: str,
    name: str,
    uid: str,
    owner: tuple[str, str, str] | None = None,
    api: str = "apps/v1",
    template: bool = True,
) -> K8sObject:
    meta: dict[str, Any] = {"name": name, "namespace": "ns", "uid": uid}
    if owner:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "uid": owner[2], "controller": True}]
    raw: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": meta}
    if kind == "Pod":
        raw["spec"] = {**SOCKET_SPEC, "nodeName": "n1"}
    elif kind == "CronJob":
        raw["spec"] = {"jobTemplate": {"spec": {"template": {"spec": SOCKET_SPEC}}}}
    elif template:
        raw["spec"] = {"template": {"spec": SOCKET_SPEC}}
    return K8sObject(raw, Origin())


DEPLOY = obj("Deployment", "web", "d1")
RS = obj("ReplicaSet", "web-abc", "r1", ("Deployment", "web", "d1"))
POD_RS = obj("Pod", "web-abc-1", "p1", ("ReplicaSet", "web-abc", "r1"), "v1")
POD_RS2 = obj("Pod", "web-abc-2", "p2", ("ReplicaSet", "web-abc", "r1"), "v1")
CRON = obj("CronJob", "gc", "c1", api="batch/v1")
JOB = obj("Job", "gc-123", "j1", ("CronJob", "gc", "c1"), "batch/v1")
POD_JOB = obj("Pod", "gc-123-x", "p3", ("Job", "gc-123", "j1"), "v1")
BARE = obj("Pod", "debug", "p4", None, "v1")
STATIC = obj("Pod", "kube-proxy-n1", "p5", ("Node", "n1", "n1uid"), "v1")
CRD_POD = obj("Pod", "runner-x", "p6", ("Runner", "runner", "x1"), "v1")


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        # Pod → ReplicaSet → Deployment: one workload, the Deployment, with both pods attached
        ([DEPLOY, RS, POD_RS, POD_RS2], [("Deployment", "web", 2, None)]),
        # the Deployment was not readable (403): the ReplicaSet speaks for its pods
        ([RS, POD_RS], [("ReplicaSet", "web-abc", 1, None)]),
        # only pods: each is its own workload, owner named
        ([POD_RS], [("Pod", "web-abc-1", 1, {"kind": "ReplicaSet", "name": "web-abc"})]),
        # Pod → Job → CronJob
        ([CRON, JOB, POD_JOB], [("CronJob", "gc", 1, None)]),
        # a bare pod, a static (mirror) pod, and a pod of a custom controller
        (
            [BARE, STATIC, CRD_POD],
            [
                ("Pod", "debug", 1, None),
                ("Pod", "kube-proxy-n1", 1, {"kind": "Node", "name": "n1"}),
                ("Pod", "runner-x", 1, {"kind": "Runner", "name": "runner"}),
            ],
        ),
    ],
)
def test_owner_resolution(objects: list[K8sObject], expected: list[tuple[str, str, int, Any]]) -> None:
    inv = build_inventory(objects, Problems())
    got = [(w.obj.kind, w.obj.name, len(w.pods), w.owner) for w in inv.workloads]
    assert got == expected


def test_owner_found_by_name_when_manifests_have_no_uids() -> None:
    rs = obj("ReplicaSet", "web-abc", "", ("Deployment", "web", ""))
    dep = obj("Deployment", "web", "")
    inv = build_inventory([rs, dep], Problems())
    assert [w.obj.kind for w in inv.workloads] == ["Deployment"]


def test_owner_cycle_does_not_hang() -> None:
    a = obj("ReplicaSet", "a", "ua", ("ReplicaSet", "b", "ub"))
    b = obj("ReplicaSet", "b", "ub", ("ReplicaSet", "a", "ua"))
    inv = build_inventory([a, b], Problems())
    assert len(inv.workloads) <= 2


def test_findings_are_per_workload_not_per_pod() -> None:
    from assessor.catalog import bundled_rules
    from assessor.docker.context import inventory_contexts
    from assessor.engine.evaluate import evaluate

    inv = build_inventory([DEPLOY, RS, POD_RS, POD_RS2], Problems())
    findings = [f for f in evaluate(bundled_rules(), inventory_contexts(inv, None)) if f.rule_id == "DOCK001"]
    assert [(f.object["kind"], f.object["name"]) for f in findings] == [("Deployment", "web")]
