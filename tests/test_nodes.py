"""Node collection without a daemon: host files, redaction, parsers, the JSON round trip, hostile Engine answers."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assessor.nodes import dockerapi
from assessor.nodes.collect import collect_node
from assessor.nodes.dockerapi import DockerAPIError, DockerClient
from assessor.nodes.facts import Image, NodeFileError, NodeReport
from assessor.nodes.hostfiles import HostRoot, collect_host, redact_line
from assessor.nodes.ssh import SshEndpoint, SshTarget, ssh_command, targets_from_rke
from assessor.sources.rke import load_rke_config
from tests.node_root import SECRETS, make_root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path)


def test_host_files_each_planted_fact(root: Path) -> None:
    facts = collect_host(root)
    assert facts.daemon_config is not None
    s = facts.daemon_config.settings
    assert s["registry-mirrors"] == ["https://mirror.corp.example:5000"]
    assert s["insecure-registries"] == ["registry.lab:5000"]
    assert s["log-opts"] == {"max-size": "50m", "max-file": "3"}
    assert (s["data-root"], s["default-runtime"], s["live-restore"]) == ("/data/docker", "nvidia", True)
    assert set(s["runtimes"]) == {"nvidia"}
    assert s["bip"] == "172.26.0.1/16" and s["default-address-pools"][0]["base"] == "172.80.0.0/16"
    assert s["default-ulimits"]["nofile"]["Hard"] == 65536
    assert facts.daemon_config.other_keys == ("debug",)
    [certs] = facts.certs_d
    assert (certs.registry, certs.files) == ("registry.corp.example:5000", ("ca.crt", "client.cert", "client.key"))

    lines = {(a.file, a.line, a.via): a for a in facts.automation}
    assert set(lines) == {
        ("/etc/crontab", 5, "cron"),
        ("/etc/crontab", 6, "cron"),
        ("/usr/local/bin/backup.sh", 3, "script"),
        ("/etc/cron.daily/docker-gc", 2, "cron"),
        ("/var/spool/cron/crontabs/rancher", 1, "cron"),
        ("/etc/systemd/system/legacy-app.service", 4, "systemd"),
        ("/etc/systemd/system/legacy-app.service", 5, "systemd"),
        ("/etc/systemd/system/legacy-app.service", 7, "systemd"),
        ("/etc/rc.local", 3, "rc.local"),
    }
    assert lines[("/usr/local/bin/backup.sh", 3, "script")].called_from == "/etc/cron.d/backup"
    assert lines[("/etc/crontab", 6, "cron")].command == "docker system prune -af --filter until=24h"
    assert lines[("/etc/crontab", 5, "cron")].command == "docker login -u ci -p <redacted> registry.corp.example:5000"
    joined = lines[("/etc/systemd/system/legacy-app.service", 5, "systemd")].command
    assert "docker run --rm --name legacy-app" in joined and "-p 8080:80" in joined  # continuation joined

    by_user = {c.user: c for c in facts.docker_configs}
    assert by_user["root"].registries == ("docker.io", "registry.corp.example:5000")
    assert by_user["root"].inline_auth == ("registry.corp.example:5000",)
    assert by_user["root"].creds_store == "pass"
    assert by_user["rancher"].cred_helpers == {"gcr.io": "gcloud"}
    assert any("fifo: skipped, not a regular file" in n for n in facts.notes)


def test_no_secret_in_the_node_document(root: Path, tmp_path: Path) -> None:
    report = collect_node(f"unix://{tmp_path}/no-daemon.sock", root, timeout=1)
    text = json.dumps(report.to_dict())
    for secret in SECRETS:
        assert secret not in text
    assert "no-daemon.sock" in report.engine_error and report.engine is None


def test_clean_root_has_no_facts(tmp_path: Path) -> None:
    facts = collect_host(tmp_path)
    assert (facts.daemon_config, facts.certs_d, facts.automation, facts.docker_configs, facts.notes) == (
        None,
        [],
        [],
        [],
        [],
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("docker login -u u -p s3cret reg", "docker login -u u -p <redacted> reg"),
        ("docker login --password=s3cret reg", "docker login --password=<redacted> reg"),
        ("docker login --password 's3 cret' reg", "docker login --password '<redacted>' reg"),
        ("docker run -p 80:80 img", "docker run -p 80:80 img"),  # -p publishes outside login
        ("curl https://u:s3cret@h/x", "curl https://u:<redacted>@h/x"),
        ("export API_TOKEN=s3cret; docker ps", "export API_TOKEN=<redacted>; docker ps"),
        ("curl -u admin:s3cret http://h", "curl -u admin:<redacted> http://h"),
    ],
)
def test_redact_line(line: str, expected: str) -> None:
    assert redact_line(line) == expected


def test_redaction_is_linear_on_hostile_lines() -> None:
    start = time.monotonic()
    for line in ("a" * 200_000, "-p " * 50_000 + "login", "x://" + "a:" * 50_000, "PASS=" * 40_000):
        redact_line(line)
    assert time.monotonic() - start < 2


def test_symlinks_stay_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "real").write_text("inside\n")
    (tmp_path / "etc" / "hostname").write_text("fake\n")
    (tmp_path / "etc" / "abs").symlink_to("/etc/real")  # absolute: taken relative to the root
    (tmp_path / "etc" / "up").symlink_to("../../../../../etc/hostname")
    (tmp_path / "etc" / "loop").symlink_to("loop")
    host = HostRoot(tmp_path)
    assert host.read_text("/etc/abs") == "inside\n"
    assert host.resolve("/etc/up") == os.path.join(os.path.realpath(tmp_path), "etc", "hostname")
    assert host.resolve("/etc/loop") is None


def test_round_trip_and_type_checks(root: Path, tmp_path: Path) -> None:
    report = collect_node(f"unix://{tmp_path}/none.sock", root, timeout=1)
    data = json.loads(json.dumps(report.to_dict()))
    assert NodeReport.from_dict(data) == report
    bad_cases: list[tuple[Callable[[dict[str, object]], object], str]] = [
        (lambda d: d.update(formatVersion=2), "node.formatVersion"),
        (lambda d: d.update(source={"type": "cluster"}), "node.source.type"),
        (lambda d: d.update(hostname=3), "node.hostname: expected a string"),
        (lambda d: d.update(automation=[{"file": "x", "line": "1", "command": "c", "via": "cron"}]), "line"),
        (lambda d: d.update(extra=1), "node.extra: unknown field"),
        (lambda d: d.pop("root"), "node.root: missing"),
    ]
    for mutate, message in bad_cases:
        copy = json.loads(json.dumps(data))
        mutate(copy)
        with pytest.raises(NodeFileError, match=message.replace(".", r"\.")):
            NodeReport.from_dict(copy)


def test_parse_container_drops_env_and_annotations() -> None:
    inspect = {
        "Id": "abc",
        "Name": "/k8s_web_web-1_shop_uid_0",
        "Image": "sha256:1",
        "State": {"Status": "running"},
        "Config": {
            "Image": "shop/web:1",
            "Env": ["DB_PASSWORD=canary-env"],
            "Labels": {
                "io.kubernetes.pod.name": "web-1",
                "io.kubernetes.pod.namespace": "shop",
                "io.kubernetes.container.name": "web",
                "annotation.kubectl.kubernetes.io/last-applied-configuration": "canary-annotation",
            },
        },
        "HostConfig": {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}},
        "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": None}},
        "Mounts": [{"Type": "bind", "Source": "/srv", "Destination": "/data", "RW": False}],
    }
    c = dockerapi.parse_container(inspect)
    assert (
        c.kubelet and c.pod is not None and (c.pod.name, c.pod.namespace, c.pod.container) == ("web-1", "shop", "web")
    )
    assert (c.restart_policy, c.restart_max_retries) == ("on-failure", 3)
    assert [(p.container_port, p.host_port) for p in c.ports] == [("443/tcp", ""), ("80/tcp", "8080")]
    assert c.mounts[0].type == "bind" and not c.mounts[0].read_write
    assert "canary" not in repr(c)


@pytest.mark.parametrize(
    "raw",
    [{}, {"Config": None, "HostConfig": [], "Mounts": "x", "NetworkSettings": {"Ports": []}}, {"Id": 3, "Name": None}],
)
def test_parse_container_never_raises_on_odd_shapes(raw: dict[str, object]) -> None:
    c = dockerapi.parse_container(raw)
    assert not c.kubelet and c.restart_policy == "no"


def test_image_local_only() -> None:
    img = dockerapi.parse_image({"Id": "sha256:1", "RepoTags": ["a:1"], "RepoDigests": ["<none>@<none>"]})
    assert img.local_only and img == Image("sha256:1", ("a:1",))
    assert not dockerapi.parse_image({"Id": "x", "RepoDigests": ["a@sha256:2"]}).local_only


# --- a hostile Engine on a unix socket ---------------------------------------------------------


@pytest.fixture
def fake_engine(tmp_path: Path) -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    servers: list[socket.socket] = []
    stop = threading.Event()

    def serve(handler: Callable[[socket.socket], None]) -> str:
        path = str(tmp_path / f"e{len(servers)}.sock")
        srv = socket.socket(socket.AF_UNIX)
        srv.bind(path)
        srv.listen()
        srv.settimeout(0.2)
        servers.append(srv)

        def loop() -> None:
            while not stop.is_set():
                try:
                    conn, _ = srv.accept()
                except OSError:
                    continue
                with conn:
                    try:
                        conn.recv(65536)
                        handler(conn)
                    except OSError:
                        pass

        threading.Thread(target=loop, daemon=True).start()
        return f"unix://{path}"

    yield serve
    stop.set()
    for srv in servers:
        srv.close()


def _answer(body: bytes, status: str = "200 OK") -> Callable[[socket.socket], None]:
    def handler(conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)

    return handler


def _hang(conn: socket.socket) -> None:
    time.sleep(3)


def _drip(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(30):
        conn.sendall(b" ")
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        (lambda c: c.sendall(b"\x00\xffgarbage\r\n\r\n"), "BadStatusLine|RemoteDisconnected|HTTPException"),
        (_answer(b"not json"), "not JSON"),
        (_answer(b'{"message": "page not found"}', "404 Not Found"), "HTTP 404: page not found"),
        (_answer(b"x" * 3000), "larger than 2048 bytes"),
        (_hang, "no answer within 0.5s"),
        (_drip, "answer within 0.5s"),
        (_answer(b"[1, 2]"), "expected a JSON object"),
    ],
)
def test_hostile_engine_is_a_typed_error(
    fake_engine: Callable[[Callable[[socket.socket], None]], str],
    handler: Callable[[socket.socket], None],
    message: str,
) -> None:
    client = DockerClient(fake_engine(handler), timeout=0.5, max_bytes=2048)
    start = time.monotonic()
    with pytest.raises(DockerAPIError, match=message):
        client.get_dict("/version")
    assert time.monotonic() - start < 2.5


@pytest.mark.parametrize("host", ["ssh://node", "unix://", "tcp://"])
def test_unusable_docker_host(host: str) -> None:
    with pytest.raises(DockerAPIError, match=r"unix://|no socket path|no host name"):
        DockerClient(host)


def test_targets_from_cluster_yml(tmp_path: Path) -> None:
    cluster = tmp_path / "cluster.yml"
    cluster.write_text(
        "ssh_key_path: /keys/default\n"
        "bastion_host: {address: bastion.example, user: jump, port: '2222'}\n"
        "nodes:\n"
        "- {address: 10.0.0.1, user: rancher, role: [worker], docker_socket: /run/docker.sock}\n"
        "- {address: 10.0.0.2, user: ubuntu, port: 2200, ssh_key_path: /keys/n2, role: [etcd],"
        " hostname_override: N2}\n"
    )
    config = load_rke_config(str(cluster))
    a, b = targets_from_rke(config)
    assert a.endpoint == SshEndpoint("10.0.0.1", 22, "rancher", "/keys/default")
    assert a.docker_host == "unix:///run/docker.sock"
    assert b.name == "n2" and b.endpoint.port == 2200 and b.endpoint.key_path == "/keys/n2"
    assert a.bastion == SshEndpoint("bastion.example", 2222, "jump", "/keys/default")
    cmd = ssh_command(a, {}, 10, None)
    assert cmd[-3:] == ["10.0.0.1", "python3", "-"] and "BatchMode=yes" in cmd
    proxy = next(o for o in cmd if o.startswith("ProxyCommand="))
    assert "jump@bastion.example" in proxy and "-p 2222" in proxy and "/keys/default" in proxy


def test_inline_key_never_on_the_command_line() -> None:
    target = SshTarget("n", SshEndpoint("h", key="-----BEGIN OPENSSH PRIVATE KEY-----\ncanary\n"))
    cmd = ssh_command(target, {target.endpoint.key: "/tmp/k0"}, 5, None)
    assert "/tmp/k0" in cmd and not any("canary" in part for part in cmd)


def test_daemonset_is_read_only_and_runs_the_collector() -> None:
    import yaml

    docs = list(yaml.safe_load_all((Path(__file__).parent.parent / "deploy" / "node-collector.yaml").read_text()))
    [ds] = [d for d in docs if d["kind"] == "DaemonSet"]
    spec = ds["spec"]["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False
    [container] = spec["containers"]
    assert all(m["readOnly"] for m in container["volumeMounts"])
    assert "python3 -m assessor.nodes.remote --root /host" in container["args"][0]
    [policy] = [d for d in docs if d["kind"] == "NetworkPolicy"]
    assert "egress" not in policy["spec"] and "Egress" in policy["spec"]["policyTypes"]


def test_remote_entry_point_prints_one_document(root: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "assessor.nodes.remote", "--root", str(root), "--docker-host", f"unix://{tmp_path}/x"],
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert proc.returncode == 0, proc.stderr
    report = NodeReport.from_dict(json.loads(proc.stdout))
    assert report.hostname == "node-a" and report.daemon_config is not None
