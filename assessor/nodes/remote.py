"""The collector's entry point on a node: `python3 -m assessor.nodes.remote` prints one node JSON.

Used by the DaemonSet (deploy/node-collector.yaml) and, shipped as source over SSH's stdin, by
ssh.py. Exit 0 with the JSON on stdout; exit 2 with one line on stderr when it cannot run at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assessor.nodes.collect import collect_node


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="assessor.nodes.remote", description=__doc__)
    parser.add_argument("--docker-host", default=None, help="Engine URL (default: $DOCKER_HOST, then the socket)")
    parser.add_argument("--root", default="/", help="the node's filesystem root (default /)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per Engine API call")
    args = parser.parse_args(argv)
    try:
        report = collect_node(args.docker_host, Path(args.root), args.timeout)
        json.dump(report.to_dict(), sys.stdout, sort_keys=True)
        sys.stdout.write("\n")
    except Exception as exc:  # the one place a failure must become a line, not a traceback
        print(f"assessor.nodes.remote: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
