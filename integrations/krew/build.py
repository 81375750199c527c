"""Build the krew plugin: an archive holding the `kubectl-assess` launcher and a manifest with its sha256.

    python integrations/krew/build.py --version v0.1.0 --uri-base https://example.org/releases/v0.1.0 \
        --git-url https://git.example.org/platform/assessor.git --out dist/

The archive carries a launcher, not a frozen binary: assessor is a Python package, so the
launcher runs the installed `assessor` with the Python that has it, and says how to install it otherwise.
The install line names this project's distribution, kube-docker-assessor, from its repository at the
plugin's version: it is not on PyPI yet, and the PyPI project called `assessor` is a different one.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import tarfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "kube-docker-assessor"
# `assessor.cli` rather than `assessor`: the unrelated PyPI project has a package of that name too
LAUNCHER = """#!/bin/sh
# kubectl plugin launcher for assessor (kubectl assess …)
for py in "${{ASSESSOR_PYTHON:-}}" python3 python; do
  [ -n "$py" ] || continue
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'from assessor.cli import main' >/dev/null 2>&1; then
    exec "$py" -m assessor "$@"
  fi
done
echo "kubectl-assess: {distribution} is not installed;" \
  "install it with: python3 -m pip install '{requirement}'" >&2
exit 127
"""
PLATFORMS = [("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64")]


def requirement(git_url: str, version: str) -> str:
    """pip's spec for this project at the plugin's version, from its repository."""
    return f"{DISTRIBUTION} @ git+{git_url}@{version}"


def archive(install: str) -> bytes:
    """A reproducible tar.gz: fixed mtimes and owners, so the sha256 depends only on the content."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in (
            ("kubectl-assess", LAUNCHER.format(distribution=DISTRIBUTION, requirement=install).encode(), 0o755),
            ("LICENSE", (ROOT / "LICENSE").read_bytes(), 0o644),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime, info.uname, info.gname = len(data), mode, 0, "root", "root"
            tar.addfile(info, io.BytesIO(data))
    # gzip writes the current time into its header; zero it for reproducibility
    raw = bytearray(buf.getvalue())
    raw[4:8] = b"\0\0\0\0"
    return bytes(raw)


def manifest(version: str, uri: str, sha256: str, install: str, homepage: str) -> dict[str, object]:
    return {
        "apiVersion": "krew.googlecontainertools.github.com/v1alpha2",
        "kind": "Plugin",
        "metadata": {"name": "assess"},
        "spec": {
            "version": version,
            "homepage": homepage,
            "shortDescription": "Find Docker Engine dependencies before leaving dockershim",
            "description": (
                "Finds what depends on Docker Engine in a cluster (docker.sock mounts, Docker log paths, "
                "DOCKER_HOST, vendor agents in Docker mode, nodes on docker://), plans the path to "
                "Kubernetes v1.24+ and RKE2, and gives a go/no-go checklist. Read-only. "
                f"Requires Python 3.11+ with {DISTRIBUTION} installed.\n"
            ),
            "caveats": f"Needs {DISTRIBUTION} (not on PyPI yet): python3 -m pip install '{install}'\n",
            "platforms": [
                {
                    "selector": {"matchLabels": {"os": os_, "arch": arch}},
                    "uri": uri,
                    "sha256": sha256,
                    "bin": "kubectl-assess",
                    "files": [{"from": "kubectl-assess", "to": "."}, {"from": "LICENSE", "to": "."}],
                }
                for os_, arch in PLATFORMS
            ],
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", required=True, help="plugin version, e.g. v0.1.0")
    parser.add_argument("--uri-base", required=True, help="where the archive will be downloaded from")
    parser.add_argument("--git-url", required=True, help="this project's git repository, which pip installs from")
    parser.add_argument("--out", type=Path, default=Path("dist"))
    args = parser.parse_args(argv)
    install = requirement(args.git_url, args.version)
    data = archive(install)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "kubectl-assess.tar.gz").write_bytes(data)
    uri = f"{args.uri_base.rstrip('/')}/kubectl-assess.tar.gz"
    doc = manifest(args.version, uri, hashlib.sha256(data).hexdigest(), install, args.git_url)
    (args.out / "assess.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    print(f"wrote {args.out / 'kubectl-assess.tar.gz'} and {args.out / 'assess.yaml'}")


if __name__ == "__main__":
    main()
