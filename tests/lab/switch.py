"""The lab's switch command: restarts each node's backend in turn and prints rke-style log lines.

python -m tests.lab.switch STATE_FILE abrupt|graceful

abrupt: like `rke up` with drain off: the backend stops while the load balancer still sends to
the node. graceful: the node is taken out of the load balancer first and put back after.
Bounded: each wait has a deadline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.lab.lab import lb_block, wait_port


def log(msg: str) -> None:
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    print(f'time="{stamp}" level=info msg="{msg}"', flush=True)


def reload_lb(state: dict, down: set[str]) -> None:  # type: ignore[type-arg]
    prefix = Path(state["root"]) / "lb"
    conf = (prefix / "nginx.conf").read_text()
    head, _, _ = conf.partition("  upstream nodes")
    (prefix / "nginx.conf").write_text(head + lb_block(state["node_port"], state["lb_port"], down) + "\n}\n")
    subprocess.run(
        [state["nginx"], "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-s", "reload"],
        check=True,
        capture_output=True,
        timeout=30,
    )


def main() -> None:
    state_file, mode = Path(sys.argv[1]), sys.argv[2]
    state = json.loads(state_file.read_text())
    for name, ip in state["nodes"].items():
        log(f"[workerplane] Processing host {ip}")
        log(f"[worker] Cordoning node {ip}")
        if mode == "graceful":
            reload_lb(state, {name})
            time.sleep(1.5)  # let in-flight requests finish on the old worker
        log(f"Stopping container [app] on host [{ip}] with stopTimeoutDuration [5s], try #1")
        os.kill(state["pids"][name], signal.SIGTERM)
        time.sleep(2.0)
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
        time.sleep(4.0)  # the next node starts after a stretch of good requests
    log("Finished building Kubernetes cluster successfully")


if __name__ == "__main__":
    main()
