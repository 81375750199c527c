"""How `assess` scales: a 150,000-pod cluster offline and live, growth with size, 10,000 manifest files.

    python bench/scale.py                 # full run: 5,000 nodes / 150,000 pods (about 1.4 GiB of JSON)
    python bench/scale.py --smoke         # a small run that checks the script itself

Every figure is a whole process (`python -m assessor …` or a floor script) measured by wall
time and peak RSS (ru_maxrss from wait4), the median of --runs runs, next to a reference
measured in the same run on the same file:

- the parse floor: `json.load` of the snapshot with the cyclic GC off, in a fresh process;
- the live path: the same objects served by the in-process API emulator over HTTP, every
  request counted, against the snapshot scan;
- growth: the snapshot scan at several sizes, per 1,000 pods;
- manifests: `assess manifests DIR` against loading every file with PyYAML's C loader.

It also checks that both scans report exactly the findings planted by bench/gen_cluster.py.
Not part of the test suite's pass/fail (tests/test_bench_smoke.py runs --smoke).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import re
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gen_cluster import write as write_cluster  # noqa: E402
from tests.emulator import KubeEmulator  # noqa: E402

FLOOR_JSON = "import gc, json, sys\ngc.disable()\nwith open(sys.argv[1], 'rb') as f:\n    json.load(f)\n"
FLOOR_YAML = """import os, sys, yaml
for d, _, files in os.walk(sys.argv[1]):
    for name in sorted(files):
        with open(os.path.join(d, name), encoding="utf-8") as f:
            list(yaml.load_all(f.read(), Loader=yaml.CSafeLoader))
"""
PAGE = 500
# /api/v1/nodes/NAME, /apis/apps/v1/namespaces/NS/deployments/NAME: a request for one object, not a list
NAMED_OBJECT = re.compile(r"^/(?:api/v1|apis/[^/]+/[^/]+)(?:/namespaces/[^/]+)?/(?!namespaces/)[^/]+/[^/]+$")


def measure(cmd: list[str], stdout: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS in MiB of one process; exit codes 0 and 1 (findings) are fine."""
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return wall, usage.ru_maxrss / 1024


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def side_by_side(
    runs: int, reference: list[str], cmd: list[str], stdout: Path | None = None
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Medians of the reference and of the command, run alternately so both see the same machine."""
    ref_samples, samples = [], []
    for i in range(runs):
        ref_samples.append(measure(reference))
        samples.append(measure(cmd, stdout if i == 0 else None))
    return medians(ref_samples), medians(samples)


def assess(*args: str) -> list[str]:
    return [sys.executable, "-m", "assessor", *args, "-o", "json", "--fail-on", "none"]


def findings_of(path: Path) -> list[list[str]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return sorted(
        [f["ruleId"], f["object"]["kind"], f["object"].get("namespace") or "", f["object"]["name"]]
        for f in doc["findings"]
    )


def compare(label: str, got: list[list[str]], expected: list[list[str]]) -> bool:
    g, e = Counter(map(tuple, got)), Counter(map(tuple, expected))
    missing, extra = e - g, g - e
    ok = not missing and not extra
    print(f"  {label}: {len(got)} findings, {'exactly the planted ones' if ok else 'NOT the planted ones'}")
    for name, diff in (("missing", missing), ("extra", extra)):
        for item in sorted(diff)[:5]:
            print(f"    {name}: {' '.join(item)}")
    return ok


def table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  " + "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))


FORMS = ("indented", "compact")


def cluster_file(work: Path, nodes: int, pods: int, form: str = "indented") -> tuple[Path, list[list[str]]]:
    """The generated List in one form: kubectl's 4-space indentation, or the API server's compact JSON."""
    suffix = "" if form == "indented" else f"-{form}"
    path = work / f"cluster-{nodes}n-{pods}p{suffix}.json"
    expected_path = path.with_name(path.name + ".expected.json")
    if path.exists() and expected_path.exists():
        return path, json.loads(expected_path.read_text(encoding="utf-8"))
    return path, write_cluster(path, nodes, pods, seed=1, indent=4 if form == "indented" else None)


def snapshot_vs_floor(
    path: Path, expected: list[list[str]], runs: int, work: Path, form: str = "indented"
) -> tuple[float, float, bool]:
    print(f"\n== snapshot, {form}: {path.name} ({path.stat().st_size / 1048576:.0f} MiB), median of {runs} ==")
    print(f"  planted: {dict(sorted(Counter(e[0] for e in expected).items()))}")
    out = work / f"snapshot-{form}-findings.json"
    floor, scan = side_by_side(
        runs, [sys.executable, "-c", FLOOR_JSON, str(path)], assess("cluster", "--snapshot", str(path)), out
    )
    table(
        [
            ["json.load, GC off (floor)", f"{floor[0]:.2f}", f"{floor[1]:.0f}", "1.00", "1.00"],
            [
                "assess cluster --snapshot",
                f"{scan[0]:.2f}",
                f"{scan[1]:.0f}",
                f"{scan[0] / floor[0]:.2f}",
                f"{scan[1] / floor[1]:.2f}",
            ],
        ],
        ["process", "wall s", "peak RSS MiB", "wall ratio", "RSS ratio"],
    )
    ok = compare(f"snapshot scan, {form}", findings_of(out), expected)
    wall_ok, rss_ok = scan[0] <= 1.5 * floor[0], scan[1] <= 2 * floor[1]
    print(f"  targets: wall <= 1.5x floor: {_yes(wall_ok)}; RSS <= 2x floor: {_yes(rss_ok)}")
    return scan[0], scan[1], ok


PROFILE = """import cProfile, pstats, sys
from assessor.cli import app
profiler = cProfile.Profile()
profiler.enable()
try:
    app(["cluster", "--snapshot", sys.argv[1], "-o", "json", "--fail-on", "none", "--output-file", sys.argv[2]])
except SystemExit:
    pass
profiler.disable()
stats = pstats.Stats(profiler, stream=sys.stdout)
stats.sort_stats("cumulative").print_stats(int(sys.argv[3]))
"""


# shorter rows: library paths without the interpreter's prefix
PREFIXES = (str(ROOT) + "/", sysconfig.get_paths()["purelib"] + "/", sysconfig.get_paths()["stdlib"] + "/")


def profile(path: Path, work: Path, top: int) -> None:
    """One scan under cProfile: the top functions by cumulative time (profiling slows Python code ~2x)."""
    print(f"\n== profile: assess cluster --snapshot {path.name}, top {top} by cumulative time ==")
    proc = subprocess.run(
        [sys.executable, "-c", PROFILE, str(path), str(work / "profile-findings.json"), str(top)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    lines = proc.stdout.splitlines()
    # pstats prints a preamble and a header before the rows: keep the totals and the rows
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    total = next((line.strip() for line in lines if "function calls" in line), "")
    print(f"  {total}")
    for line in lines[start:]:
        if line.strip():
            for prefix in PREFIXES:
                line = line.replace(prefix, "")
            print("  " + line.rstrip())
    if proc.returncode not in (0, 1):
        raise SystemExit(f"profiled scan failed: {proc.stderr.strip()[-500:]}")


FLOOR_IMPORT = "import yaml"


def startup(work: Path, runs: int) -> float:
    """A one-file manifest scan against `python -c "import yaml"`: the start-up a user waits for.

    CPU seconds (user + system, from wait4) are shown beside wall time: on a busy machine they
    say more about a 0.1 s process. Peak RSS is left out: a child's ru_maxrss starts from the
    benchmark process's own, which is far bigger.
    """
    one = work / "one-file.yaml"
    one.write_text(MANIFEST.format(i=1, ns=1, extra_env=""), encoding="utf-8")
    print(f"\n== start-up: assess manifests one-file.yaml, median of {runs} ==")
    floor_cmd, cmd = [sys.executable, "-c", FLOOR_IMPORT], assess("manifests", str(one))
    floor_samples, samples = [], []
    for _ in range(runs):
        floor_samples.append(_wall_and_cpu(floor_cmd))
        samples.append(_wall_and_cpu(cmd))
    floor, scan = medians(floor_samples), medians(samples)
    table(
        [
            ['python -c "import yaml" (floor)', f"{floor[0]:.3f}", f"{floor[1]:.3f}", "1.00", "1.00"],
            [
                "assess manifests one-file.yaml",
                f"{scan[0]:.3f}",
                f"{scan[1]:.3f}",
                f"{scan[0] / floor[0]:.2f}",
                f"{scan[1] / floor[1]:.2f}",
            ],
        ],
        ["process", "wall s", "CPU s", "wall ratio", "CPU ratio"],
    )
    return scan[0] / floor[0]


def _wall_and_cpu(cmd: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def serve(path: Path, kubeconfig: Path) -> None:
    """Child process: serve the snapshot's objects over HTTP until stdin says quit.

    The emulator lives in its own process so that the benchmark process stays small: a child
    started from a big parent inherits the parent's peak RSS in ru_maxrss.
    """
    with path.open("rb") as f:
        items = json.load(f)["items"]
    counts = Counter(f"{o['apiVersion']} {o['kind']}" for o in items)
    emulator = KubeEmulator(items, version="v1.23.17", cache_serialized=True)
    del items
    emulator.start()
    emulator.write_kubeconfig(kubeconfig)
    print(json.dumps(counts), flush=True)
    for line in sys.stdin:
        if line.strip() == "requests":
            print(json.dumps([[r.method, r.path, sorted(r.query)] for r in emulator.requests]), flush=True)
            emulator.requests.clear()
        elif line.strip() == "quit":
            break
    emulator.stop()


def live(path: Path, expected: list[list[str]], runs: int, work: Path, snapshot_wall: float) -> bool:
    print(f"\n== live: the same objects from the API emulator over HTTP, pages of {PAGE}, median of {runs} ==")
    kubeconfig = work / "kubeconfig"
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", str(path), "--kubeconfig", str(kubeconfig)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        # the server reports what it serves; the benchmark process never loads the file (see serve())
        counts = Counter({tuple(k.split(" ", 1)): n for k, n in json.loads(server.stdout.readline()).items()})
        out = work / "live-findings.json"
        samples = []
        requests: list[list[Any]] = []
        for i in range(runs):
            samples.append(measure(assess("cluster", "--kubeconfig", str(kubeconfig)), out if i == 0 else None))
            server.stdin.write("requests\n")
            server.stdin.flush()
            requests = json.loads(server.stdout.readline())
        wall, rss = medians(samples)
    finally:
        server.communicate("quit\n", timeout=120)
    by_path = Counter(r[1] for r in requests)
    per_object = [r for r in requests if NAMED_OBJECT.match(r[1])]
    rows = []
    pages_ok = True
    for (api_version, kind), n in sorted(counts.items(), key=lambda kv: kv[0][1]):
        group = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        list_path = f"{group}/{kind.lower()}s"
        got = by_path.get(list_path, 0)
        want = max(1, math.ceil(n / PAGE))
        pages_ok &= got == want
        rows.append([list_path, str(n), str(want), str(got)])
    others = sum(v for p, v in by_path.items() if not any(p == r[0] for r in rows))
    table(rows, ["list path", "objects", "pages of 500", "requests"])
    print(f"  other requests (empty resources, /version): {others}; per-object requests: {len(per_object)}")
    print(f"  total requests per scan: {len(requests)}")
    table(
        [
            ["assess cluster --snapshot", f"{snapshot_wall:.2f}", "-", "1.00"],
            ["assess cluster (live)", f"{wall:.2f}", f"{rss:.0f}", f"{wall / snapshot_wall:.2f}"],
        ],
        ["process", "wall s", "peak RSS MiB", "ratio"],
    )
    ok = compare("live scan", findings_of(out), expected)
    print(
        f"  targets: one request per page: {_yes(pages_ok)}; no per-object request: {_yes(not per_object)}; "
        f"wall <= 2x snapshot: {_yes(wall <= 2 * snapshot_wall)}"
    )
    return ok and pages_ok and not per_object


def growth(work: Path, sizes: list[int], runs: int) -> None:
    print(f"\n== growth: snapshot scan by cluster size (30 pods per node), median of {runs} ==")
    rows = []
    for pods in sizes:
        path, expected = cluster_file(work, max(1, pods // 30), pods)
        out = work / f"growth-{pods}.json"
        floor, (wall, rss) = side_by_side(
            runs, [sys.executable, "-c", FLOOR_JSON, str(path)], assess("cluster", "--snapshot", str(path)), out
        )
        exact = Counter(map(tuple, findings_of(out))) == Counter(map(tuple, expected))
        rows.append(
            [
                f"{pods:,}",
                f"{path.stat().st_size / 1048576:.0f}",
                f"{floor[0]:.2f}",
                f"{wall:.2f}",
                f"{wall / pods * 1000 * 1000:.1f}",
                f"{wall / floor[0]:.2f}",
                f"{rss:.0f}",
                "yes" if exact else "NO",
            ]
        )
    table(rows, ["pods", "MiB", "floor s", "assess s", "ms per 1k pods", "ratio", "RSS MiB", "exact"])


MANIFEST = """# Source: app-{i}/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{ns}
  labels: {{app.kubernetes.io/name: app-{i}, app.kubernetes.io/part-of: shop}}
spec:
  replicas: 3
  selector:
    matchLabels: {{app.kubernetes.io/name: app-{i}}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: app-{i}}}
    spec:
      containers:
        - name: app
          image: registry.example/app-{i}:1.{i}
          ports: [{{containerPort: 8080, name: http}}]
          env:
            - {{name: LOG_LEVEL, value: info}}
{extra_env}          readinessProbe: {{httpGet: {{path: /ready, port: http}}, periodSeconds: 5}}
          resources: {{requests: {{cpu: 100m, memory: 128Mi}}, limits: {{memory: 512Mi}}}}
          volumeMounts: [{{name: config, mountPath: /etc/app}}]
      volumes:
        - name: config
          configMap: {{name: app-{i}}}
---
# Source: app-{i}/templates/service.yaml
apiVersion: v1
kind: Service
metadata: {{name: app-{i}, namespace: team-{ns}}}
spec:
  selector: {{app.kubernetes.io/name: app-{i}}}
  ports: [{{port: 80, targetPort: http}}]
---
# Source: app-{i}/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata: {{name: app-{i}, namespace: team-{ns}}}
data:
  app.yaml: |
    listen: :8080
    log: {{format: json}}
"""


def manifests(work: Path, count: int, runs: int) -> None:
    folder = work / f"manifests-{count}"
    if not folder.exists():
        folder.mkdir()
        for i in range(count):
            extra = "            - {name: DOCKER_HOST, value: 'tcp://localhost:2375'}\n" if i % 50 == 0 else ""
            sub = folder / f"team-{i % 40:02d}"
            sub.mkdir(exist_ok=True)
            (sub / f"app-{i:05d}.yaml").write_text(MANIFEST.format(i=i, ns=i % 40, extra_env=extra), encoding="utf-8")
    print(f"\n== manifests: {count:,} files (3 documents each), median of {runs} ==")
    out = work / "manifest-findings.json"
    floor, (wall, rss) = side_by_side(
        runs, [sys.executable, "-c", FLOOR_YAML, str(folder)], assess("manifests", str(folder)), out
    )
    planted = sum(1 for i in range(count) if i % 50 == 0)
    got = sum(1 for f in findings_of(out) if f[0] == "DOCK006")
    table(
        [
            ["yaml.load_all, CSafeLoader (floor)", f"{floor[0]:.2f}", f"{floor[1]:.0f}", "1.00"],
            ["assess manifests", f"{wall:.2f}", f"{rss:.0f}", f"{wall / floor[0]:.2f}"],
        ],
        ["process", "wall s", "peak RSS MiB", "wall ratio"],
    )
    print(
        f"  DOCKER_HOST findings: {got} of {planted} planted; target wall <= 1.5x floor: {_yes(wall <= 1.5 * floor[0])}"
    )


def _yes(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000,50000,150000", help="pod counts for the growth table")
    parser.add_argument("--manifest-files", type=int, default=10_000)
    parser.add_argument("--work", type=Path, help="keep generated files here (default: a temporary folder)")
    parser.add_argument(
        "--parts",
        default="snapshot,live,growth,manifests,startup",
        help="which parts to run (also: profile, which is not in the default run)",
    )
    parser.add_argument("--forms", default=",".join(FORMS), help="snapshot forms: indented (kubectl), compact (API)")
    parser.add_argument("--profile-top", type=int, default=25, help="rows the profile part prints")
    parser.add_argument("--startup-runs", type=int, default=11)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run: checks the script, not speed")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--kubeconfig", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.kubeconfig)
        return 0
    if args.smoke:
        args.nodes, args.pods, args.runs, args.sizes, args.manifest_files = 20, 600, 1, "200,600", 40
        args.startup_runs = 1
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {os.uname().sysname} {os.uname().release}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    fast = importlib.util.find_spec("msgspec") is not None
    print(f"JSON input decoded by: {'msgspec' if fast else 'the standard library'}")
    forms = [f for f in args.forms.split(",") if f]
    if unknown := set(forms) - set(FORMS):
        parser.error(f"unknown form(s): {', '.join(sorted(unknown))} (known: {', '.join(FORMS)})")
    with tempfile.TemporaryDirectory(prefix="assess-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        parts = set(args.parts.split(","))
        if "live" in parts and "indented" not in forms:
            forms.insert(0, "indented")  # the live scan is compared with the indented snapshot scan
        print(f"cluster: {args.nodes:,} nodes, {args.pods:,} pods")
        ok = True
        snapshot_wall = 0.0
        if parts & {"snapshot", "live"}:
            for form in forms:
                form_path, form_expected = cluster_file(work, args.nodes, args.pods, form)
                wall, _, form_ok = snapshot_vs_floor(form_path, form_expected, args.runs, work, form)
                ok &= form_ok
                if form == "indented":
                    snapshot_wall = wall
        if "live" in parts:
            path, expected = cluster_file(work, args.nodes, args.pods)
            ok &= live(path, expected, args.runs, work, snapshot_wall)
        if "profile" in parts:
            for form in forms:
                profile(cluster_file(work, args.nodes, args.pods, form)[0], work, args.profile_top)
        if "growth" in parts:
            growth(work, sizes, args.runs)
        if "manifests" in parts:
            manifests(work, args.manifest_files, args.runs)
        if "startup" in parts:
            startup(work, args.startup_runs)
        print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\nfindings exactly as planted: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
