"""Generated docs stay in step with rules/, and README commands stay in step with .ci/run."""

from __future__ import annotations

import re

from devtools.docgen import generated
from tests.conftest import ROOT


def test_generated_docs_are_current() -> None:
    for path, text in generated().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python -m devtools.docgen"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    install_and_run, run_tests = blocks[0].strip(), blocks[1].strip()
    assert "fixtures/clusters/seed-rke1.yaml" in install_and_run
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert run_tests in ci_lines
