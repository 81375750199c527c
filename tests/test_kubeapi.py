"""The Kubernetes API adapter against the emulator, over real HTTP: paging, watching, typed errors, retries."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assessor.sources.kubeapi import Forbidden, Gone, KubeApi, NotFound, Policy, Reflector, WatchEvent, load_client
from assessor.switch.events import Event
from assessor.switch.watch import ClusterWatcher
from tests.emulator import KubeEmulator

PODS = "/api/v1/pods"
STREAMS = ("/api/v1/nodes", PODS, "/api/v1/events")


def _pod(i: int) -> dict[str, Any]:
    name = f"web-{i:04d}"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "big"},
        "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "nginx"}]},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "restartCount": 0, "containerID": f"docker://{name}-a"}],
        },
    }


@pytest.fixture
def big_emulator() -> Iterator[KubeEmulator]:
    with KubeEmulator([_pod(i) for i in range(1200)]) as emulator:
        yield emulator


def _api(emulator: KubeEmulator, tmp_path: Path, sleeps: list[float] | None = None, **policy: Any) -> KubeApi:
    client = load_client(str(emulator.write_kubeconfig(tmp_path / "kc")), None)
    record = sleeps.append if sleeps is not None else (lambda _s: None)
    return KubeApi(client, Policy(**policy), sleep=record)


def test_list_pages_everything_and_returns_the_snapshot_version(big_emulator: KubeEmulator, tmp_path: Path) -> None:
    big_emulator.emit(PODS, "MODIFIED", _pod(1))  # moves the server's resourceVersion on
    listed = _api(big_emulator, tmp_path).list(PODS)
    assert len(listed.items) == 1200 and listed.consistent
    assert listed.resource_version == str(big_emulator.revision)
    pages = [r for r in big_emulator.requests if r.path == PODS]
    assert [r.query["limit"] for r in pages] == [["500"]] * 3


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"forbidden": {("pods", None)}}, Forbidden),
        ({"fail_first": {PODS: [500] * 5}}, None),
    ],
)
def test_statuses_become_typed_errors(
    big_emulator: KubeEmulator, tmp_path: Path, fault: dict[str, Any], error: type[Exception] | None
) -> None:
    for name, value in fault.items():
        setattr(big_emulator.faults, name, value)
    api = _api(big_emulator, tmp_path, max_attempts=5)
    with pytest.raises(Exception) as caught:
        api.list(PODS)
    if error is not None:
        assert type(caught.value) is error
    assert str(caught.value).split()[0] in ("403", "500")
    with pytest.raises(NotFound):
        api.list("/apis/nothing.example/v1/widgets")


def test_retry_after_is_honoured(big_emulator: KubeEmulator, tmp_path: Path) -> None:
    big_emulator.faults.fail_first[PODS] = [429, 503]
    sleeps: list[float] = []
    listed = _api(big_emulator, tmp_path, sleeps).list(PODS)
    assert len(listed.items) == 1200
    # the emulator's 429 says Retry-After: 0; the 503 says nothing and gets jittered backoff
    assert sleeps[0] == 0.0 and 0.5 <= sleeps[1] <= 1.0  # second attempt: 2 × 0.5 s, jittered down to half


def test_watch_streams_each_event_as_it_happens(big_emulator: KubeEmulator, tmp_path: Path) -> None:
    api = _api(big_emulator, tmp_path)
    version = api.list(PODS).resource_version
    big_emulator.emit(PODS, "MODIFIED", _pod(3))  # between the list and the watch: replayed from version
    stream = api.watch(PODS, version, timeout_seconds=60)
    seen: list[WatchEvent] = []
    for event in stream:
        seen.append(event)
        if len(seen) == 1:
            big_emulator.emit(PODS, "DELETED", _pod(4))
        if len(seen) == 2:
            stream.close()  # long before the server's 60 s
    assert [(e.type, e.object["metadata"]["name"]) for e in seen] == [("MODIFIED", "web-0003"), ("DELETED", "web-0004")]
    assert int(seen[1].resource_version or 0) > int(seen[0].resource_version or 0) > int(version)


def test_watch_closed_by_the_server_ends_with_a_bookmark(big_emulator: KubeEmulator, tmp_path: Path) -> None:
    api = _api(big_emulator, tmp_path)
    events = list(api.watch(PODS, str(big_emulator.revision), timeout_seconds=1))
    assert [e.type for e in events] == ["BOOKMARK"]


def test_expired_watch_raises_gone_and_the_reflector_lists_again(big_emulator: KubeEmulator, tmp_path: Path) -> None:
    big_emulator.faults.expire_watch = 1
    api = _api(big_emulator, tmp_path)
    with pytest.raises(Gone):
        list(api.watch(PODS, "1", timeout_seconds=30))
    big_emulator.faults.expire_watch = 1
    lists: list[int] = []
    changes: list[WatchEvent] = []
    changed, relisted = threading.Event(), threading.Event()

    def on_list(items: list[dict[str, Any]]) -> None:
        lists.append(len(items))
        if len(lists) == 2:
            relisted.set()

    def on_event(event: WatchEvent) -> None:
        changes.append(event)
        changed.set()

    reflector = Reflector(api, PODS, on_list, on_event, pytest.fail, timeout_seconds=30)
    thread = threading.Thread(target=reflector.run, daemon=True)
    thread.start()
    # after the relist, whether or not its watch is open yet: the watch starts from the list's version
    assert relisted.wait(10)
    big_emulator.emit(PODS, "MODIFIED", _pod(7))
    assert changed.wait(10)
    started = time.monotonic()
    reflector.stop()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - started < 5  # stop does not wait for the server's 30 s
    assert lists == [1200, 1200]  # the 410 sent it back to a full list
    assert [c.object["metadata"]["name"] for c in changes] == ["web-0007"]


def test_watcher_sees_a_restart_beyond_the_first_page(big_emulator: KubeEmulator, tmp_path: Path) -> None:
    """A cluster of 1,200 pods: pod 650 is on the second page of the watcher's initial list."""
    restarts: list[Event] = []
    seen = threading.Event()

    def sink(event: Event) -> None:
        if event.kind == "container-restart":
            restarts.append(event)
            seen.set()

    api = _api(big_emulator, tmp_path)
    watcher = ClusterWatcher(_Holder(api), sink, server_timeout=30)
    watcher.start()
    try:
        assert big_emulator.wait_for_watchers(STREAMS)
        pod = copy.deepcopy(_pod(650))
        pod["status"]["containerStatuses"][0].update(restartCount=1, containerID="docker://web-0650-b")
        big_emulator.emit(PODS, "MODIFIED", pod)
        assert seen.wait(10), watcher.errors
    finally:
        started = time.monotonic()
        watcher.stop()
    assert time.monotonic() - started < 5
    assert [(e.pod, e.container) for e in restarts] == [("web-0650", "app")]
    assert watcher.errors == []


class _Holder:
    def __init__(self, api: KubeApi) -> None:
        self.api = api
