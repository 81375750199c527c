"""The shipped CI integrations run the commands they claim, on a repository of manifests."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.helpers import validate_sarif

RULES = ROOT / "tests" / "rules"


def _repo(tmp_path: Path, dirty: bool) -> Path:
    """A repository of manifests: clean ones, plus (dirty) an agent mounting docker.sock."""
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    for f in sorted((RULES / "DOCK001" / "negative").glob("*.yaml")):
        shutil.copy(f, repo / "deploy" / f.name)
    if dirty:
        shutil.copy(RULES / "DOCK001" / "positive" / "daemonset-var-run.yaml", repo / "deploy" / "agent.yaml")
    return repo


def _run_assess(line: str, cwd: Path) -> tuple[int, Path | None, str]:
    """Run `assess … [> file]` as the CI shell would, with this interpreter's assessor."""
    words = shlex.split(line)
    target = None
    if ">" in words:
        target = cwd / words[words.index(">") + 1]
        words = words[: words.index(">")]
    assert words[0] == "assess"
    proc = subprocess.run(
        [sys.executable, "-m", "assessor", *words[1:]], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    if target is not None:
        target.write_text(proc.stdout, encoding="utf-8")
    return proc.returncode, target, proc.stderr


def _assess_lines(script: list[str] | str) -> list[str]:
    lines = [script] if isinstance(script, str) else script
    return [line for line in lines if line.startswith("assess ")]


def _workflow() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "integrations" / "github-actions" / "assess.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.parametrize(("dirty", "code"), [(True, 1), (False, 0)])
def test_github_actions_workflow_gates_and_uploads_sarif(dirty: bool, code: int, tmp_path: Path) -> None:
    steps = next(iter(_workflow()["jobs"].values()))["steps"]
    scan = next(s for s in steps if _assess_lines(s.get("run", "")))
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["if"] == "always()", "findings must be uploaded when the gate fails"
    repo = _repo(tmp_path, dirty)
    rc, out, err = _run_assess(_assess_lines(scan["run"])[0], repo)
    assert rc == code, err
    assert out is not None and out.name == upload["with"]["sarif_file"]
    sarif = json.loads(out.read_text(encoding="utf-8"))
    validate_sarif(sarif)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert ("deploy/agent.yaml" in uris) is dirty


def test_github_actions_workflow_can_write_security_events() -> None:
    assert _workflow()["permissions"] == {"contents": "read", "security-events": "write"}


@pytest.mark.parametrize(("dirty", "code"), [(True, 1), (False, 0)])
def test_gitlab_job_gates_and_reports_junit(dirty: bool, code: int, tmp_path: Path) -> None:
    doc = yaml.safe_load((ROOT / "integrations" / "gitlab-ci" / "assess.gitlab-ci.yml").read_text(encoding="utf-8"))
    job = doc["assess-docker-dependencies"]
    rc, out, err = _run_assess(_assess_lines(job["script"])[0], _repo(tmp_path, dirty))
    assert rc == code, err
    assert out is not None and out.name == job["artifacts"]["reports"]["junit"] and job["artifacts"]["when"] == "always"
    suite = ET.fromstring(out.read_text(encoding="utf-8")).find("testsuite")
    assert suite is not None and (int(suite.get("failures", "0")) > 0) is dirty


@pytest.mark.parametrize(("dirty", "code"), [(True, 1), (False, 0)])
def test_pre_commit_hook_runs_on_the_staged_files(dirty: bool, code: int, tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "assess-manifests")
    assert hook["language"] == "python" and hook["types"] == ["yaml"]
    repo = _repo(tmp_path, dirty)
    staged = sorted(str(p.relative_to(repo)) for p in (repo / "deploy").glob("*.yaml"))
    rc, _, err = _run_assess(hook["entry"] + " " + " ".join(staged), repo)  # pre-commit appends the file names
    assert rc == code, err


def test_krew_plugin_archive_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, str(ROOT / "integrations" / "krew" / "build.py"), "--version", "v0.1.0",
         "--uri-base", "https://example.org/releases/v0.1.0", "--git-url", "https://example.org/assessor.git",
         "--out", str(out)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    data = (out / "kubectl-assess.tar.gz").read_bytes()
    plugin = yaml.safe_load((out / "assess.yaml").read_text(encoding="utf-8"))
    assert plugin["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2" and plugin["kind"] == "Plugin"
    assert plugin["metadata"]["name"] == "assess" and plugin["spec"]["version"] == "v0.1.0"
    import hashlib

    with tarfile.open(out / "kubectl-assess.tar.gz") as tar:
        names = set(tar.getnames())
        tar.extractall(tmp_path / "x", filter="data")
    for platform in plugin["spec"]["platforms"]:
        assert platform["sha256"] == hashlib.sha256(data).hexdigest()
        assert platform["bin"] in names and {f["from"] for f in platform["files"]} <= names
    # reproducible: a second build is byte-identical, so the published sha256 stays valid
    subprocess.run(
        [sys.executable, str(ROOT / "integrations" / "krew" / "build.py"), "--version", "v0.1.0",
         "--uri-base", "https://example.org/releases/v0.1.0", "--git-url", "https://example.org/assessor.git",
         "--out", str(tmp_path / "again")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    assert (tmp_path / "again" / "kubectl-assess.tar.gz").read_bytes() == data

    launcher = tmp_path / "x" / "kubectl-assess"
    env = {"ASSESSOR_PYTHON": sys.executable, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([str(launcher), "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("assess "), proc.stderr
    proc = subprocess.run([str(launcher), "--version"], env={"PATH": "/nonexistent"}, capture_output=True, text=True)
    assert proc.returncode == 127
    assert "pip install 'kube-docker-assessor @ git+https://example.org/assessor.git@v0.1.0'" in proc.stderr
    assert "pip install 'kube-docker-assessor @" in plugin["spec"]["caveats"]


def _distribution() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^name = "([^"]+)"', text, re.M).group(1)  # type: ignore[union-attr]


def test_templates_install_this_project_never_the_unrelated_pypi_assessor() -> None:
    assert _distribution() == "kube-docker-assessor"
    github = _workflow()["env"]["ASSESSOR"]
    gitlab = yaml.safe_load((ROOT / "integrations" / "gitlab-ci" / "assess.gitlab-ci.yml").read_text(encoding="utf-8"))
    for spec in (github, gitlab["assess-docker-dependencies"]["variables"]["ASSESSOR"]):
        assert spec.startswith(f"{_distribution()} @ git+"), spec
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert all(h["language"] == "python" for h in hooks)  # pre-commit pip-installs this repository itself
