"""The one way assess reads an input file: regular files only, never more than a limit.

`/dev/zero`, `/dev/urandom`, a FIFO or a symlink to one would otherwise be read without end
or block forever. A path is opened with O_NONBLOCK (opening a FIFO with no writer does not
wait) and checked with fstat on the open descriptor (no race with a swapped path) before a
byte is read; at most limit + 1 bytes are read, so an oversize input costs the limit, not
its size. stdin may be a pipe (`helm template … | assess manifests -`), so it is read, but
under the same limit. docs/security.md lists the limits.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

MIB = 1024 * 1024
# Per kind of input; manifests take theirs from --max-file-size (default 32 MiB).
CLUSTER_YML_MAX_BYTES = 16 * MIB
BASELINE_MAX_BYTES = 16 * MIB
KUBECONFIG_MAX_BYTES = 16 * MIB
SWITCH_SUMMARY_MAX_BYTES = 64 * MIB
SNAPSHOT_MAX_BYTES = 4096 * MIB
_CHUNK = 1 * MIB


class InputRefused(OSError):
    """An input that is not read: not a regular file, or over its limit. str() is one line."""


class NotRegularFile(InputRefused):
    pass


class TooLarge(InputRefused):
    pass


def file_kind(mode: int) -> str:
    """What a non-regular file is, in the words of `ls -l`."""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def too_large_message(limit: int, what: str) -> str:
    return f"over the {limit / MIB:g} MiB limit for {what}; not read"


def read_bounded(path: str | Path | None, limit: int, what: str) -> bytes:
    """The bytes of a regular file (or of stdin when path is None or '-'), at most limit of them.

    Raises NotRegularFile, TooLarge or another OSError; messages do not repeat the path.
    """
    if path is None or str(path) == "-":
        stream = sys.stdin.buffer
        try:
            fd = stream.fileno()
        except (OSError, ValueError):  # an in-memory stdin (tests, embedding): no descriptor to read
            return _read_chunks(stream.read, limit, what)
        return _read_fd(fd, limit, what, close=False)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"{file_kind(mode)}, not a regular file; not read")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return _read_fd(fd, limit, what, close=True)


def check_regular(path: str | Path) -> None:
    """Raise NotRegularFile unless path (followed through symlinks) is a regular file or a directory."""
    mode = os.stat(path).st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise NotRegularFile(f"{file_kind(mode)}, not a regular file; not read")


def check_kubeconfig(path: str | None) -> None:
    """Read each kubeconfig file the Kubernetes client would load, bounded, so a device or FIFO fails fast.

    The client library reads the file itself, without a limit; this runs first and raises
    InputRefused (an OSError) naming the file.
    """
    if path is not None:
        candidates = [path]
    else:
        env = os.environ.get("KUBECONFIG", "")
        candidates = [p for p in env.split(os.pathsep) if p] or [str(Path("~/.kube/config").expanduser())]
    for candidate in candidates:
        if path is None and not os.path.exists(candidate):
            continue  # the client skips missing files of $KUBECONFIG and falls back to in-cluster config
        try:
            read_bounded(candidate, KUBECONFIG_MAX_BYTES, "a kubeconfig")
        except InputRefused as exc:
            raise type(exc)(f"{candidate}: {exc}") from None
        except OSError:
            continue  # missing or unreadable: the client says so in its own words


def _read_fd(fd: int, limit: int, what: str, *, close: bool) -> bytes:
    try:
        return _read_chunks(lambda size: os.read(fd, size), limit, what)
    finally:
        if close:
            os.close(fd)


def _read_chunks(read: Callable[[int], bytes], limit: int, what: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise TooLarge(too_large_message(limit, what))
    return b"".join(chunks)
