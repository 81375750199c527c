"""Every file `assess` writes goes through here: checked before the work, written whole or not at all.

A destination is checked before the scan starts (its folder exists and is writable, it is not a
folder), so a typo costs a second, not a whole scan and a traceback. A file is written to a
temporary file in the same folder, flushed to disk, then renamed over the old one: a full disk or
a crash leaves the previous good file, never a truncated one. A directory of files (the migration
plan) is staged whole in the parent folder and swapped in, so it is the old plan or the new one.

A leaf module: it imports only the standard library, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


class DestinationError(ValueError):
    """A path that cannot be written; the message is one line naming it."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_file_destination(path: Path, what: str = "output") -> None:
    """Raise DestinationError unless `path` can be written as a file: parent folder exists and is
    writable, and `path` is not a folder. A device or FIFO (/dev/stdout) is written as it is."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise DestinationError(f"{path}: cannot write the {what}: {_reason(exc)}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise DestinationError(f"{path}: cannot write the {what}: it is a folder")
    if st is not None and not stat.S_ISREG(st.st_mode):
        return  # a terminal, /dev/null, a pipe: written in place, never renamed over
    parent = Path(os.path.realpath(path)).parent
    if not parent.is_dir():
        raise DestinationError(f"{path}: cannot write the {what}: the folder {path.parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DestinationError(f"{path}: cannot write the {what}: the folder {path.parent} is not writable")


def check_dir_destination(path: Path, what: str = "output") -> None:
    """Raise DestinationError unless `path` is a folder, or can be made in a writable existing folder."""
    real = Path(os.path.realpath(path))
    if real.exists():
        if not real.is_dir():
            raise DestinationError(f"{path}: cannot write the {what}: it is not a folder")
        if not os.access(real, os.W_OK | os.X_OK):
            raise DestinationError(f"{path}: cannot write the {what}: the folder is not writable")
        return
    parent = real.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise DestinationError(f"{path}: cannot write the {what}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DestinationError(f"{path}: cannot write the {what}: the folder {parent} is not writable")


def write_text(path: Path, text: str, mode: int | None = None) -> None:
    """Write `text` to `path` atomically. OSError (full disk, permissions) leaves `path` as it was.

    mode: the new file's permissions; by default those of the file replaced, else 0666 less the umask.
    A symlink is followed (the file it points to is replaced); a device or FIFO is written in place.
    """
    data = text.encode("utf-8")
    real = Path(os.path.realpath(path))
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        with open(real, "wb") as fh:
            fh.write(data)
        return
    if mode is None:
        mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def staged_directory(path: Path) -> Iterator[Path]:
    """A copy of the folder `path` (empty if it does not exist) to write into; swapped in on success.

    The stage is made beside `path`, in its parent folder (same file system, so the swap is a rename),
    with the existing files hard-linked (or copied) in: what the caller does not rewrite stays as it was.
    If the body raises, the stage is removed and `path` is untouched. Files in the stage must be replaced
    with write_text (a new inode), never written in place: a hard link shares its bytes with the old plan.
    """
    real = Path(os.path.realpath(path))
    real.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=real.parent, prefix=f".{real.name}.stage-"))
    try:
        if real.is_dir():
            shutil.copytree(real, stage, symlinks=True, dirs_exist_ok=True, copy_function=_link_or_copy)
            shutil.copystat(real, stage)
        else:
            os.chmod(stage, 0o777 & ~_umask())
        yield stage
        _swap(stage, real)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst)


def _swap(stage: Path, real: Path) -> None:
    """Put `stage` where `real` is: the old folder moves aside, the stage moves in, the old one goes."""
    if not real.exists():
        os.rename(stage, real)
        return
    old = Path(tempfile.mkdtemp(dir=real.parent, prefix=f".{real.name}.old-"))
    os.rmdir(old)  # only the unique name is wanted: rename needs the target free
    os.rename(real, old)
    try:
        os.rename(stage, real)
    except BaseException:
        os.rename(old, real)
        raise
    shutil.rmtree(old, ignore_errors=True)
