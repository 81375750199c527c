"""Every request the tool makes against a cluster is allowed by deploy/rbac.yaml, and the role grants nothing more."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessor.sources.live import LiveCluster, LiveOptions, collect
from assessor.switch.watch import ClusterWatcher
from tests.conftest import ROOT
from tests.emulator import KubeEmulator, RecordedRequest

READ_VERBS = {"get", "list", "watch"}
# /api/v1/namespaces/NS/pods/NAME, /apis/GROUP/VERSION/pods …: group, namespace, resource, name
RESOURCE_PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<resource>[^/]+)(?:/(?P<name>[^/]+))?$"
)


def _role() -> dict[str, Any]:
    docs = list(yaml.safe_load_all((ROOT / "deploy" / "rbac.yaml").read_text(encoding="utf-8")))
    return next(d for d in docs if d["kind"] == "ClusterRole")


def _allowed(role: dict[str, Any], req: RecordedRequest) -> bool:
    """The RBAC authorizer's decision for one request, for the rule shapes this role uses."""
    if req.method != "GET":
        return False
    m = RESOURCE_PATH.match(req.path)
    if m is None:
        return any(req.path in r.get("nonResourceURLs", []) and "get" in r["verbs"] for r in role["rules"])
    group = "" if m["core"] else m["group"]
    verb = (
        "watch"
        if req.query.get("watch") == ["true"] or req.query.get("watch") == ["1"]
        else ("get" if m["name"] else "list")
    )
    return any(
        group in r.get("apiGroups", []) and m["resource"] in r.get("resources", []) and verb in r["verbs"]
        for r in role["rules"]
    )


def _requests_of_a_full_session(emulator: KubeEmulator, tmp_path: Path) -> list[RecordedRequest]:
    kubeconfig = emulator.write_kubeconfig(tmp_path / "kubeconfig")
    cluster = LiveCluster(LiveOptions(kubeconfig=str(kubeconfig), page_size=7), sleep=lambda _s: None)
    collect(cluster)  # assess cluster / report / plan
    # a 403 on a cluster-wide list sends the tool to per-namespace lists, which first lists namespaces
    emulator.faults.forbidden |= {("configmaps", None)}
    collect(cluster)
    watcher = ClusterWatcher(cluster, lambda _e: None, server_timeout=1)  # assess switch --kubeconfig
    watcher.start()
    emulator.wait_for_watchers(("/api/v1/nodes", "/api/v1/pods", "/api/v1/events"))
    watcher.stop()
    return list(emulator.requests)


def test_every_request_is_allowed_by_the_shipped_role(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    role = _role()
    requests = _requests_of_a_full_session(seed_emulator, tmp_path)
    assert sum(r.query.get("watch") is not None for r in requests) >= 3, "the watches must have been exercised"
    assert any(r.path == "/api/v1/namespaces" for r in requests), "the per-namespace fallback must have run"
    denied = sorted({(r.method, r.path) for r in requests if not _allowed(role, r)})
    assert denied == []


def test_role_is_read_only_exact_and_has_no_secrets(seed_emulator: KubeEmulator, tmp_path: Path) -> None:
    role = _role()
    for rule in role["rules"]:
        assert set(rule["verbs"]) <= READ_VERBS
        assert "*" not in rule.get("resources", []) and "*" not in rule.get("apiGroups", [])
        assert "secrets" not in rule.get("resources", [])
    # every grant is used: the role is exactly what the tool reads
    used = set()
    for r in _requests_of_a_full_session(seed_emulator, tmp_path):
        m = RESOURCE_PATH.match(r.path)
        used.add(("" if m["core"] else m["group"], m["resource"]) if m else ("nonResource", r.path))
    rules = role["rules"]
    granted = {(g, res) for rule in rules for g in rule.get("apiGroups", []) for res in rule.get("resources", [])}
    granted |= {("nonResource", u) for rule in role["rules"] for u in rule.get("nonResourceURLs", [])}
    assert granted == used


@pytest.mark.parametrize(
    ("method", "path", "query", "allowed"),
    [
        ("GET", "/api/v1/pods", {"limit": ["500"]}, True),
        ("GET", "/api/v1/namespaces/a/pods", {"watch": ["true"]}, True),
        ("GET", "/api/v1/secrets", {}, False),
        ("GET", "/api/v1/namespaces/a/secrets/token", {}, False),
        ("POST", "/api/v1/namespaces/a/pods", {}, False),
        ("GET", "/apis/apps/v1/daemonsets", {}, True),
        ("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {}, False),
        ("GET", "/version", {}, True),
        ("GET", "/metrics", {}, False),
    ],
)
def test_authorizer_model(method: str, path: str, query: dict[str, list[str]], allowed: bool) -> None:
    assert _allowed(_role(), RecordedRequest(method, path, query, 200)) is allowed
