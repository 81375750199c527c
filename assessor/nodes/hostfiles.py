"""Host files that show Docker use: daemon.json, certs.d, crontabs, systemd units, rc.local, client configs.

Everything is read under `root` (the node's / or a copy of it) as if `root` were /: symlinks are
resolved inside the tree (absolute targets are taken relative to `root`, `..` stops at it), so no
path leaves it. Only regular files are read, each up to a size cap; FIFOs, devices and sockets are
skipped with a note (opening a FIFO would block). Key files in certs.d are listed, never opened;
client configs yield registry names, never the secrets. Every regex here is linear-time: no
nested quantifiers, no backreferences.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from assessor.nodes.facts import AutomationLine, CertsDir, DaemonConfig, DockerClientConfig
from assessor.redact import redact_text

MAX_FILE_BYTES = 1024 * 1024
MAX_DIR_ENTRIES = 2000
MAX_SCRIPTS = 200
MAX_LINE_CHARS = 500
_SYMLINK_HOPS = 40

# The daemon.json keys the migration needs (docs/nodes.md says what each becomes).
DAEMON_KEYS = (
    "registry-mirrors",
    "insecure-registries",
    "log-driver",
    "log-opts",
    "data-root",
    "graph",  # data-root's name before Docker 17.05
    "default-runtime",
    "runtimes",
    "live-restore",
    "default-ulimits",
    "bip",
    "default-address-pools",
    "storage-driver",
    "exec-opts",
    "max-concurrent-downloads",
)


class Unreadable(Exception):
    """A file that was not read; the message is the note."""


@dataclass
class HostFacts:
    daemon_config: DaemonConfig | None = None
    certs_d: list[CertsDir] = field(default_factory=list)
    automation: list[AutomationLine] = field(default_factory=list)
    docker_configs: list[DockerClientConfig] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class HostRoot:
    """Bounded, symlink-safe reads of files under one root directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.realpath(os.fspath(root))

    def resolve(self, path: str) -> str | None:
        """The real path under root for node path `path`, or None if a component is missing."""
        parts = [p for p in PurePosixPath("/", path).parts[1:]]
        resolved: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            real = os.path.join(self.root, *resolved, part)
            try:
                st = os.lstat(real)
            except OSError:
                return None
            if stat.S_ISLNK(st.st_mode):
                hops += 1
                if hops > _SYMLINK_HOPS:
                    return None
                try:
                    target = os.readlink(real)
                except OSError:
                    return None
                if target.startswith("/"):
                    resolved = []
                parts = [p for p in target.split("/") if p] + parts
                continue
            resolved.append(part)
        return os.path.join(self.root, *resolved)

    def read_bytes(self, path: str, limit: int = MAX_FILE_BYTES, head: bool = False) -> bytes:
        """Up to `limit` bytes of regular file `path` (a node path); Unreadable with the reason otherwise.

        With head=False a file over the limit is refused whole; with head=True its first bytes are returned.
        """
        real = self.resolve(path)
        if real is None:
            raise Unreadable(f"{path}: not found")
        try:
            # O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: resolve() already
            # followed links inside the root, a link swapped in since then is refused.
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise Unreadable(f"{path}: {exc.strerror or exc}") from exc
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise Unreadable(f"{path}: skipped, not a regular file")
            if st.st_size > limit and not head:
                raise Unreadable(f"{path}: skipped, {st.st_size} bytes is over the {limit}-byte cap")
            with os.fdopen(fd, "rb", closefd=False) as fh:
                data = fh.read(limit + 1)
        except OSError as exc:
            raise Unreadable(f"{path}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)
        if len(data) > limit:
            if not head:
                raise Unreadable(f"{path}: skipped, over the {limit}-byte cap")
            data = data[:limit]
        return data

    def read_text(self, path: str, limit: int = MAX_FILE_BYTES) -> str:
        data = self.read_bytes(path, limit)
        if b"\0" in data:
            raise Unreadable(f"{path}: skipped, binary")
        return data.decode("utf-8", "replace")

    def list_dir(self, path: str) -> list[tuple[str, str]] | None:
        """(name, kind) of the entries of directory `path`, sorted; kind is file, dir, link or other."""
        real = self.resolve(path)
        if real is None or not os.path.isdir(real):
            return None
        out: list[tuple[str, str]] = []
        try:
            with os.scandir(real) as it:
                for entry in it:
                    if len(out) >= MAX_DIR_ENTRIES:
                        break
                    if entry.is_symlink():
                        kind = "link"
                    elif entry.is_dir(follow_symlinks=False):
                        kind = "dir"
                    elif entry.is_file(follow_symlinks=False):
                        kind = "file"
                    else:
                        kind = "other"
                    out.append((entry.name, kind))
        except OSError:
            return None
        return sorted(out)

    def exists(self, path: str) -> bool:
        return self.resolve(path) is not None


# --- redaction -------------------------------------------------------------------------------


def redact_line(line: str) -> str:
    """The line with credentials replaced (the one redaction, assessor/redact.py), shortened."""
    line = redact_text(line)
    if len(line) > MAX_LINE_CHARS:
        line = line[:MAX_LINE_CHARS] + "…"
    return line


# --- what calls Docker -----------------------------------------------------------------------

# `docker`, `docker-compose`, `/usr/bin/docker ...`, `systemctl restart docker`; not dockerd,
# docker.service or words that merely contain it.
_DOCKER_WORD = re.compile(r"(?<![\w.-])docker(?:-compose)?(?![\w.-])")
_ABS_PATH = re.compile(r"(?<![\w.-])(/[\w./+-]+)")
_CRON_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=")
_SYSTEMD_EXEC = re.compile(r"^\s*(Exec(?:Start|StartPre|StartPost|Stop|StopPost|Reload)\s*=\s*)(.*)$")


def calls_docker(command: str) -> bool:
    return _DOCKER_WORD.search(command) is not None


def _cron_command(line: str, system: bool) -> str | None:
    """The command part of a crontab line; system crontabs have a user field."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#") or _CRON_ENV.match(stripped):
        return None
    # Five time fields or one @nickname, then the user in system crontabs, then the command.
    skip = (1 if stripped.startswith("@") else 5) + (1 if system else 0)
    fields = stripped.split(None, skip)
    return fields[skip] if len(fields) > skip else None


def _script_paths(command: str) -> list[str]:
    return [m.group(1) for m in _ABS_PATH.finditer(command)]


class _Scanner:
    def __init__(self, root: HostRoot, facts: HostFacts) -> None:
        self.root = root
        self.facts = facts
        self.seen_scripts: set[str] = set()
        self.pending: list[tuple[str, str, int]] = []  # (script, called_from, depth)

    def note(self, text: str) -> None:
        self.facts.notes.append(text)

    def read(self, path: str, quiet_missing: bool = True) -> str | None:
        try:
            return self.root.read_text(path)
        except Unreadable as exc:
            if not (quiet_missing and str(exc).endswith(": not found")):
                self.note(str(exc))
            return None

    def files_in(self, directory: str) -> list[str]:
        """Files (or links to them) in a directory, hidden ones excepted; anything else is a note."""
        out = []
        for name, kind in self.root.list_dir(directory) or []:
            if name.startswith("."):
                continue
            if kind == "other":
                self.note(f"{directory}/{name}: skipped, not a regular file")
            elif kind in ("file", "link"):
                out.append(f"{directory}/{name}")
        return out

    def hit(self, path: str, lineno: int, command: str, via: str, called_from: str = "") -> None:
        self.facts.automation.append(AutomationLine(path, lineno, redact_line(command.strip()), via, called_from))

    def follow(self, command: str, called_from: str, depth: int = 1) -> None:
        for script in _script_paths(command):
            if script not in self.seen_scripts and len(self.seen_scripts) < MAX_SCRIPTS:
                self.seen_scripts.add(script)
                self.pending.append((script, called_from, depth))

    def crontab(self, path: str, system: bool) -> None:
        text = self.read(path)
        if text is None:
            return
        for lineno, line in enumerate(text.splitlines(), 1):
            command = _cron_command(line, system)
            if command is None:
                continue
            if calls_docker(command):
                self.hit(path, lineno, command, "cron")
            self.follow(command, path)

    def cron_script(self, path: str) -> None:
        """/etc/cron.daily/* and friends are scripts that run-parts executes."""
        self.seen_scripts.add(path)
        self.script(path, "cron", "", depth=1)

    def unit(self, path: str) -> None:
        text = self.read(path)
        if text is None:
            return
        # Systemd joins lines ending in a backslash; keep the first line's number.
        logical: list[tuple[int, str]] = []
        buffer, start = "", 0
        for lineno, line in enumerate(text.splitlines(), 1):
            if not buffer:
                start = lineno
            if line.endswith("\\"):
                buffer += line[:-1] + " "
                continue
            logical.append((start, buffer + line))
            buffer = ""
        if buffer:
            logical.append((start, buffer))
        for lineno, line in logical:
            m = _SYSTEMD_EXEC.match(line)
            if not m:
                continue
            command = m.group(2)
            if calls_docker(command):
                self.hit(path, lineno, command, "systemd")
            self.follow(command, path)

    def script(self, path: str, via: str, called_from: str, depth: int = 0) -> None:
        text = self.read(path)
        if text is None:
            return
        for lineno, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if calls_docker(stripped):
                self.hit(path, lineno, stripped, via, called_from)
            # Scripts run by scripts, two levels deep (backup.sh → docker-backup.sh).
            if depth < 2:
                self.follow(stripped, path, depth + 1)

    def drain(self) -> None:
        while self.pending:
            script, called_from, depth = self.pending.pop(0)
            real = self.root.resolve(script)
            if real is None or not os.path.isfile(real):
                continue  # a directory, or a path that is not on this node: nothing to read
            try:
                head = self.root.read_bytes(script, 2, head=True)
            except Unreadable as exc:
                self.note(str(exc))
                continue
            # Only scripts: binaries (/usr/bin/docker itself) have nothing to read.
            if head == b"#!":
                self.script(script, "script", called_from, depth)


def _walk_units(root: HostRoot, base: str, depth: int = 0) -> list[str]:
    """*.service files and *.service.d/*.conf drop-ins under base: real files only.

    Symlinks under /etc/systemd/system are enablements of units in /lib/systemd/system
    (package units, noise here); a unit written by hand is a regular file.
    """
    entries = root.list_dir(base)
    if entries is None or depth > 4:
        return []
    out: list[str] = []
    for name, kind in entries:
        path = f"{base}/{name}"
        if kind == "file" and (name.endswith(".service") or (base.endswith(".service.d") and name.endswith(".conf"))):
            out.append(path)
        elif kind == "dir":
            out.extend(_walk_units(root, path, depth + 1))
    return out


def _daemon_config(scanner: _Scanner) -> DaemonConfig | None:
    path = "/etc/docker/daemon.json"
    text = scanner.read(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        scanner.note(f"{path}: not JSON ({exc})")
        return None
    if not isinstance(data, dict):
        scanner.note(f"{path}: not a JSON object")
        return None
    settings = {key: _redact_json(data[key]) for key in DAEMON_KEYS if key in data}
    return DaemonConfig(path, settings, tuple(sorted(str(k) for k in data if k not in DAEMON_KEYS)))


def _redact_json(value: Any) -> Any:
    if isinstance(value, str):
        return redact_line(value)
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _redact_json(v) for k, v in value.items()}
    return value


def _certs_d(root: HostRoot) -> list[CertsDir]:
    entries = root.list_dir("/etc/docker/certs.d")
    out = []
    for name, kind in entries or []:
        if kind not in ("dir", "link"):
            continue
        files = root.list_dir(f"/etc/docker/certs.d/{name}") or []
        out.append(CertsDir(name, tuple(f for f, k in files if k in ("file", "link"))))
    return out


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _docker_configs(scanner: _Scanner) -> list[DockerClientConfig]:
    homes = [("root", "/root")]
    homes += [(name, f"/home/{name}") for name, kind in scanner.root.list_dir("/home") or [] if kind == "dir"]
    out = []
    for user, home in homes:
        path = f"{home}/.docker/config.json"
        text = scanner.read(path)
        if text is None:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            scanner.note(f"{path}: not JSON")
            continue
        if not isinstance(data, dict):
            scanner.note(f"{path}: not a JSON object")
            continue
        auths = _mapping(data.get("auths"))
        helpers = _mapping(data.get("credHelpers"))
        store = data.get("credsStore")
        out.append(
            DockerClientConfig(
                path=path,
                user=user,
                registries=tuple(sorted(str(k) for k in auths)),
                inline_auth=tuple(
                    sorted(
                        str(k)
                        for k, v in auths.items()
                        if isinstance(v, dict) and any(v.get(s) for s in ("auth", "password", "identitytoken"))
                    )
                ),
                cred_helpers={str(k): str(v) for k, v in helpers.items() if isinstance(v, str)},
                creds_store=store if isinstance(store, str) else "",
            )
        )
    return out


def collect_host(root: str | os.PathLike[str] = "/") -> HostFacts:
    """Read every host file the node report needs under `root`."""
    host = HostRoot(root)
    facts = HostFacts()
    scanner = _Scanner(host, facts)
    facts.daemon_config = _daemon_config(scanner)
    facts.certs_d = _certs_d(host)

    scanner.crontab("/etc/crontab", system=True)
    for path in scanner.files_in("/etc/cron.d"):
        scanner.crontab(path, system=True)
    for spool in ("/var/spool/cron/crontabs", "/var/spool/cron"):  # Debian, then RHEL
        for path in scanner.files_in(spool):
            scanner.crontab(path, system=False)
    for period in ("hourly", "daily", "weekly", "monthly"):
        for path in scanner.files_in(f"/etc/cron.{period}"):
            scanner.cron_script(path)

    for unit in _walk_units(host, "/etc/systemd/system"):
        scanner.unit(unit)

    if host.exists("/etc/rc.local"):
        scanner.seen_scripts.add("/etc/rc.local")
        scanner.script("/etc/rc.local", "rc.local", "")
    scanner.drain()

    facts.docker_configs = _docker_configs(scanner)
    return facts
