"""One node's report: the Engine API and the host files, each failure a note rather than an abort."""

from __future__ import annotations

import datetime
import os
import socket
from pathlib import Path

from assessor.nodes import dockerapi
from assessor.nodes.dockerapi import DockerAPIError, DockerClient
from assessor.nodes.facts import Container, Engine, Image, NodeReport, Volume
from assessor.nodes.hostfiles import HostRoot, Unreadable, collect_host

MAX_CONTAINERS = 5000
# /system/df walks every layer and volume to size them: allow it more than one ordinary call.
DF_TIMEOUT_FACTOR = 3


def _engine_facts(
    client: DockerClient, notes: list[str]
) -> tuple[Engine, tuple[Container, ...], tuple[Image, ...], tuple[Volume, ...], str]:
    version = client.get_dict("/version")
    info = client.get_dict("/info")
    engine = dockerapi.parse_engine(version, info)
    containers = []
    listed = client.get_list("/containers/json?all=1")
    if len(listed) > MAX_CONTAINERS:
        notes.append(f"{len(listed)} containers: only the first {MAX_CONTAINERS} inspected")
    for entry in listed[:MAX_CONTAINERS]:
        cid = entry.get("Id") if isinstance(entry, dict) else None
        if not isinstance(cid, str) or not cid.isalnum():
            notes.append("a container without a usable Id in /containers/json: skipped")
            continue
        try:
            containers.append(dockerapi.parse_container(client.get_dict(f"/containers/{cid}/json")))
        except DockerAPIError as exc:  # removed between list and inspect, or one bad answer
            notes.append(str(exc))
    images = tuple(
        sorted(
            (dockerapi.parse_image(raw) for raw in client.get_list("/images/json") if isinstance(raw, dict)),
            key=lambda i: (i.repo_tags[:1], i.id),
        )
    )
    df = None
    try:
        df = client.get_dict("/system/df", timeout=client.timeout * DF_TIMEOUT_FACTOR)
    except DockerAPIError as exc:
        notes.append(f"volume sizes unknown: {exc}")
    volumes = dockerapi.parse_volumes(client.get_dict("/volumes"), df)
    hostname = info.get("Name")
    return (
        engine,
        tuple(sorted(containers, key=lambda c: (c.name, c.id))),
        images,
        volumes,
        hostname if isinstance(hostname, str) else "",
    )


def _hostname(root: Path) -> str:
    try:
        name = HostRoot(root).read_text("/etc/hostname", limit=256).strip()
    except Unreadable:
        name = ""
    if not name and os.path.realpath(root) == "/":
        name = socket.gethostname()
    return name


def collect_node(docker_host: str | None, root: Path, timeout: float) -> NodeReport:
    """Everything the node report holds; `docker_host` None means $DOCKER_HOST, then the default socket."""
    host = docker_host or os.environ.get("DOCKER_HOST") or dockerapi.DEFAULT_HOST
    notes: list[str] = []
    engine: Engine | None = None
    containers: tuple[Container, ...] = ()
    images: tuple[Image, ...] = ()
    volumes: tuple[Volume, ...] = ()
    engine_error = hostname = ""
    try:
        client = DockerClient(host, timeout=timeout)
        engine, containers, images, volumes, hostname = _engine_facts(client, notes)
    except DockerAPIError as exc:
        engine_error = str(exc)
    facts = collect_host(root)
    return NodeReport(
        hostname=hostname or _hostname(root),
        collected_at=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),  # noqa: UP017
        root=str(root),
        docker_host=host,
        engine=engine,
        engine_error=engine_error,
        containers=containers,
        images=images,
        volumes=volumes,
        daemon_config=facts.daemon_config,
        certs_d=tuple(facts.certs_d),
        automation=tuple(facts.automation),
        docker_configs=tuple(facts.docker_configs),
        notes=tuple(notes + facts.notes),
    )
