"""The live source against the in-process API emulator, over real HTTP, through the official client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assessor.scan import scan
from assessor.sources.files import load_snapshot
from assessor.sources.live import RESOURCES, LiveCluster, LiveError, LiveOptions, collect
from tests.conftest import SEED
from tests.emulator import KubeEmulator


def _cluster(emulator: KubeEmulator, tmp_path: Path, **kw: Any) -> LiveCluster:
    kubeconfig = emulator.write_kubeconfig(tmp_path / "kubeconfig")
    options = LiveOptions(kubeconfig=str(kubeconfig), **kw)
    return LiveCluster(options, sleep=lambda _s: None)


def _key(findings: list) -> list[tuple[str, str, str, str | None, str]]:  # type: ignore[type-arg]
    return [(f.rule_id, f.object["kind"], f.object["name"], f.container, f.severity.name) for f in findings]


def test_live_scan_equals_snapshot_scan(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    live = scan(collect(_cluster(seed_emulator, tmp_path, page_size=4)))
    offline = scan(load_snapshot(str(SEED)))
    assert _key(live.findings) == _key(offline.findings)
    assert live.findings, "the seed cluster must have findings"
    assert live.source.complete


def test_pagination_follows_continue_and_sends_no_per_object_request(
    seed_emulator: KubeEmulator, tmp_path: Path
) -> None:
    source = collect(_cluster(seed_emulator, tmp_path, page_size=3))
    pods = [o for o in source.objects if o.kind == "Pod"]
    pod_requests = [r for r in seed_emulator.list_requests() if r.path == "/api/v1/pods"]
    assert len(pods) == sum(len(v) for (gv, p), v in seed_emulator.store.items() if p == "pods")
    assert len(pod_requests) == -(-len(pods) // 3)  # ceil: one request per page
    assert all(r.query["limit"] == ["3"] for r in pod_requests)
    assert sum("continue" in r.query for r in pod_requests) == len(pod_requests) - 1
    # lists only, one path per resource and served group/version (older ones only as fallbacks)
    paths = {r.path for r in seed_emulator.list_requests()}
    assert len(paths) <= sum(len(r.group_versions) for r in RESOURCES)


def test_read_only_and_never_secrets(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.add(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s", "namespace": "default"},
            "data": {"password": "aHVudGVyMg=="},
        }
    )
    scan(collect(_cluster(seed_emulator, tmp_path)))
    assert {r.method for r in seed_emulator.requests} == {"GET"}
    assert not [r for r in seed_emulator.requests if "secrets" in r.path]


def test_forbidden_namespace_gives_partial_result(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.forbidden |= {("configmaps", None), ("configmaps", "logging")}
    source = collect(_cluster(seed_emulator, tmp_path))
    forbidden = [c for c in source.coverage if c.status == "forbidden"]
    assert [(c.resource, c.namespace) for c in forbidden] == [("configmaps", "logging")]
    assert "cannot list" in (forbidden[0].message or "")
    assert not source.complete
    cms = {(o.namespace, o.name) for o in source.objects if o.kind == "ConfigMap"}
    assert ("kube-system", "coredns") in cms and not any(ns == "logging" for ns, _ in cms)


def test_forbidden_everywhere_for_one_resource(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.forbidden.add(("nodes", None))
    result = scan(collect(_cluster(seed_emulator, tmp_path)))
    assert [c.status for c in result.source.coverage if c.resource == "nodes"] == ["forbidden"]
    assert not [f for f in result.findings if f.rule_id == "NODE001"]
    assert [f for f in result.findings if f.rule_id == "DOCK001"]


def test_server_errors_and_throttling_are_retried(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.fail_first["/api/v1/pods"] = [500, 429, 503]
    source = collect(_cluster(seed_emulator, tmp_path))
    statuses = [r.status for r in seed_emulator.requests if r.path == "/api/v1/pods"]
    assert statuses == [500, 429, 503, 200]
    assert source.complete


def test_persistent_server_error_is_reported_not_raised(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.fail_first["/apis/apps/v1/daemonsets"] = [500] * 10
    source = collect(_cluster(seed_emulator, tmp_path))
    [entry] = [c for c in source.coverage if c.resource == "daemonsets"]
    assert entry.status == "error" and entry.message and entry.message.startswith("500")
    assert len([r for r in seed_emulator.requests if r.path == "/apis/apps/v1/daemonsets"]) == 5


def test_expired_continue_token_restarts_the_list_once(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.expire_continue = 1
    source = collect(_cluster(seed_emulator, tmp_path, page_size=2))
    nodes = [r for r in seed_emulator.requests if r.path == "/api/v1/nodes"]
    assert [r.status for r in nodes] == [200, 410, 200, 200]
    assert "continue" not in nodes[2].query  # restarted from the first page
    assert source.complete and sum(o.kind == "Node" for o in source.objects) == 4


def test_second_expiry_continues_inconsistently_and_says_so(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    seed_emulator.faults.expire_continue = 2
    source = collect(_cluster(seed_emulator, tmp_path, page_size=2))
    [nodes] = [c for c in source.coverage if c.resource == "nodes"]
    assert nodes.status == "inconsistent" and nodes.objects == 4
    assert not source.complete


def test_old_server_without_batch_v1_cronjobs_falls_back(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    source = collect(_cluster(seed_emulator, tmp_path))
    cron_paths = [r.path for r in seed_emulator.requests if "cronjobs" in r.path]
    assert cron_paths == ["/apis/batch/v1/cronjobs", "/apis/batch/v1beta1/cronjobs"]
    assert [o.api_version for o in source.objects if o.kind == "CronJob"] == ["batch/v1beta1"]


def test_namespace_flag_lists_only_those_namespaces(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    source = collect(_cluster(seed_emulator, tmp_path, namespaces=("monitoring",)))
    assert {o.namespace for o in source.objects if o.kind != "Node"} == {"monitoring"}
    assert all("/namespaces/monitoring/" in r.path for r in seed_emulator.list_requests() if "nodes" not in r.path)


def test_every_call_has_a_timeout(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    cluster = _cluster(seed_emulator, tmp_path, request_timeout=7.5)
    seen: list[object] = []
    real = cluster.api.client.call_api

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(kwargs.get("_request_timeout"))
        return real(*args, **kwargs)

    cluster.api.client.call_api = spy
    collect(cluster)
    assert seen and set(seen) == {7.5}


def test_unreachable_server_is_one_line_error(tmp_path: Path) -> None:
    emulator = KubeEmulator([])
    emulator.start()
    kubeconfig = emulator.write_kubeconfig(tmp_path / "kc")
    emulator.stop()  # nothing listens there any more
    cluster = LiveCluster(
        LiveOptions(kubeconfig=str(kubeconfig), request_timeout=2, max_attempts=2), sleep=lambda _s: None
    )
    result = collect(cluster)
    assert {c.status for c in result.coverage} == {"error"}
    assert all("cannot reach the API server" in (c.message or "") for c in result.coverage)


def test_missing_kubeconfig_is_a_live_error(tmp_path: Path) -> None:
    with pytest.raises(LiveError, match="cannot load kubeconfig"):
        LiveCluster(LiveOptions(kubeconfig=str(tmp_path / "nope")))
    with pytest.raises(LiveError):
        emulator = KubeEmulator([])
        emulator.start()
        try:
            kubeconfig = emulator.write_kubeconfig(tmp_path / "kc")
            LiveCluster(LiveOptions(kubeconfig=str(kubeconfig), context="no-such-context"))
        finally:
            emulator.stop()
