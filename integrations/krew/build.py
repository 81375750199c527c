"""Build the krew plugin: an archive holding the `kubectl-assess` launcher and a manifest with its sha256.

    python integrations/krew/build.py --version v0.1.0 --uri-base https://example.org/releases/v0.1.0 --out dist/

The archive carries a launcher, not a frozen binary: assessor is a Python package, so the
launcher runs the installed `assessor` with the Python that has it, and says how to install it otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import tarfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = """#!/bin/sh
# kubectl plugin launcher for assessor (kubectl assess …)
for py in "${ASSESSOR_PYTHON:-}" python3 python; do
  [ -n "$py" ] || continue
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import assessor' >/dev/null 2>&1; then
    exec "$py" -m assessor "$@"
  fi
done
echo "kubectl-assess: the assessor Python package is not installed;" \
  "install it with: python3 -m pip install assessor" >&2
exit 127
"""
PLATFORMS = [("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64")]


def archive() -> bytes:
    """A reproducible tar.gz: fixed mtimes and owners, so the sha256 depends only on the content."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in (
            ("kubectl-assess", LAUNCHER.encode(), 0o755),
            ("LICENSE", (ROOT / "LICENSE").read_bytes(), 0o644),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime, info.uname, info.gname = len(data), mode, 0, "root", "root"
            tar.addfile(info, io.BytesIO(data))
    # gzip writes the current time into its header; zero it for reproducibility
    raw = bytearray(buf.getvalue())
    raw[4:8] = b"\0\0\0\0"
    return bytes(raw)


def manifest(version: str, uri: str, sha256: str) -> dict[str, object]:
    return {
        "apiVersion": "krew.googlecontainertools.github.com/v1alpha2",
        "kind": "Plugin",
        "metadata": {"name": "assess"},
        "spec": {
            "version": version,
            "homepage": "https://kubernetes.io/docs/tasks/administer-cluster/migrating-from-dockershim/",
            "shortDescription": "Find Docker Engine dependencies before leaving dockershim",
            "description": (
                "Finds what depends on Docker Engine in a cluster (docker.sock mounts, Docker log paths,\n"
                "DOCKER_HOST, vendor agents in Docker mode, nodes on docker://), plans the path to\n"
                "Kubernetes v1.24+ and RKE2, and gives a go/no-go checklist. Read-only.\n"
                "Requires Python 3.11+ with the assessor package installed.\n"
            ),
            "caveats": "Needs the assessor Python package: python3 -m pip install assessor\n",
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
    parser.add_argument("--out", type=Path, default=Path("dist"))
    args = parser.parse_args(argv)
    data = archive()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "kubectl-assess.tar.gz").write_bytes(data)
    uri = f"{args.uri_base.rstrip('/')}/kubectl-assess.tar.gz"
    doc = manifest(args.version, uri, hashlib.sha256(data).hexdigest())
    (args.out / "assess.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    print(f"wrote {args.out / 'kubectl-assess.tar.gz'} and {args.out / 'assess.yaml'}")


if __name__ == "__main__":
    main()
