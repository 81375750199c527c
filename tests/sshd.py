"""Real OpenSSH servers for the fan-out tests: throwaway host and user keys, one sshd per port.

Each sshd runs in the foreground (-D) with its own sshd_config under a temp dir (127.0.0.1 only,
key auth only, no PAM) and is stopped by its PID. `ssh_config` is a client config that trusts
only these host keys (a known_hosts file written here), so no user file is read or written.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class SshdError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SshdFarm:
    def __init__(self, count: int) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="assess-sshd-"))
        os.chmod(self.tmp, 0o700)
        self.count = count
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        self.user = getpass.getuser()
        self.user_key = self.tmp / "id_ed25519"
        self.host_key = self.tmp / "ssh_host_ed25519_key"
        self.ssh_config = self.tmp / "ssh_config"

    def start(self, timeout: float = 20.0) -> SshdFarm:
        sshd = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
        if sshd is None:
            raise SshdError("sshd not found: install openssh-server (.ci/run does)")
        for key in (self.user_key, self.host_key):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, capture_output=True
            )
        (self.tmp / "authorized_keys").write_text(Path(f"{self.user_key}.pub").read_text())
        host_pub = Path(f"{self.host_key}.pub").read_text().split()
        # Privilege separation directory: sshd refuses to start without it (a packaged path).
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        known = []
        for i in range(self.count):
            port = free_port()
            config = self.tmp / f"sshd_config.{i}"
            config.write_text(
                f"ListenAddress 127.0.0.1:{port}\n"
                f"HostKey {self.host_key}\n"
                f"AuthorizedKeysFile {self.tmp}/authorized_keys\n"
                f"PidFile {self.tmp}/sshd.{i}.pid\n"
                "UsePAM no\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                "PermitRootLogin prohibit-password\nAllowTcpForwarding yes\nLogLevel ERROR\n"
            )
            log = (self.tmp / f"sshd.{i}.log").open("wb")
            self.procs.append(
                subprocess.Popen(
                    [sshd, "-D", "-e", "-f", str(config)], stdout=log, stderr=log, stdin=subprocess.DEVNULL
                )
            )
            self.ports.append(port)
            known.append(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}")
        (self.tmp / "known_hosts").write_text("\n".join(known) + "\n")
        self.ssh_config.write_text(
            "Host *\n"
            f"  UserKnownHostsFile {self.tmp}/known_hosts\n"
            "  StrictHostKeyChecking yes\n"
            "  GlobalKnownHostsFile /dev/null\n"
        )
        deadline = time.monotonic() + timeout
        for i, port in enumerate(self.ports):
            while True:
                if self.procs[i].poll() is not None:
                    raise SshdError(f"sshd on port {port} exited {self.procs[i].returncode}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SshdError(f"sshd on port {port} not listening after {timeout:g}s") from None
                    time.sleep(0.1)
        return self

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        shutil.rmtree(self.tmp, ignore_errors=True)
