"""Every file `assess` writes: checked before the work, written whole or not at all.

Destinations are checked before any scan (exit 2, one line); a full disk — a real one, a small
tmpfs, and a size limit (RLIMIT_FSIZE) in a subprocess — leaves the previous good file or plan
byte for byte, and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessor.atomicwrite import (
    DestinationError,
    check_dir_destination,
    check_file_destination,
    staged_directory,
    write_text,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "clusters" / "seed-rke1.yaml"
SEED_YML = ROOT / "fixtures" / "rke" / "seed-cluster.yml"
CLEAN = ROOT / "tests" / "rules" / "DOCK001" / "negative" / "containerd-socket.yaml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _assess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assessor", *args], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=300
    )


def _one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- destinations are checked before the work -----------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "what"),
    [("--output-file", "output"), ("--write-baseline", "baseline")],
)
@pytest.mark.parametrize("where", ["missing-folder", "a-folder"])
def test_scan_destination_checked_before_the_scan(flag: str, what: str, where: str, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "out.json" if where == "missing-folder" else tmp_path
    # The input does not exist either: the destination is refused first, so no scan ran at all.
    proc = _assess("manifests", str(tmp_path / "no-such-input"), flag, str(target))
    _one_line_error(proc, str(target), f"cannot write the {what}")


@pytest.mark.parametrize("command", ["cluster", "rke", "plan", "report"])
def test_every_command_checks_output_file_first(command: str, tmp_path: Path) -> None:
    target = str(tmp_path / "missing" / "out.md")
    args = {
        "cluster": ["cluster", "--snapshot", str(SEED)],
        "rke": ["rke", str(SEED_YML)],
        "plan": ["plan", str(SEED_YML), "--out", str(tmp_path / "plan")],
        "report": ["report", "--snapshot", str(SEED)],
    }[command]
    _one_line_error(_assess(*args, "--output-file", target), target, "does not exist")
    assert not (tmp_path / "plan").exists()


def test_plan_out_onto_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "plan"
    target.write_text("not a folder")
    _one_line_error(_assess("plan", str(SEED_YML), "--out", str(target)), str(target), "not a folder")
    assert target.read_text() == "not a folder"


def test_switch_junit_into_a_missing_folder_is_refused_before_the_test(tmp_path: Path) -> None:
    junit = tmp_path / "missing" / "j.xml"
    proc = _assess(
        "switch",
        "--url",
        "http://127.0.0.1:9/",
        "--duration",
        "30s",
        "--out",
        str(tmp_path / "run"),
        "--junit",
        str(junit),
    )
    _one_line_error(proc, str(junit), "does not exist")  # checked by cli/switch.py:prepare_out
    assert not (tmp_path / "run" / "requests.jsonl").exists()  # refused before a single request


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing" / "f", "does not exist"),
        (lambda d: d, "it is a folder"),
    ],
)
def test_check_file_destination(make: object, message: str, tmp_path: Path) -> None:
    with pytest.raises(DestinationError, match=message):
        check_file_destination(make(tmp_path))  # type: ignore[operator]


def test_check_destination_accepts_devices_and_new_files(tmp_path: Path) -> None:
    check_file_destination(Path("/dev/null"))
    check_file_destination(tmp_path / "new.json")
    check_dir_destination(tmp_path / "a" / "b")  # made on write, inside a writable folder
    (tmp_path / "file").write_text("x")
    with pytest.raises(DestinationError, match="not a folder"):
        check_dir_destination(tmp_path / "file")


def test_unwritable_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    mounted = False
    if os.geteuid() == 0:  # root writes through mode bits: a read-only filesystem stops it too
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(locked)], check=True)
        mounted = True
    try:
        with pytest.raises(DestinationError, match="not writable"):
            check_file_destination(locked / "out.json")
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(locked)], check=False)


# --- writes are atomic ----------------------------------------------------------------------------------


def test_write_text_keeps_mode_follows_symlinks_and_writes_devices(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640
    write_text(Path("/dev/null"), "discarded")  # never renamed over a device
    assert Path("/dev/null").exists() and not Path("/dev/null").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_staged_directory_is_all_or_nothing(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "kept.txt").write_text("operator's")
    (plan / "a.txt").write_text("old a")
    before = _tree(plan)
    with pytest.raises(RuntimeError), staged_directory(plan) as stage:
        write_text(stage / "a.txt", "new a")
        raise RuntimeError("disk gone")
    assert _tree(plan) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]  # no stage left behind
    with staged_directory(plan) as stage:
        write_text(stage / "a.txt", "new a")
    assert _tree(plan) == {"a.txt": b"new a", "kept.txt": b"operator's"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


# --- a full disk, for real --------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 128 KiB tmpfs: the size of the outputs below, so a second, bigger write runs out of space."""
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(mount)], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc}); the RLIMIT_FSIZE tests cover a full disk")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)


def _fill(disk: Path, leave: int) -> None:
    """Fill the disk until at most `leave` bytes are free."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    with contextlib.suppress(OSError), (disk / "filler").open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_full_disk_keeps_the_previous_output_file(small_disk: Path) -> None:
    out = small_disk / "findings.json"
    assert _assess("manifests", str(CLEAN), "--output-file", str(out)).returncode == 0
    good = out.read_bytes()
    _fill(small_disk, leave=16 * 1024)
    proc = _assess("cluster", "--snapshot", str(SEED), "--output-file", str(out), "--fail-on", "none")
    _one_line_error(proc, str(out), "No space left on device")
    assert out.read_bytes() == good
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "findings.json"]


def test_full_disk_keeps_the_previous_baseline(small_disk: Path) -> None:
    baseline = small_disk / "baseline.yaml"
    baseline.write_text("kind: Baseline\naccepted: []\n")
    good = baseline.read_bytes()
    _fill(small_disk, leave=0)
    proc = _assess("cluster", "--snapshot", str(SEED), "--write-baseline", str(baseline), "-o", "json")
    _one_line_error(proc, str(baseline), "No space left on device")
    assert baseline.read_bytes() == good


def test_full_disk_leaves_the_previous_plan_whole(small_disk: Path) -> None:
    plan = small_disk / "plan"
    first = _assess("plan", str(SEED_YML), "--snapshot", str(SEED), "--out", str(plan), "-o", "json")
    assert first.returncode in (0, 1), first.stderr
    with (plan / "runbook.md").open("a") as fh:
        fh.write("edited by the operator\n")  # so that --force rewrites it
    before = _tree(plan)
    _fill(small_disk, leave=0)
    proc = _assess("plan", str(SEED_YML), "--snapshot", str(SEED), "--out", str(plan), "--force", "-o", "json")
    _one_line_error(proc, str(plan), "No space left on device")
    assert _tree(plan) == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "plan"]  # no stage left behind


def test_full_disk_on_a_fresh_plan_leaves_no_plan(small_disk: Path) -> None:
    _fill(small_disk, leave=4096)
    plan = small_disk / "plan"
    proc = _assess("plan", str(SEED_YML), "--snapshot", str(SEED), "--out", str(plan), "-o", "json")
    _one_line_error(proc, "No space left on device")
    assert not plan.exists()
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


# --- a size limit: EFBIG instead of ENOSPC, without root --------------------------------------------------

_LIMITED = textwrap.dedent(
    """
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so a write past the limit raises EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
    sys.argv = ["assess", *sys.argv[2:]]
    from assessor.cli import main
    main()
    """
)


def _assess_limited(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _LIMITED, str(limit), *args], capture_output=True, text=True, env=ENV, timeout=300
    )


@pytest.mark.parametrize("flag", ["--output-file", "--write-baseline"])
def test_size_limit_keeps_the_previous_file(flag: str, tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    target.write_text("previous good file\n")
    proc = _assess_limited(1024, "cluster", "--snapshot", str(SEED), flag, str(target), "-o", "yaml")
    _one_line_error(proc, str(target), "too large")
    assert target.read_text() == "previous good file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]


def test_size_limit_leaves_the_previous_plan_whole(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    assert _assess("plan", str(SEED_YML), "--snapshot", str(SEED), "--out", str(plan), "-o", "json").returncode in (
        0,
        1,
    )
    (plan / "notes.txt").write_text("the operator's own file\n")
    with (plan / "runbook.md").open("a") as fh:
        fh.write("edited by the operator\n")  # so that --force rewrites it: 8 KiB, over the limit
    before = _tree(plan)
    args = ("plan", str(SEED_YML), "--snapshot", str(SEED), "--out", str(plan), "--force", "-o", "json")
    proc = _assess_limited(1024, *args)
    _one_line_error(proc, str(plan), "too large")
    assert _tree(plan) == before
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]


def test_switch_artifacts_are_written_whole(tmp_path: Path) -> None:
    """summary.json, report.html and the JUnit file go through the atomic writer too."""
    from assessor.render.switch_artifacts import write_artifacts

    summary = (ROOT / "fixtures" / "switch" / "fail" / "summary.json").read_text()
    import json

    out = tmp_path / "run"
    out.mkdir()
    (out / "summary.json").write_text("previous\n")
    written = write_artifacts(out, json.loads(summary), tmp_path / "j.xml")
    assert {p.name for p in written} == {"summary.json", "report.html", "j.xml"}
    assert json.loads((out / "summary.json").read_text())["verdict"]
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "summary.json"]
