"""Typed facts about one node, and their JSON form (the `node` section of a result document).

`NodeReport.to_dict()` is what `assess nodes` writes, one file per node; `NodeReport.from_dict()`
reads such a file back and checks every field's type, so a hand-edited or truncated file fails
with one line naming the field rather than somewhere downstream.

Runs on the node too (see ssh.py): only `to_dict` is used there, so the type checks in
`from_dict` may use `typing.get_type_hints`, which needs the controller's Python 3.11.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1


class NodeFileError(ValueError):
    """A node document that cannot be read back (one line naming the field)."""


@dataclass(frozen=True)
class PortBinding:
    container_port: str  # "80/tcp", as the Engine API keys it
    host_ip: str = ""
    host_port: str = ""


@dataclass(frozen=True)
class Mount:
    type: str  # bind, volume, tmpfs, npipe
    source: str
    destination: str
    name: str = ""  # the volume name, for type volume
    driver: str = ""
    read_write: bool = True


@dataclass(frozen=True)
class PodRef:
    """The pod a kubelet-started container belongs to, from its io.kubernetes.* labels."""

    name: str
    namespace: str
    container: str = ""


@dataclass(frozen=True)
class Container:
    id: str
    name: str
    image: str  # as the container was created with it (tag or id)
    image_id: str
    state: str
    kubelet: bool  # started by the kubelet (dockershim): carries io.kubernetes.* labels
    pod: PodRef | None = None
    restart_policy: str = ""
    restart_max_retries: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    ports: tuple[PortBinding, ...] = ()
    mounts: tuple[Mount, ...] = ()
    # RKE's own containers only (their flags are compared with cluster.yml), credentials redacted
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Image:
    id: str
    repo_tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    size: int = 0
    created: int = 0  # Unix seconds

    @property
    def local_only(self) -> bool:
        """Built or `docker load`ed on the node: no registry knows it, so containerd cannot pull it."""
        return not self.repo_digests


@dataclass(frozen=True)
class Volume:
    name: str
    driver: str
    mountpoint: str
    size: int | None = None  # bytes, from /system/df; None when the daemon did not say
    ref_count: int | None = None


@dataclass(frozen=True)
class Engine:
    version: str
    api_version: str = ""
    os: str = ""
    operating_system: str = ""
    kernel_version: str = ""
    storage_driver: str = ""
    cgroup_driver: str = ""
    cgroup_version: str = ""
    docker_root_dir: str = ""
    logging_driver: str = ""
    live_restore: bool | None = None
    default_runtime: str = ""
    runtimes: tuple[str, ...] = ()
    registry_mirrors: tuple[str, ...] = ()
    insecure_registries: tuple[str, ...] = ()
    security_options: tuple[str, ...] = ()


@dataclass(frozen=True)
class DaemonConfig:
    """/etc/docker/daemon.json: the keys that matter for the move, values as written."""

    path: str
    settings: dict[str, Any] = field(default_factory=dict)
    other_keys: tuple[str, ...] = ()  # present but not interpreted: names only


@dataclass(frozen=True)
class CertsDir:
    """/etc/docker/certs.d/<registry>/: file names only, contents never read."""

    registry: str
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class AutomationLine:
    """A host line that calls Docker: a cron entry, a systemd Exec line, rc.local, or a script they run."""

    file: str  # path as on the node (relative to --root)
    line: int
    command: str  # credentials redacted
    via: str  # cron, systemd, rc.local, script
    called_from: str = ""  # for via=script: the cron/unit/rc.local file that runs it


@dataclass(frozen=True)
class DockerClientConfig:
    """A docker CLI config.json: which registries have credentials, never the credentials."""

    path: str
    user: str
    registries: tuple[str, ...] = ()  # keys of `auths`
    inline_auth: tuple[str, ...] = ()  # of those, the ones with a secret stored in the file itself
    cred_helpers: dict[str, str] = field(default_factory=dict)  # registry -> helper name
    creds_store: str = ""


@dataclass(frozen=True)
class NodeReport:
    hostname: str
    collected_at: str  # ISO 8601, UTC
    root: str
    docker_host: str
    engine: Engine | None = None
    engine_error: str = ""  # why the Engine API gave nothing ("" when it answered)
    containers: tuple[Container, ...] = ()
    images: tuple[Image, ...] = ()
    volumes: tuple[Volume, ...] = ()
    daemon_config: DaemonConfig | None = None
    certs_d: tuple[CertsDir, ...] = ()
    automation: tuple[AutomationLine, ...] = ()
    docker_configs: tuple[DockerClientConfig, ...] = ()
    notes: tuple[str, ...] = ()  # what was skipped or unreadable, one line each
    format_version: int = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        out = _to_json(self)
        assert isinstance(out, dict)
        # Derived facts are written for readers of the file (and jq); from_dict ignores them.
        for i, image in enumerate(self.images):
            out["images"][i]["localOnly"] = image.local_only
        return {"source": {"type": "node"}, **out}

    @classmethod
    def from_dict(cls, data: object, where: str = "node") -> NodeReport:
        if not isinstance(data, dict):
            raise NodeFileError(f"{where}: expected a mapping, got {type(data).__name__}")
        source = data.get("source")
        if not isinstance(source, dict) or source.get("type") != "node":
            raise NodeFileError(f"{where}.source.type: expected 'node'")
        version = data.get("formatVersion")
        if version != FORMAT_VERSION:
            raise NodeFileError(f"{where}.formatVersion: expected {FORMAT_VERSION}, got {version!r}")
        body = {k: v for k, v in data.items() if k != "source"}
        for i, raw in enumerate(body.get("images") or []):
            if isinstance(raw, dict):
                body["images"][i] = {k: v for k, v in raw.items() if k != "localOnly"}
        result = _from_json(cls, body, where)
        assert isinstance(result, NodeReport)
        return result


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _to_json(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_camel(f.name): _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):  # not `tuple | list`: runs on the node's Python 3.8+
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    return value


_JSON_SCALARS = (str, int, float, bool, type(None))


def _check_json(value: object, where: str, depth: int = 0) -> object:
    if depth > 32:
        raise NodeFileError(f"{where}: nested too deeply")
    if isinstance(value, list):
        return [_check_json(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {str(k): _check_json(v, f"{where}.{k}", depth + 1) for k, v in value.items()}
    if isinstance(value, _JSON_SCALARS):
        return value
    raise NodeFileError(f"{where}: not a JSON value")


def _from_json(tp: Any, value: object, where: str) -> object:
    """Build `tp` from parsed JSON, checking each field's type against the dataclass annotations."""
    if tp is Any:
        return _check_json(value, where)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _from_json(inner, value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise NodeFileError(f"{where}: expected a list, got {type(value).__name__}")
        item = typing.get_args(tp)[0]
        return tuple(_from_json(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise NodeFileError(f"{where}: expected a mapping, got {type(value).__name__}")
        vtype = typing.get_args(tp)[1]
        return {str(k): _from_json(vtype, v, f"{where}.{k}") for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise NodeFileError(f"{where}: expected a mapping, got {type(value).__name__}")
        hints = typing.get_type_hints(tp)
        known = {_camel(f.name): f for f in dataclasses.fields(tp)}
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise NodeFileError(f"{where}.{unknown[0]}: unknown field")
        kwargs: dict[str, object] = {}
        for key, f in known.items():
            if key in value:
                kwargs[f.name] = _from_json(hints[f.name], value[key], f"{where}.{key}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise NodeFileError(f"{where}.{key}: missing")
        return tp(**kwargs)  # type: ignore[operator]  # a dataclass type, checked above
    if tp is bool:
        if not isinstance(value, bool):
            raise NodeFileError(f"{where}: expected true or false, got {type(value).__name__}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise NodeFileError(f"{where}: expected an integer, got {type(value).__name__}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise NodeFileError(f"{where}: expected a string, got {type(value).__name__}")
        return value
    raise TypeError(f"no JSON reader for {tp!r}")  # a programming error: a new field type
