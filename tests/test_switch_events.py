"""Log lines and cluster changes become events."""

from __future__ import annotations

from typing import Any

import pytest

from assessor.switch.events import parse_log_line
from assessor.switch.watch import ChangeTracker, owner_of


@pytest.mark.parametrize(
    ("line", "kind", "node", "container"),
    [
        (
            'time="2021-12-28T15:50:36+09:00" level=info msg="[workerplane] Processing host 10.0.0.21"',
            "host-processing",
            "10.0.0.21",
            None,
        ),
        (
            'time="2021-12-28T15:50:36+09:00" level=debug msg="[worker] Cordoning node 10.0.0.21"',
            "node-cordon",
            "10.0.0.21",
            None,
        ),
        (
            'time="2021-12-28T15:50:48+09:00" level=info msg="Stopping container [kubelet] on host [10.0.0.21] '
            'with stopTimeoutDuration [5s], try #1"',
            "container-stop",
            "10.0.0.21",
            "kubelet",
        ),
        (
            'time="2021-12-28T15:50:48+09:00" level=info '
            'msg="Starting container [kubelet] on host [10.0.0.21], try #1"',
            "container-start",
            "10.0.0.21",
            "kubelet",
        ),
        (
            'time="2021-12-28T15:51:27+09:00" level=debug msg="Node 10.0.0.21 is already cordoned: false"',
            "node-uncordon",
            "10.0.0.21",
            None,
        ),
        ("node/worker-1 cordoned", "node-cordon", "worker-1", None),
        ("node/worker-1 drained", "node-drain", "worker-1", None),
        ("node/worker-1 uncordoned", "node-uncordon", "worker-1", None),
        ("evicting pod shop/web-7d9c-x2k", "pod-evicted", None, None),
        ("[INFO]  systemd: Starting rke2-agent", "runtime-start", None, None),
    ],
)
def test_log_lines(line: str, kind: str, node: str | None, container: str | None) -> None:
    event = parse_log_line(line, 0.0)
    assert event is not None and (event.kind, event.node, event.container) == (kind, node, container)


@pytest.mark.parametrize("line", ["", "INFO[0000] Building Kubernetes cluster", "node/worker-1 labeled"])
def test_other_lines_are_not_events(line: str) -> None:
    assert parse_log_line(line, 0.0) is None


def test_log_time_uses_the_line_or_its_arrival() -> None:
    line = 'time="2021-12-28T06:50:36Z" level=info msg="[worker] Cordoning node n1"'
    stated = 1640674236.0
    soon, late = parse_log_line(line, stated + 0.4), parse_log_line(line, stated + 60)
    assert soon is not None and soon.time == stated + 0.4
    assert late is not None and late.time == stated


def node(unschedulable: bool = False, ready: str = "True", kubelet: str = "v1.20.15") -> dict[str, Any]:
    return {
        "metadata": {"name": "w1"},
        "spec": {"unschedulable": unschedulable},
        "status": {"conditions": [{"type": "Ready", "status": ready}], "nodeInfo": {"kubeletVersion": kubelet}},
    }


def pod(ready: str = "True", restarts: int = 0, cid: str = "docker://a") -> dict[str, Any]:
    return {
        "metadata": {
            "name": "web-5d8f9-x",
            "namespace": "shop",
            "labels": {"pod-template-hash": "5d8f9"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d8f9", "controller": True}],
        },
        "spec": {"nodeName": "w1"},
        "status": {
            "conditions": [{"type": "Ready", "status": ready}],
            "containerStatuses": [
                {
                    "name": "web",
                    "restartCount": restarts,
                    "containerID": cid,
                    "state": {"running": {"startedAt": "2027-01-15T08:00:05Z"}},
                }
            ],
        },
    }


def test_node_changes() -> None:
    tracker = ChangeTracker()
    assert tracker.node("SYNC", node(), 1.0) == []
    kinds = [e.kind for e in tracker.node("MODIFIED", node(unschedulable=True, ready="False", kubelet="v1.21.14"), 2.0)]
    assert kinds == ["node-cordon", "node-not-ready", "node-version"]
    assert [e.kind for e in tracker.node("MODIFIED", node(), 3.0)] == ["node-uncordon", "node-ready", "node-version"]


def test_pod_changes_and_owner() -> None:
    tracker = ChangeTracker()
    assert tracker.pod("SYNC", pod(), 1.0) == []
    [not_ready] = tracker.pod("MODIFIED", pod(ready="False"), 2.0)
    assert (not_ready.kind, not_ready.workload, not_ready.node) == ("pod-not-ready", "Deployment shop/web", "w1")
    events = tracker.pod("MODIFIED", pod(ready="True", restarts=1, cid="containerd://b"), 3.0)
    assert [e.kind for e in events] == ["pod-ready", "container-restart"]
    assert events[1].time == 1800000005.0  # the container's own start time, not when we saw it
    assert [e.kind for e in tracker.pod("DELETED", pod(), 4.0)] == ["pod-deleted"]
    assert (
        owner_of(
            {
                "metadata": {
                    "namespace": "x",
                    "ownerReferences": [{"kind": "DaemonSet", "name": "ds", "controller": True}],
                }
            }
        )
        == "DaemonSet x/ds"
    )
