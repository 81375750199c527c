"""Collect from many nodes over SSH, the way `rke up` reaches them, a bounded number at a time.

Uses the OpenSSH client binary: no new dependency, and it honours the user's ssh_config,
ssh-agent and known_hosts exactly as `ssh` on the command line does (docs/nodes.md). The
collector travels as Python source on ssh's stdin (`python3 -`), so the node needs python3 and
nothing of assessor; the remote command line is the constant `python3 -`, and no credential is
ever on a command line (key *paths* are, as with `ssh -i`).

Every node ends in exactly one outcome (ok, unreachable, timeout, failed, garbage); a node that
hangs is killed at its deadline and costs only its own slot.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from assessor.model.rke import RkeConfig
from assessor.nodes.facts import NodeFileError, NodeReport

# Shipped to the node, in import order. facts..remote import only the standard library.
_SHIPPED = ("facts", "dockerapi", "hostfiles", "collect", "remote")
MAX_OUTPUT_BYTES = 64 * 1024 * 1024

OK, UNREACHABLE, TIMEOUT, FAILED, GARBAGE = "ok", "unreachable", "timeout", "failed", "garbage"


@dataclass(frozen=True)
class SshEndpoint:
    address: str
    port: int = 22
    user: str = ""
    key_path: str = ""  # empty: the agent and the user's ssh_config decide
    key: str = ""  # cluster.yml's inline ssh_key (written to a 0600 temp file, never on a command line)


@dataclass(frozen=True)
class SshTarget:
    name: str
    endpoint: SshEndpoint
    bastion: SshEndpoint | None = None
    docker_host: str = ""  # from cluster.yml docker_socket; empty: the collector's default
    root: str = "/"


@dataclass(frozen=True)
class NodeOutcome:
    target: SshTarget
    status: str  # ok, unreachable, timeout, failed, garbage
    reason: str = ""
    report: NodeReport | None = None
    seconds: float = 0.0


def _endpoint(raw: dict[str, object], defaults: dict[str, object]) -> SshEndpoint:
    def pick(key: str) -> str:
        value = raw.get(key)
        if value in (None, ""):
            value = defaults.get(key)
        return "" if value is None else str(value)

    port = pick("port") or "22"
    return SshEndpoint(
        address=str(raw.get("address") or ""),
        port=int(port) if port.isdigit() else 22,
        user=pick("user"),
        key_path=os.path.expanduser(pick("ssh_key_path")) if pick("ssh_key_path") else "",
        key=pick("ssh_key"),
    )


def targets_from_rke(config: RkeConfig) -> list[SshTarget]:
    """The nodes of cluster.yml as `rke up` would reach them (top-level ssh_key_path is the default)."""
    top = config.raw if isinstance(config.raw, dict) else {}
    defaults = {"ssh_key_path": top.get("ssh_key_path"), "ssh_key": top.get("ssh_key")}
    raw_bastion = top.get("bastion_host")
    bastion = _endpoint(raw_bastion, defaults) if isinstance(raw_bastion, dict) and raw_bastion.get("address") else None
    out = []
    for node in config.nodes:
        socket_path = str(node.raw.get("docker_socket") or "")
        out.append(
            SshTarget(
                name=node.name,
                endpoint=_endpoint(node.raw, defaults),
                bastion=bastion,
                docker_host=f"unix://{socket_path}" if socket_path else "",
            )
        )
    return out


def collector_script(docker_host: str, root: str, call_timeout: float) -> str:
    """Self-contained Python source that collects one node and prints its JSON.

    The modules are served from a dict by a meta-path finder placed first, so an `assessor`
    installed on the node (of another version) cannot shadow them.
    """
    here = Path(__file__).resolve().parent
    sources = {"assessor": '"""assessor, shipped for the node collector."""\n', "assessor.nodes": ""}
    sources["assessor.redact"] = (here.parent / "redact.py").read_text(encoding="utf-8")  # stdlib only
    for name in _SHIPPED:
        sources[f"assessor.nodes.{name}"] = (here / f"{name}.py").read_text(encoding="utf-8")
    argv = ["--root", root, "--timeout", repr(call_timeout)]
    if docker_host:
        argv += ["--docker-host", docker_host]
    return f"""\
import importlib.abc, importlib.util, sys
SOURCES = {sources!r}
PACKAGES = ("assessor", "assessor.nodes")
class _Shipped(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name in SOURCES:
            return importlib.util.spec_from_loader(name, self, is_package=name in PACKAGES)
        return None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        if module.__name__ in PACKAGES:
            module.__path__ = []
        exec(compile(SOURCES[module.__name__], "<shipped " + module.__name__ + ">", "exec"), module.__dict__)
sys.meta_path.insert(0, _Shipped())
from assessor.nodes.remote import main
sys.exit(main({argv!r}))
"""


def ssh_command(
    target: SshTarget, key_files: dict[str, str], connect_timeout: float, ssh_config: str | None
) -> list[str]:
    """The ssh argv for one node. `key_files` maps inline keys to the temp files holding them."""

    def identity(ep: SshEndpoint) -> list[str]:
        path = key_files.get(ep.key, "") if ep.key else ep.key_path
        # IdentitiesOnly: with a key named, don't offer every agent key first (MaxAuthTries).
        return ["-i", path, "-o", "IdentitiesOnly=yes"] if path else []

    common = ["-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, int(connect_timeout))}"]
    if ssh_config:
        common = ["-F", ssh_config, *common]
    cmd = ["ssh", *common, "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"]
    ep = target.endpoint
    if target.bastion is not None:
        b = target.bastion
        # ProxyCommand rather than -J: the bastion has its own key and port in cluster.yml,
        # which ProxyJump cannot carry; ssh runs this through the shell, hence the quoting.
        proxy = ["ssh", *common, *identity(b), "-p", str(b.port), "-W", "%h:%p"]
        proxy += [f"{b.user}@{b.address}" if b.user else b.address]
        cmd += ["-o", "ProxyCommand=" + " ".join(shlex.quote(p) for p in proxy)]
    cmd += [*identity(ep), "-p", str(ep.port)]
    if ep.user:
        cmd += ["-l", ep.user]
    cmd += ["--", ep.address, "python3", "-"]
    return cmd


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    # A grandchild may still hold a pipe after SIGKILL was sent: don't wait for it.
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=5)


def _last_line(data: bytes) -> str:
    lines = [ln.strip() for ln in data.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def collect_one(
    target: SshTarget,
    timeout: float,
    call_timeout: float = 10.0,
    ssh_config: str | None = None,
    key_files: dict[str, str] | None = None,
) -> NodeOutcome:
    start = time.monotonic()

    def done(status: str, reason: str = "", report: NodeReport | None = None) -> NodeOutcome:
        return NodeOutcome(target, status, reason, report, round(time.monotonic() - start, 3))

    if not target.endpoint.address:
        return done(FAILED, "no address in cluster.yml")
    script = collector_script(target.docker_host, target.root, call_timeout).encode()
    cmd = ssh_command(target, key_files or {}, min(timeout, 30.0), ssh_config)
    try:
        # Its own process group: at the deadline the ssh client and its ProxyCommand go together.
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    except OSError as exc:
        return done(FAILED, f"cannot run ssh: {exc.strerror or exc}")
    try:
        stdout, stderr = proc.communicate(script, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return done(TIMEOUT, f"no result within {timeout:g}s")
    if proc.returncode == 255:
        return done(UNREACHABLE, _last_line(stderr) or "ssh exited 255")
    if proc.returncode == 127:
        return done(FAILED, "python3 not found on the node: " + _last_line(stderr))
    if proc.returncode != 0:
        return done(FAILED, f"collector exited {proc.returncode}: {_last_line(stderr)}")
    if len(stdout) > MAX_OUTPUT_BYTES:
        return done(GARBAGE, f"output larger than {MAX_OUTPUT_BYTES} bytes")
    try:
        report = NodeReport.from_dict(json.loads(stdout))
    except (ValueError, UnicodeDecodeError) as exc:
        # NodeFileError is a ValueError: it names the field
        kind = "field" if isinstance(exc, NodeFileError) else "not JSON"
        return done(GARBAGE, f"{kind}: {str(exc)[:200]}")
    return done(OK, report=report)


def collect_many(
    targets: Sequence[SshTarget],
    parallel: int = 4,
    timeout: float = 60.0,
    call_timeout: float = 10.0,
    ssh_config: str | None = None,
    on_done: Callable[[NodeOutcome], None] | None = None,
) -> list[NodeOutcome]:
    """One outcome per target, in the targets' order; at most `parallel` ssh clients at once."""
    with tempfile.TemporaryDirectory(prefix="assess-ssh-") as tmp:
        key_files: dict[str, str] = {}
        for t in targets:
            for ep in (t.endpoint, t.bastion):
                if ep is not None and ep.key and ep.key not in key_files:
                    path = os.path.join(tmp, f"key{len(key_files)}")
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w") as fh:
                        fh.write(ep.key if ep.key.endswith("\n") else ep.key + "\n")
                    key_files[ep.key] = path

        def run(target: SshTarget) -> NodeOutcome:
            outcome = collect_one(target, timeout, call_timeout, ssh_config, key_files)
            if on_done is not None:
                on_done(outcome)
            return outcome

        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            return list(pool.map(run, targets))
