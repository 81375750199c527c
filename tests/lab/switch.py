"""The lab's switch command: restarts each node's backend in turn and prints rke-style log lines.

python -m tests.lab.switch STATE_FILE abrupt|graceful

abrupt: like `rke up` with drain off: the backend stops while the load balancer still sends to
the node. graceful: the node is taken out of the load balancer first and put back after.

Each step waits for what the run itself has served, read from the load balancer's access log,
never for a fixed time: a busy machine slows the run and the script alike. Bounded: each wait
has a deadline, and missing it fails the command.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.lab.lab import lb_block, nginx_conf, wait_port

# Longer than the switch test's merge window (2 s): two nodes' outages stay two intervals.
GOOD_STRETCH = 2.5


def log(msg: str) -> None:
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    print(f'time="{stamp}" level=info msg="{msg}"', flush=True)


@dataclass(frozen=True)
class Served:
    at: float  # nginx $msec
    status: int
    sampler: str


class AccessLog:
    """The load balancer's access log, read from a mark on: what the run's samplers have been answered."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.samplers = {r.sampler for r in self.since_mark()}  # every sampler of the baseline phase

    def since_mark(self) -> list[Served]:
        raw = self.path.read_bytes()[self.offset :] if self.path.exists() else b""
        rows = []
        for line in raw.decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1].isdigit() and parts[2].count("-") >= 2:
                # X-Request-Id is RUNID-SAMPLER-SEQ
                rows.append(Served(float(parts[0]), int(parts[1]), parts[2].rsplit("-", 2)[1]))
        return rows

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def wait(self, what: str, done: Callable[[list[Served]], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not done(self.since_mark()):
            if time.monotonic() > deadline:
                raise SystemExit(f"lab switch: {what} did not happen within {timeout:.0f} s")
            time.sleep(0.05)

    def each_sampler(self, rows: list[Served], status: int, count: int) -> bool:
        return all(sum(r.sampler == s and r.status == status for r in rows) >= count for s in self.samplers)

    def good_stretch(self, rows: list[Served]) -> bool:
        """Every sampler has been answered 200 over more than GOOD_STRETCH seconds since the mark."""
        for sampler in self.samplers:
            good = [r.at for r in rows if r.sampler == sampler and r.status == 200]
            if not good or good[-1] - good[0] < GOOD_STRETCH:
                return False
        return True


def reload_lb(state: dict, down: set[str]) -> None:  # type: ignore[type-arg]
    prefix = Path(state["root"]) / "lb"
    block = lb_block(state["node_port"], state["lb_port"], down, prefix / "access.log")
    (prefix / "nginx.conf").write_text(nginx_conf(prefix, block))
    subprocess.run(
        [state["nginx"], "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-s", "reload"],
        check=True,
        capture_output=True,
        timeout=30,
    )


def main() -> None:
    state_file, mode = Path(sys.argv[1]), sys.argv[2]
    state = json.loads(state_file.read_text())
    served = AccessLog(Path(state["root"]) / "lb" / "access.log")
    if not served.samplers:
        raise SystemExit("lab switch: the load balancer has served nothing yet; start it after the baseline")
    for name, ip in state["nodes"].items():
        log(f"[workerplane] Processing host {ip}")
        log(f"[worker] Cordoning node {ip}")
        if mode == "graceful":
            reload_lb(state, {name})
            served.mark()
            # in-flight requests finish on the old worker while new ones already go to the other node
            served.wait("requests after taking the node out", lambda rows: served.each_sampler(rows, 200, 3))
        log(f"Stopping container [app] on host [{ip}] with stopTimeoutDuration [5s], try #1")
        os.kill(state["pids"][name], signal.SIGTERM)
        served.mark()
        if mode == "abrupt":
            # the outage lasts until every sampler has met it
            served.wait(f"502s from {ip}", lambda rows: served.each_sampler(rows, 502, 2))
        else:
            served.wait("requests while the backend is down", lambda rows: served.each_sampler(rows, 200, 5))
        log(f"Starting container [app] on host [{ip}], try #1")
        proc = subprocess.Popen(
            [state["python"], "-m", "tests.lab.app", ip, str(state["app_port"])],
            cwd=state["repo"],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(ip, state["app_port"])
        state["pids"][name] = proc.pid
        state_file.write_text(json.dumps(state))
        if mode == "graceful":
            reload_lb(state, set())
        log(f"[worker] Uncordoning node {ip}")
        served.mark()
        # the next node starts after a stretch of good requests
        served.wait("a stretch of good requests", served.good_stretch)
    log("Finished building Kubernetes cluster successfully")


if __name__ == "__main__":
    main()
