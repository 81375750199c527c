"""A read-only Docker Engine API client: GET only, bounded in time and size, typed errors.

Talks HTTP/1.1 over the daemon's unix socket (or tcp:// from DOCKER_HOST) with http.client, so
the collector needs nothing beyond the standard library on the node. Each call has a deadline
for the whole exchange (connect, headers, body) and a cap on the body: a daemon that hangs, drips
or answers garbage costs one DockerAPIError, never a traceback or a stuck collector.

The parsers keep only what the node report needs. Container environment values (Config.Env) are
never read, and pod annotations copied into labels (which carry last-applied manifests, env
values included) are dropped here, at the parse boundary.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.parse
from typing import Any

from assessor.nodes.facts import Container, Engine, Image, Mount, PodRef, PortBinding, Volume
from assessor.nodes.hostfiles import redact_line

# The containers `rke up` runs on a node: their command lines are kept (redacted) so that their
# flags can be compared with cluster.yml; no other container's arguments are ever read.
RKE_CONTAINERS = frozenset(
    {
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kubelet",
        "kube-proxy",
        "nginx-proxy",
        "service-sidekick",
        "etcd-rolling-snapshots",
        "rke-log-linker",
        "rke-etcd-backup",
    }
)
MAX_ARGS = 200

DEFAULT_HOST = "unix:///var/run/docker.sock"
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_LABEL_VALUE = 512
_CHUNK = 64 * 1024


class DockerAPIError(Exception):
    """The Engine API could not be used for this call (one line: what, where, why)."""


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class DockerClient:
    """GET requests against one Engine endpoint; `host` is a DOCKER_HOST-style URL."""

    def __init__(self, host: str | None = None, timeout: float = 10.0, max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.host = host or DEFAULT_HOST
        self.timeout = timeout
        self.max_bytes = max_bytes
        parsed = urllib.parse.urlsplit(self.host)
        if parsed.scheme == "unix":
            self._unix_path: str | None = parsed.path
            if not self._unix_path:
                raise DockerAPIError(f"{self.host}: no socket path")
            self._tcp: tuple[str, int] | None = None
        elif parsed.scheme in ("tcp", "http"):
            # TLS (DOCKER_TLS_VERIFY) would need the client certs on the node; the collector
            # reads the local socket, so plain tcp:// is for test daemons and socket proxies.
            if not parsed.hostname:
                raise DockerAPIError(f"{self.host}: no host name")
            self._unix_path = None
            self._tcp = (parsed.hostname, parsed.port or 2375)
        else:
            raise DockerAPIError(f"{self.host}: unsupported scheme (use unix:// or tcp://)")

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self._unix_path is not None:
            return _UnixConnection(self._unix_path, timeout)
        assert self._tcp is not None
        return http.client.HTTPConnection(self._tcp[0], self._tcp[1], timeout=timeout)

    def get(self, path: str, timeout: float | None = None) -> Any:
        """GET `path` and return the decoded JSON body; any failure is a DockerAPIError."""
        limit = timeout if timeout is not None else self.timeout
        deadline = time.monotonic() + limit
        conn = self._connection(limit)
        where = f"{self.host} GET {path}"
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            resp = conn.getresponse()
            body = bytearray()
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DockerAPIError(f"{where}: no complete answer within {limit:g}s")
                if conn.sock is not None:
                    conn.sock.settimeout(remaining)
                chunk = resp.read1(_CHUNK)  # one recv: the deadline is checked between them
                if not chunk:
                    break
                body += chunk
                if len(body) > self.max_bytes:
                    raise DockerAPIError(f"{where}: answer larger than {self.max_bytes} bytes")
            status = resp.status
        except DockerAPIError:
            raise
        except TimeoutError as exc:
            raise DockerAPIError(f"{where}: no answer within {limit:g}s") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise DockerAPIError(f"{where}: {_os_reason(exc)}") from exc
        finally:
            conn.close()
        if status != 200:
            raise DockerAPIError(f"{where}: HTTP {status}: {_error_message(bytes(body))}")
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DockerAPIError(f"{where}: answer is not JSON ({exc})") from exc

    def get_dict(self, path: str, timeout: float | None = None) -> dict[str, Any]:
        data = self.get(path, timeout)
        if not isinstance(data, dict):
            raise DockerAPIError(f"{self.host} GET {path}: expected a JSON object, got {type(data).__name__}")
        return data

    def get_list(self, path: str, timeout: float | None = None) -> list[Any]:
        data = self.get(path, timeout)
        if not isinstance(data, list):
            raise DockerAPIError(f"{self.host} GET {path}: expected a JSON list, got {type(data).__name__}")
        return data


def _error_message(body: bytes) -> str:
    try:
        data = json.loads(body)
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            return str(data["message"])[:200]
    except ValueError:
        pass
    return body[:200].decode("utf-8", "replace").strip() or "(empty body)"


# --- parsers: Engine JSON -> facts. Missing or mistyped fields become defaults, never errors. ---


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""


def _i(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _strs(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _map(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_engine(version: dict[str, Any], info: dict[str, Any]) -> Engine:
    registry = _map(info.get("RegistryConfig"))
    insecure = _strs(registry.get("InsecureRegistryCIDRs")) + tuple(
        name for name, idx in _map(registry.get("IndexConfigs")).items() if not _map(idx).get("Secure", True)
    )
    live_restore = info.get("LiveRestoreEnabled")
    return Engine(
        version=_s(version.get("Version")) or _s(info.get("ServerVersion")),
        api_version=_s(version.get("ApiVersion")),
        os=_s(info.get("OSType")) or _s(version.get("Os")),
        operating_system=_s(info.get("OperatingSystem")),
        kernel_version=_s(info.get("KernelVersion")) or _s(version.get("KernelVersion")),
        storage_driver=_s(info.get("Driver")),
        cgroup_driver=_s(info.get("CgroupDriver")),
        cgroup_version=_s(info.get("CgroupVersion")),
        docker_root_dir=_s(info.get("DockerRootDir")),
        logging_driver=_s(info.get("LoggingDriver")),
        live_restore=live_restore if isinstance(live_restore, bool) else None,
        default_runtime=_s(info.get("DefaultRuntime")),
        runtimes=tuple(sorted(_map(info.get("Runtimes")))),
        registry_mirrors=_strs(registry.get("Mirrors")),
        insecure_registries=tuple(sorted(set(insecure))),
        security_options=_strs(info.get("SecurityOptions")),
    )


def _kept_labels(labels: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in labels.items():
        # dockershim copies every pod annotation into an `annotation.*` label, including
        # kubectl's last-applied-configuration with the pod's env values: never kept.
        if not isinstance(value, str) or key.startswith("annotation."):
            continue
        out[str(key)] = value if len(value) <= MAX_LABEL_VALUE else value[:MAX_LABEL_VALUE] + "…"
    return out


def parse_container(inspect: dict[str, Any]) -> Container:
    """One /containers/{id}/json answer. Config.Env is deliberately never looked at."""
    config = _map(inspect.get("Config"))
    host_config = _map(inspect.get("HostConfig"))
    labels = _kept_labels(_map(config.get("Labels")))
    kubelet = any(key.startswith("io.kubernetes.") for key in labels)
    pod = None
    if labels.get("io.kubernetes.pod.name"):
        pod = PodRef(
            name=labels["io.kubernetes.pod.name"],
            namespace=labels.get("io.kubernetes.pod.namespace", ""),
            container=labels.get("io.kubernetes.container.name", ""),
        )
    restart = _map(host_config.get("RestartPolicy"))
    ports = []
    for container_port, bindings in sorted(_map(_map(inspect.get("NetworkSettings")).get("Ports")).items()):
        if not isinstance(bindings, list) or not bindings:
            ports.append(PortBinding(container_port=str(container_port)))
            continue
        for binding in bindings:
            b = _map(binding)
            ports.append(PortBinding(str(container_port), _s(b.get("HostIp")), _s(b.get("HostPort"))))
    # Published-but-not-running containers have no NetworkSettings.Ports: fall back to the config.
    if not ports:
        for container_port, bindings in sorted(_map(host_config.get("PortBindings")).items()):
            for binding in bindings if isinstance(bindings, list) else []:
                b = _map(binding)
                ports.append(PortBinding(str(container_port), _s(b.get("HostIp")), _s(b.get("HostPort"))))
    mounts = tuple(
        Mount(
            type=_s(m.get("Type")),
            source=_s(m.get("Source")),
            destination=_s(m.get("Destination")),
            name=_s(m.get("Name")),
            driver=_s(m.get("Driver")),
            read_write=m.get("RW") is not False,
        )
        for m in (_map(x) for x in inspect.get("Mounts") or [] if isinstance(inspect.get("Mounts"), list))
    )
    name = _s(inspect.get("Name")).lstrip("/")
    args: tuple[str, ...] = ()
    if name in RKE_CONTAINERS and not kubelet:
        args = tuple(redact_line(a)[:MAX_LABEL_VALUE] for a in _strs(inspect.get("Args"))[:MAX_ARGS])
    return Container(
        id=_s(inspect.get("Id")),
        name=name,
        image=_s(config.get("Image")),
        image_id=_s(inspect.get("Image")),
        state=_s(_map(inspect.get("State")).get("Status")),
        kubelet=kubelet,
        pod=pod,
        restart_policy=_s(restart.get("Name")) or "no",
        restart_max_retries=_i(restart.get("MaximumRetryCount")),
        labels=labels,
        ports=tuple(ports),
        mounts=mounts,
        args=args,
    )


def parse_image(raw: dict[str, Any]) -> Image:
    """One /images/json entry. `<none>:<none>` and `<none>@<none>` are Docker's "no value"."""
    return Image(
        id=_s(raw.get("Id")),
        repo_tags=tuple(t for t in _strs(raw.get("RepoTags")) if t != "<none>:<none>"),
        repo_digests=tuple(d for d in _strs(raw.get("RepoDigests")) if d != "<none>@<none>"),
        size=_i(raw.get("Size")),
        created=_i(raw.get("Created")),
    )


def parse_volumes(volumes: dict[str, Any], df: dict[str, Any] | None) -> tuple[Volume, ...]:
    """/volumes, sized from /system/df when it answered (the only place the Engine gives sizes)."""
    usage: dict[str, dict[str, Any]] = {}
    for raw in (df or {}).get("Volumes") or []:
        entry = _map(raw)
        if isinstance(entry.get("Name"), str):
            usage[entry["Name"]] = _map(entry.get("UsageData"))
    out = []
    for raw in volumes.get("Volumes") or []:
        v = _map(raw)
        name = _s(v.get("Name"))
        data = usage.get(name, {})
        size, refs = data.get("Size"), data.get("RefCount")
        out.append(
            Volume(
                name=name,
                driver=_s(v.get("Driver")),
                mountpoint=_s(v.get("Mountpoint")),
                # -1 is the Engine's "not computed" (non-local drivers).
                size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
                ref_count=refs if isinstance(refs, int) and not isinstance(refs, bool) and refs >= 0 else None,
            )
        )
    return tuple(sorted(out, key=lambda v: v.name))


def _os_reason(exc: BaseException) -> str:
    """What went wrong, in words: `no such socket`, not `FileNotFoundError: [Errno 2] …`."""
    if isinstance(exc, FileNotFoundError):
        return "no Docker Engine socket there (is dockerd running? --docker-host names another)"
    if isinstance(exc, PermissionError):
        return "permission denied on the Docker Engine socket (run as root or a member of the docker group)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (no Docker Engine listening there)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}".rstrip(": ")  # an HTTP protocol error: its class says what broke
