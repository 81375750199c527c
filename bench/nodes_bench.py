"""Node collection figures: time per node against a private dockerd, and the SSH fan-out time.

Run: python bench/nodes_bench.py [--repeat N]
Needs root, docker.io, containerd, busybox-static and openssh-server (.ci/run installs them).
Starts a private dockerd with the planted containers of tests/dockerd.py and three sshd "nodes" on
127.0.0.1 (plus one unreachable port); prints figures; not part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assessor.catalog import bundled_rules
from assessor.nodes.collect import collect_node
from assessor.nodes.ssh import SshEndpoint, SshTarget, collect_many
from assessor.nodescan import NodeInput, scan_nodes
from assessor.versions.matrix import load_matrix
from tests.dockerd import PrivateDockerd, plant
from tests.node_root import make_root
from tests.sshd import SshdFarm, free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    daemon = PrivateDockerd().start()
    farm = SshdFarm(3)
    try:
        planted = plant(daemon)
        root = make_root(Path(tempfile.mkdtemp(dir=daemon.tmp)))
        local = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = collect_node(planted.host, root, timeout=20)
            local.append(time.perf_counter() - start)
        print(
            f"local collect: {len(report.containers)} containers, {len(report.images)} images, "
            f"{len(report.volumes)} volumes, {len(report.automation)} automation lines: "
            f"median {statistics.median(local) * 1000:.0f} ms over {args.repeat} runs"
        )
        rules, matrix = bundled_rules(), load_matrix()
        checked = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = collect_node(planted.host, root, timeout=20)
            findings = scan_nodes(rules, [NodeInput(report)], matrix, matrix.newest_rke1_minor()).findings
            checked.append(time.perf_counter() - start)
        print(
            f"assess node work (collect + {len(findings)} findings from the node rules): "
            f"median {statistics.median(checked) * 1000:.0f} ms over {args.repeat} runs"
        )
        whole = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "assessor",
                    "node",
                    "--docker-host",
                    planted.host,
                    "--root",
                    str(root),
                    "-o",
                    "json",
                ],
                capture_output=True,
                check=False,
            )
            whole.append(time.perf_counter() - start)
        print(f"`assess node -o json` process, start to exit: median {statistics.median(whole):.2f} s over 3 runs")
        farm.start()
        key = str(farm.user_key)
        targets = [
            SshTarget(f"node-{i}", SshEndpoint("127.0.0.1", port, farm.user, key), None, planted.host, str(root))
            for i, port in enumerate(farm.ports)
        ]
        for parallel in (1, 3):
            start = time.perf_counter()
            outcomes = collect_many(targets, parallel=parallel, timeout=60, ssh_config=str(farm.ssh_config))
            took = time.perf_counter() - start
            per_node = ", ".join(f"{o.target.name} {o.status} {o.seconds:.2f}s" for o in outcomes)
            print(f"ssh fan-out, 3 nodes, --parallel {parallel}: {took:.2f}s ({per_node})")
        down = [*targets, SshTarget("node-down", SshEndpoint("127.0.0.1", free_port(), farm.user, key))]
        start = time.perf_counter()
        outcomes = collect_many(down, parallel=4, timeout=60, ssh_config=str(farm.ssh_config))
        took = time.perf_counter() - start
        print(f"ssh fan-out, 3 nodes + 1 unreachable, --parallel 4: {took:.2f}s ({[o.status for o in outcomes]})")
    finally:
        farm.stop()
        daemon.stop()


if __name__ == "__main__":
    main()
