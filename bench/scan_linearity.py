"""Scanning a file stays linear in its size: time one ConfigMap and one manifest file at growing sizes.

Run: python bench/scan_linearity.py
Prints the median of 5 runs per size and the time per MiB; a linear scanner keeps
the last column flat. Not part of the test suite's pass/fail.
"""

from __future__ import annotations

import statistics
import time

from assessor.catalog import bundled_rules
from assessor.gcpause import paused_gc
from assessor.model.problems import Problems
from assessor.scan import scan
from assessor.sources.files import objects_from_bytes
from assessor.sources.result import SourceResult

FLUENT_BIT_BLOCK = """\
    [INPUT]
        Name              tail
        Path              /var/log/containers/*.log
        multiline.parser  docker, cri
        # Parser docker
    [FILTER]
        Name   kubernetes
        Match  kube.*
"""

DAEMONSET = """\
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent-{i}, namespace: monitoring}}
spec:
  selector: {{matchLabels: {{app: agent-{i}}}}}
  template:
    metadata: {{labels: {{app: agent-{i}}}}}
    spec:
      containers:
        - name: agent
          image: example/agent:{i}
          args: ["--docker-socket=/host/run/docker.sock", "--interval=10s"]
          env: [{{name: DOCKER_HOST, value: "unix:///host/var/run/docker.sock"}}]
          volumeMounts: [{{name: run, mountPath: /host/run}}]
      volumes: [{{name: run, hostPath: {{path: /run}}}}]
"""


def configmap(blocks: int) -> bytes:
    body = FLUENT_BIT_BLOCK * blocks
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fb, namespace: logging}\ndata:\n"
        "  fluent-bit.conf: |\n" + body
    ).encode()


def manifests(count: int) -> bytes:
    return "".join(DAEMONSET.format(i=i) for i in range(count)).encode()


def timed(raw: bytes, rules: list) -> float:  # type: ignore[type-arg]
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        with paused_gc():  # as scan_paths() does
            source = SourceResult(kind="manifests", description={"type": "manifests", "paths": ["bench"]})
            source.objects = list(objects_from_bytes(raw, "bench.yaml", Problems(), max_bytes=None))
        scan(source, rules)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    rules = bundled_rules()
    for label, make, sizes in (
        ("ConfigMap blocks", configmap, (100, 1000, 10000)),
        ("DaemonSets in one file", manifests, (100, 1000, 5000)),
    ):
        print(f"{label:<24}{'size MiB':>10}{'median s':>10}{'s per MiB':>11}")
        for n in sizes:
            raw = make(n)
            mib = len(raw) / 1048576
            t = timed(raw, rules)
            print(f"{n:<24}{mib:>10.2f}{t:>10.3f}{t / mib:>11.3f}")


if __name__ == "__main__":
    main()
