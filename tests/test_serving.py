"""The one traffic analysis: does a workload take traffic, and why."""

from __future__ import annotations

from typing import Any

import pytest

from assessor.inventory.build import build_inventory
from assessor.inventory.serving import ServiceIndex, serving, serving_workloads
from assessor.migration.traffic import workload_traffic
from assessor.model.objects import K8sObject
from assessor.model.origin import Origin
from assessor.model.problems import Problems
from assessor.model.rke import RkeConfig
from assessor.rke.templates import RkeContext, RkeUpgradeDrainTemplate

LABELS = {"app": "agent"}

_CLUSTER = K8sObject({"kind": "RKECluster", "metadata": {"name": "test"}}, Origin())


def daemonset(pod: dict[str, Any], namespace: str = "ns") -> K8sObject:
    raw = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": namespace},
        "spec": {"template": {"metadata": {"labels": LABELS}, "spec": pod}},
    }
    return K8sObject(raw, Origin())


def service(selector: Any, namespace: str = "ns", **spec: Any) -> K8sObject:
    body = {"selector": selector, **spec} if selector is not None else dict(spec)
    raw = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc", "namespace": namespace}, "spec": body}
    return K8sObject(raw, Origin())


PLAIN = {"containers": [{"name": "c", "image": "i"}]}
PORT = {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 9100}]}]}
HOST_PORT = {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "hostPort": 80}]}]}
INIT_HOST_PORT = {
    **PLAIN,
    "initContainers": [{"name": "init", "image": "i", "ports": [{"containerPort": 53, "hostPort": 53}]}],
}

CASES: list[tuple[str, dict[str, Any], list[K8sObject], list[str]]] = [
    ("nothing", PLAIN, [], []),
    ("hostPort in container", HOST_PORT, [], ["containers[c] hostPort 80"]),
    ("hostPort in init container", INIT_HOST_PORT, [], ["initContainers[init] hostPort 53"]),
    ("hostNetwork without ports (a CNI agent)", {**PLAIN, "hostNetwork": True}, [], []),
    (
        "hostNetwork with ports",
        {**PORT, "hostNetwork": True},
        [],
        ["hostNetwork, listening on containers[c] port 9100"],
    ),
    ("port without hostNetwork", PORT, [], []),
    ("Service selects it", PLAIN, [service(LABELS)], ["selected by ClusterIP Service svc"]),
    ("Service selects other labels", PLAIN, [service({"app": "other"})], []),
    ("Service selects a subset of labels", PLAIN, [service({"app": "agent", "tier": "x"})], []),
    ("Service in another namespace", PLAIN, [service(LABELS, "other")], []),
    ("Service without selector", PLAIN, [service(None, type="NodePort")], []),
    ("Service with empty selector", PLAIN, [service({})], []),
    (
        "NodePort Service, externalTrafficPolicy Local",
        PLAIN,
        [service(LABELS, type="NodePort", externalTrafficPolicy="Local")],
        ["selected by NodePort Service svc"],
    ),
]


@pytest.mark.parametrize(("pod", "others", "reasons"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_serving_reasons(pod: dict[str, Any], others: list[K8sObject], reasons: list[str]) -> None:
    inv = build_inventory([daemonset(pod), *others], Problems())
    (w,) = inv.workloads
    s = serving(w, ServiceIndex(inv.objects))
    assert s.reasons == reasons
    assert s.serves is bool(reasons)
    assert [x for x, _ in serving_workloads(inv, "DaemonSet")] == ([w] if reasons else [])
    # The forecast and the RKE drain check ask the same question and get the same answer.
    (traffic,) = workload_traffic(inv)
    assert traffic.serves is bool(reasons)
    config = RkeConfig("cluster.yml", {"nodes": []}, Origin())
    (hit,) = RkeUpgradeDrainTemplate().hits(RkeContext(config, None, inv, _CLUSTER), {})
    assert hit.facts["servingDaemonSets"] == (1 if reasons else 0)


def test_node_entry_names_the_ways_in_through_the_node() -> None:
    pod = {**HOST_PORT, "hostNetwork": True}
    inv = build_inventory(
        [daemonset(pod), service(LABELS, type="LoadBalancer", externalTrafficPolicy="Local")], Problems()
    )
    (traffic,) = workload_traffic(inv)
    assert traffic.node_entry == ["hostPort", "hostNetwork", "LoadBalancer Service svc (externalTrafficPolicy: Local)"]
