"""The seed on one machine: two "nodes" on their own loopback addresses, each an nginx proxy in front
of an app backend, and an external nginx load balancer over both. Traffic never leaves 127.0.0.0/8.

The state file tells the switch script (switch.py) how to restart a node's backend and how to take a
node out of the load balancer.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NODES = {"node-a": "127.0.0.2", "node-b": "127.0.0.3"}
REPO = Path(__file__).resolve().parents[2]


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (str(p) if (p := Path("/usr/sbin/nginx")).exists() else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{host}:{port} did not open")


def nginx_conf(prefix: Path, http_block: str) -> str:
    temp = " ".join(f"{k}_temp_path {prefix}/tmp-{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
        f"events {{ worker_connections 1024; }}\nhttp {{\n  access_log off;\n  {temp}\n{http_block}\n}}\n"
    )


def lb_block(node_port: int, lb_port: int, down: set[str], log: Path) -> str:
    """The load balancer; its access log (when, status, X-Request-Id) is what the switch script waits on."""
    servers = "\n".join(f"    server {ip}:{node_port}{' down' if name in down else ''};" for name, ip in NODES.items())
    # random, not round robin: with two samplers sending in step, round robin would send every request of
    # one sampler to the same node, and each sampler would see only one node's outage.
    return (
        f"  log_format lab '$msec $status $http_x_request_id';\n"
        f"  upstream nodes {{\n    random;\n{servers}\n  }}\n  server {{\n    listen 127.0.0.1:{lb_port};\n"
        f"    access_log {log} lab;\n"
        "    location / { proxy_pass http://nodes; proxy_next_upstream off; }\n  }"
    )


def node_block(ip: str, node_port: int, app_port: int) -> str:
    return (
        f"  upstream app {{ server {ip}:{app_port}; }}\n  server {{\n    listen {ip}:{node_port};\n"
        "    location / { proxy_pass http://app; }\n  }"
    )


@dataclass
class Lab:
    root: Path
    nginx: str
    node_port: int = field(default_factory=free_port)
    app_port: int = field(default_factory=free_port)
    lb_port: int = field(default_factory=free_port)
    apps: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}/"

    def _start_nginx(self, name: str, block: str) -> None:
        prefix = self.root / name
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "nginx.conf").write_text(nginx_conf(prefix, block))
        subprocess.run(
            [self.nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def start_app(self, name: str) -> None:
        self.apps[name] = subprocess.Popen(
            [sys.executable, "-m", "tests.lab.app", NODES[name], str(self.app_port)], cwd=REPO
        )
        wait_port(NODES[name], self.app_port)

    def start(self) -> None:
        for name in NODES:
            self.start_app(name)
            self._start_nginx(name, node_block(NODES[name], self.node_port, self.app_port))
        self._start_nginx("lb", lb_block(self.node_port, self.lb_port, set(), self.root / "lb" / "access.log"))
        wait_port("127.0.0.1", self.lb_port)
        state = {
            "python": sys.executable,
            "repo": str(REPO),
            "nginx": self.nginx,
            "root": str(self.root),
            "nodes": NODES,
            "node_port": self.node_port,
            "app_port": self.app_port,
            "lb_port": self.lb_port,
            "pids": {name: proc.pid for name, proc in self.apps.items()},
        }
        (self.root / "state.json").write_text(json.dumps(state))

    def stop(self) -> None:
        for name in [*NODES, "lb"]:
            prefix = self.root / name
            if (prefix / "nginx.pid").exists():
                subprocess.run(
                    [self.nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-s", "quit"],
                    capture_output=True,
                    timeout=30,
                )
        state_file = self.root / "state.json"
        pids: dict[str, Any] = json.loads(state_file.read_text())["pids"] if state_file.exists() else {}
        for pid in pids.values():
            subprocess.run(["kill", str(pid)], capture_output=True)
        for proc in self.apps.values():
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
