"""Special files, endless streams and unreadable folders (issue 12, items 4 and 5).

Real subprocesses with a timeout: a regression here is a hang or 24 GB of memory, which
only a separate process with a deadline can observe without taking the test run down.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from typer.testing import CliRunner

from assessor.cli import app
from tests.conftest import ROOT

CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: clean}\ndata: {a: b}\n"
SOCKET_POD = (ROOT / "tests" / "rules" / "DOCK002" / "positive" / "dockershim.yaml").read_text()
SEED = ROOT / "fixtures" / "clusters" / "seed-rke1.yaml"
TIMEOUT = 90  # a hang or an unbounded read would blow this by far; a pass takes a few seconds


def _assess(args: list[str], stdin: IO[bytes] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assessor", *args],
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture
def specials(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """A FIFO (nobody writes to it: reading would block forever), devices, and symlinks to them."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    links = {"fifo-link.yaml": fifo, "zero-link.yaml": Path("/dev/zero"), "random-link.yaml": Path("/dev/urandom")}
    for name, target in links.items():
        (tmp_path / name).symlink_to(target)
    yield {
        "fifo": fifo,
        "zero": Path("/dev/zero"),
        "urandom": Path("/dev/urandom"),
        **{name: tmp_path / name for name in links},
    }


@pytest.mark.parametrize("which", ["fifo", "zero", "urandom", "fifo-link.yaml", "zero-link.yaml", "random-link.yaml"])
def test_a_special_file_as_an_argument_is_refused_with_exit_2(specials: dict[str, Path], which: str) -> None:
    proc = _assess(["manifests", str(specials[which])])
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file; not read" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_special_files_inside_a_folder_are_skipped_with_a_note(specials: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(SOCKET_POD)
    proc = _assess(["manifests", str(tmp_path), "-o", "json"])
    assert proc.returncode == 1, proc.stderr  # the socket finding in pod.yaml; notes do not change the exit code
    assert "Traceback" not in proc.stderr
    notes = [line for line in proc.stderr.splitlines() if line.startswith("note:")]
    expected = {
        "pipe.yaml": "a FIFO (named pipe)",
        "fifo-link.yaml": "a FIFO (named pipe)",
        "zero-link.yaml": "a character device",
        "random-link.yaml": "a character device",
    }
    for name, kind in expected.items():
        assert any(f"{name}: {kind}, not a regular file; not read (skipped)" in note for note in notes), notes


def test_stdin_from_dev_zero_stops_at_the_limit() -> None:
    with open("/dev/zero", "rb") as zero:
        proc = _assess(["manifests", "-", "--max-file-size", "1"], stdin=zero)
    assert proc.returncode == 2, proc.stderr
    assert "error: <stdin>: over the 1 MiB limit for --max-file-size; not read" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_pipe_on_stdin_is_still_read() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "assessor", "manifests", "-", "-o", "json"],
        input=SOCKET_POD,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 1, proc.stderr
    assert '"DOCK002"' in proc.stdout


def _switch_results(tmp_path: Path, summary: Path) -> Path:
    folder = tmp_path / "switch"
    folder.mkdir()
    (folder / "summary.json").symlink_to(summary)
    return folder


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(lambda s, t: ["cluster", "--snapshot", str(s["zero"])], id="snapshot-zero"),
        pytest.param(lambda s, t: ["cluster", "--snapshot", str(s["fifo"])], id="snapshot-fifo"),
        pytest.param(lambda s, t: ["rke", str(s["zero"])], id="cluster.yml-zero"),
        pytest.param(lambda s, t: ["rke", str(s["fifo-link.yaml"])], id="cluster.yml-fifo"),
        pytest.param(lambda s, t: ["cluster", "--snapshot", str(SEED), "--baseline", str(s["fifo"])], id="baseline"),
        pytest.param(lambda s, t: ["cluster", "--kubeconfig", str(s["zero"])], id="kubeconfig-zero"),
        pytest.param(lambda s, t: ["cluster", "--kubeconfig", str(s["fifo"])], id="kubeconfig-fifo"),
        pytest.param(
            lambda s, t: ["report", "--output-file", str(t / "r.md"), "--manifests", str(SEED), "--switch-results",
                          str(_switch_results(t, s["fifo"]))],
            id="switch-summary",
        ),
    ],
)  # fmt: skip
def test_every_other_input_refuses_special_files(specials: dict[str, Path], tmp_path: Path, args: Any) -> None:
    proc = _assess(args(specials, tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_oversize_baseline_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "baseline.yaml"
    with big.open("wb") as fh:
        fh.truncate(64 * 1024 * 1024)  # sparse
    proc = _assess(["cluster", "--snapshot", str(SEED), "--baseline", str(big)])
    assert proc.returncode == 2, proc.stderr
    assert "over the 16 MiB limit for a baseline" in proc.stderr


def test_an_unlistable_subfolder_makes_the_scan_incomplete_and_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root lists mode-000 folders, and the interpreter lives under /root, out of reach of an
    # unprivileged user: so the folder listing itself is made to fail, as it does for a user.
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "clean.yaml").write_text(CLEAN)
    locked = tmp_path / "ok" / "locked"
    locked.mkdir()
    (locked / "pod.yaml").write_text(SOCKET_POD)
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = CliRunner().invoke(app, ["manifests", str(tmp_path), "-o", "json"])
    assert result.exit_code == 3, result.stderr
    assert f"error: {locked}: cannot list folder: Permission denied; its files were not scanned" in result.stderr
    monkeypatch.undo()
    assert CliRunner().invoke(app, ["manifests", str(tmp_path), "-o", "json"]).exit_code == 1  # the hidden finding
