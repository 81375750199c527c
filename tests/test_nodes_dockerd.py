"""The node collector against a real, private Docker Engine (tests/dockerd.py): each planted fact is
collected, a clean daemon yields none of them, and no environment value or annotation leaks."""

from __future__ import annotations

import json
from pathlib import Path

from assessor.nodes.collect import collect_node
from assessor.nodes.facts import NodeReport
from tests.dockerd import ANNOTATION_CANARY, ENV_CANARY, VOLUME_BYTES, PlantedDockerd, PrivateDockerd


def test_planted_engine_facts(planted_dockerd: PlantedDockerd, tmp_path: Path) -> None:
    report = collect_node(planted_dockerd.host, tmp_path, timeout=20)
    assert report.engine_error == "" and report.engine is not None
    assert report.engine.version.startswith("20.10") or report.engine.version
    assert report.engine.storage_driver and report.engine.cgroup_driver in ("cgroupfs", "systemd")
    assert report.engine.docker_root_dir == str(planted_dockerd.daemon.tmp / "data")

    by_name = {c.name: c for c in report.containers}
    backup = by_name["legacy-backup"]
    assert not backup.kubelet and backup.pod is None
    assert backup.restart_policy == "unless-stopped" and backup.state == "running"
    mounts = {m.destination: m for m in backup.mounts}
    assert mounts["/backup"].type == "bind" and mounts["/backup"].source == str(planted_dockerd.bind_dir)
    assert not mounts["/backup"].read_write
    assert mounts["/data"].type == "volume" and mounts["/data"].name == "appdata"

    kubelet = sorted((c.pod.namespace, c.pod.name, c.pod.container) for c in report.containers if c.pod)
    assert kubelet == [("monitoring", "agent-x", "agent"), ("shop", "web-1", "web")]
    assert all(c.kubelet for c in report.containers if c.pod)

    images = {tag: i for i in report.images for tag in i.repo_tags}
    assert images["local/busybox:1"].id == planted_dockerd.imported_id and images["local/busybox:1"].local_only
    assert images[planted_dockerd.loaded_ref].local_only

    [volume] = [v for v in report.volumes if v.name == "appdata"]
    assert volume.driver == "local" and volume.size is not None and volume.size >= VOLUME_BYTES
    assert volume.ref_count == 1

    text = json.dumps(report.to_dict())
    assert ENV_CANARY not in text and ANNOTATION_CANARY not in text
    assert NodeReport.from_dict(json.loads(text)) == report


def test_clean_engine_has_none_of_them(clean_dockerd: PrivateDockerd, tmp_path: Path) -> None:
    report = collect_node(clean_dockerd.host, tmp_path, timeout=20)
    assert report.engine is not None and report.engine_error == ""
    assert (report.containers, report.images, report.volumes, report.automation) == ((), (), (), ())
    assert report.notes == ()
