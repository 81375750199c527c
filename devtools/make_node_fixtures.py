"""Regenerate fixtures/nodes/: node reports from a real collection, named after the seed cluster's nodes.

Starts the tests' private dockerd with its planted cases (tests/dockerd.py), collects with the
fake --root of tests/node_root.py, and writes one file per seed worker with the node's name as
hostname (what `assess nodes --rke fixtures/rke/seed-cluster.yml` would write). Run from the
repository root: `python -m devtools.make_node_fixtures` (needs dockerd, as the tests do).
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

from assessor.nodes.collect import collect_node
from tests.dockerd import PrivateDockerd, plant
from tests.node_root import make_root

SEED_NODES = ("172.16.10.21", "172.16.10.22")
OUT = Path("fixtures/nodes")


def main() -> None:
    daemon = PrivateDockerd().start()
    try:
        plant(daemon)
        with tempfile.TemporaryDirectory() as tmp:
            report = collect_node(daemon.host, make_root(Path(tmp)), timeout=20)
    finally:
        daemon.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    for name in SEED_NODES:
        # The temp paths of the run say nothing about a node: replace them with what a node would show.
        node = dataclasses.replace(report, hostname=name, root="/", docker_host="unix:///var/run/docker.sock")
        text = json.dumps(node.to_dict(), sort_keys=True, indent=1)
        text = text.replace(str(daemon.tmp / "data"), "/var/lib/docker").replace(str(daemon.tmp), "/srv")
        (OUT / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        print(f"wrote {OUT / f'{name}.json'}")


if __name__ == "__main__":
    main()
