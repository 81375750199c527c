"""The secrets canary: credentials planted in every shape never reach any output of any command.

tests/secrets/canary-manifests.yaml plants `docker login -p`, `--password`, `--password=`, `-p=`,
`--token`, `--token=`, `--client-secret`, URLs with user:password (DOCKER_HOST too), a Bearer
header, `password:` keys in ConfigMap text and AWS keys. Every command (cluster --snapshot,
manifests, rke, plan, report, switch against a local server, rules) runs in every format it
renders, with --write-baseline; stdout, stderr and every file written are searched: zero hits.
The fixture itself is checked to be effective: with redaction switched off the values appear.
"""

from __future__ import annotations

import json
import stat
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from typer.testing import CliRunner

from assessor.cli import app
from assessor.render.registry import Kind, formats

ROOT = Path(__file__).resolve().parent.parent
CANARY = ROOT / "tests" / "secrets" / "canary-manifests.yaml"
SEED_SNAPSHOT = ROOT / "fixtures" / "clusters" / "seed-rke1.yaml"
SEED_CLUSTER_YML = ROOT / "fixtures" / "rke" / "seed-cluster.yml"

# Every planted value, as it stands in the fixture (they all begin with "cnry", or are the AWS key id).
PLANTED = [
    "cnryShortP1",
    "cnryUrlP2",
    "cnryLongP3",
    "cnryEqP4",
    "cnryShortEqP5",
    "cnryTokEqT6",
    "cnryTokT7",
    "cnrySecS8",
    "cnryBearerT9abc",
    "cnryUrlP10",
    "cnryUrlP11",
    "AKIACNRY000000000012",
    "cnryAwsS13",
    "cnryQuotedP14",
    "cnryUrlP15",
    "cnryKeyP16",
]
RKE_PLANTED = ["cnryRegistryP20"]
SWITCH_PLANTED = ["cnrySwitchUrlP30", "cnrySwitchCmdP31", "cnrySwitchArgT32"]
ALL = PLANTED + RKE_PLANTED + SWITCH_PLANTED

runner = CliRunner()


def _hits(text: str) -> list[str]:
    return [value for value in ALL if value in text]


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path


def _leaks(folder: Path, *streams: str) -> dict[str, list[str]]:
    """Planted values found, by where: each stream and each file written (files of mode 600 excepted:
    the plan's files that carry cluster.yml's own values, the one place a credential is meant to go)."""
    found: dict[str, list[str]] = {}
    for i, text in enumerate(streams):
        if _hits(text):
            found[f"stream {i}"] = _hits(text)
    for path in _files(folder):
        if stat.S_IMODE(path.stat().st_mode) == 0o600:
            continue
        hits = _hits(path.read_text(encoding="utf-8", errors="replace"))
        if hits:
            found[str(path)] = hits
    return found


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The canary manifests, the same objects as a snapshot (beside the seed cluster), and a cluster.yml."""
    folder = tmp_path_factory.mktemp("canary-inputs")
    docs = [d for d in yaml.safe_load_all(CANARY.read_text()) if d]
    seed = yaml.safe_load(SEED_SNAPSHOT.read_text())
    snapshot = folder / "snapshot.yaml"
    snapshot.write_text(yaml.safe_dump({**seed, "items": [*seed["items"], *docs]}))
    cluster = yaml.safe_load(SEED_CLUSTER_YML.read_text())
    cluster["private_registries"][0]["password"] = "cnryRegistryP20"
    cluster_yml = folder / "cluster.yml"
    cluster_yml.write_text(yaml.safe_dump(cluster))
    return {"manifests": CANARY, "snapshot": snapshot, "cluster_yml": cluster_yml}


def _run(args: list[str], folder: Path) -> dict[str, list[str]]:
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1, 3), (args, result.exit_code, result.stderr[-2000:])
    return _leaks(folder, result.stdout, result.stderr)


def _scan_commands(inputs: dict[str, Path], out: Path) -> dict[str, list[str]]:
    return {
        "cluster": ["cluster", "--snapshot", str(inputs["snapshot"])],
        "manifests": ["manifests", str(inputs["manifests"])],
        "rke": ["rke", str(inputs["cluster_yml"]), "--snapshot", str(inputs["snapshot"])],
        "plan": ["plan", str(inputs["cluster_yml"]), "--snapshot", str(inputs["snapshot"]), "--out", str(out / "plan")],
    }


@pytest.mark.parametrize("fmt", formats(Kind.scan))
@pytest.mark.parametrize("command", ["cluster", "manifests", "rke", "plan"])
def test_scans_print_and_write_no_planted_secret(
    command: str, fmt: str, inputs: dict[str, Path], tmp_path: Path
) -> None:
    args = _scan_commands(inputs, tmp_path)[command]
    args += ["-o", fmt, "--fail-on", "none", "--write-baseline", str(tmp_path / "baseline.yaml")]
    assert _run(args, tmp_path) == {}
    assert (tmp_path / "baseline.yaml").exists()
    if command == "plan":
        assert (tmp_path / "plan" / "runbook.md").exists()


@pytest.mark.parametrize("fmt", formats(Kind.scan))
def test_output_file_holds_no_planted_secret(fmt: str, inputs: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / f"findings.{fmt}"
    args = ["manifests", str(inputs["manifests"]), "-o", fmt, "--output-file", str(target), "--fail-on", "none"]
    assert _run(args, tmp_path) == {}
    assert target.stat().st_size > 0


class _Handler(BaseHTTPRequestHandler):
    authorization: ClassVar[set[str]] = set()

    def do_GET(self) -> None:
        _Handler.authorization.add(self.headers.get("Authorization") or "")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def switch_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A short switch test against a local server, with a password in --url, in the command and its output."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    out = tmp_path_factory.mktemp("canary-switch") / "run"
    url = f"http://bot:cnrySwitchUrlP30@127.0.0.1:{httpd.server_address[1]}/"
    script = "print('docker login -u bot -p cnrySwitchCmdP31 registry.example.com')"
    args = ["switch", "--url", url, "--rate", "10", "--warmup", "0s", "--cooldown", "0s", "--samplers", "new"]
    args += ["--out", str(out), "--junit", str(out / "junit.xml"), "-o", "json"]
    args += ["--", sys.executable, "-c", script, "--token", "cnrySwitchArgT32"]
    try:
        result = runner.invoke(app, args)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.exit_code in (0, 1, 3), result.stderr[-2000:]
    yield out, result.stdout + result.stderr


def test_switch_records_and_artifacts_hold_no_planted_secret(switch_run: tuple[Path, str]) -> None:
    out, streams = switch_run
    assert {p.name for p in _files(out)} >= {
        "requests.jsonl",
        "events.jsonl",
        "command.log",
        "summary.json",
        "report.html",
        "junit.xml",
    }
    assert _leaks(out, streams) == {}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["urls"] == [summary["run"]["urls"][0]] and "<redacted>" in summary["run"]["urls"][0]
    assert "<redacted>" in (out / "command.log").read_text()


def test_switch_requests_still_carry_the_credential(switch_run: tuple[Path, str]) -> None:
    """Hidden from every record, but the server gets it: Basic auth from the URL's user:password."""
    import base64

    assert _Handler.authorization == {"Basic " + base64.b64encode(b"bot:cnrySwitchUrlP30").decode()}


@pytest.mark.parametrize("fmt", formats(Kind.switch))
def test_switch_summary_renders_no_planted_secret(fmt: str, switch_run: tuple[Path, str], tmp_path: Path) -> None:
    from assessor.render.options import RenderOptions
    from assessor.render.registry import render

    summary = json.loads((switch_run[0] / "summary.json").read_text())
    assert _hits(render(Kind.switch, fmt, summary, RenderOptions())) == []


@pytest.mark.parametrize("suffix", ["md", "html", "json", "yaml"])
def test_report_holds_no_planted_secret(
    suffix: str, inputs: dict[str, Path], switch_run: tuple[Path, str], tmp_path: Path
) -> None:
    target = tmp_path / f"report.{suffix}"
    args = ["report", "--snapshot", str(inputs["snapshot"]), "--rke", str(inputs["cluster_yml"])]
    args += ["--manifests", str(inputs["manifests"]), "--switch-results", str(switch_run[0])]
    args += ["--output-file", str(target), "--write-baseline", str(tmp_path / "baseline.yaml")]
    assert _run(args, tmp_path) == {}
    assert target.stat().st_size > 0


@pytest.mark.parametrize("fmt", formats(Kind.rules))
def test_rules_print_no_planted_secret(fmt: str, tmp_path: Path) -> None:
    assert _run(["rules", "-o", fmt], tmp_path) == {}
    assert _run(["rules", "show", "DOCK007", "-o", fmt], tmp_path) == {}


def test_the_canary_is_effective_without_redaction(monkeypatch: pytest.MonkeyPatch, inputs: dict[str, Path]) -> None:
    """With the one redaction switched off, every planted value shows up: the zero hits above are earned."""
    import assessor.engine.evaluate

    monkeypatch.setattr(assessor.engine.evaluate, "redact_text", lambda text: text)
    shown = ""
    for args in (["manifests", str(inputs["manifests"])], ["rke", str(inputs["cluster_yml"])]):
        shown += runner.invoke(app, [*args, "-o", "json", "--fail-on", "none"]).stdout
    missing = [v for v in PLANTED if v not in shown]
    assert missing == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("docker login -u bot -p hunter2 r.io", "docker login -u bot -p <redacted> r.io"),
        ("docker login -u bot -p=hunter2 r.io", "docker login -u bot -p=<redacted> r.io"),
        ("docker run -p 8080:80 nginx", "docker run -p 8080:80 nginx"),  # -p is a port outside a login
        ("x --password hunter2 --password=hunter3", "x --password <redacted> --password=<redacted>"),
        ("x --password-stdin", "x --password-stdin"),
        (
            "--token=abc --token abc --client-secret 'a b'",
            "--token=<redacted> --token <redacted> --client-secret '<redacted>'",
        ),
        ("DOCKER_HOST=tcp://user:pw@host:2376", "DOCKER_HOST=tcp://user:<redacted>@host:2376"),
        ("https://u:p@h/x and ssh://git@github.com", "https://u:<redacted>@h/x and ssh://git@github.com"),
        ('-H "Authorization: Bearer abcdefgh123"', '-H "Authorization: Bearer <redacted>"'),
        ("password: hunter2", "password: <redacted>"),
        ('{"auth": "dXNlcjpwYXNz"}', '{"auth": "<redacted>"}'),
        ("passwordFile: /etc/pw", "passwordFile: /etc/pw"),  # a reference, not a secret
        ("secretName: registry-creds", "secretName: registry-creds"),
        ("automountServiceAccountToken: false", "automountServiceAccountToken: false"),
        ("authentication: x509", "authentication: x509"),
        ("key AKIAIOSFODNN7EXAMPLE", "key <redacted>"),
        ("aws_secret_access_key = wJalrXUtnFEMI", "aws_secret_access_key = <redacted>"),
        ("FOO_TOKEN=$(cat /run/secrets/t)", "FOO_TOKEN=$(cat /run/secrets/t)"),
        ("/var/run/docker.sock", "/var/run/docker.sock"),
    ],
)
def test_redaction_shapes(text: str, shown: str) -> None:
    from assessor.redact import redact_text

    assert redact_text(text) == shown


def test_argv_redaction() -> None:
    from assessor.redact import redact_argv

    assert redact_argv(["docker", "login", "-u", "bot", "-p", "pw", "r"]) == [
        "docker",
        "login",
        "-u",
        "bot",
        "-p",
        "<redacted>",
        "r",
    ]
    assert redact_argv(["rke", "up", "--token", "t", "--password=p", "--password-stdin"]) == [
        "rke",
        "up",
        "--token",
        "<redacted>",
        "--password=<redacted>",
        "--password-stdin",
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        '--token "' * 20_000,
        "a://" + "b" * 200_000,
        "x://a:" * 40_000,
        ("password" * 5 + "=") * 20_000,
        " -" * 200_000,
        "login " + '-p "' * 50_000,
        "a.b-" * 100_000 + ":x",
        "Bearer " * 50_000,
        "\n" * 400_000,
    ],
)
def test_redaction_is_linear(hostile: str) -> None:
    """Hostile text the size of a big ConfigMap is redacted in well under a second (no backtracking)."""
    import time

    from assessor.redact import redact_text

    started = time.process_time()
    redact_text(hostile)
    assert time.process_time() - started < 2.0, f"{len(hostile)} characters took too long"
