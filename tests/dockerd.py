"""A private Docker Engine for tests: its own socket, data-root and exec-root under a temp dir.

Started from the Debian docker.io package's dockerd (which starts its own containerd with its
config, socket and state under --exec-root and --data-root), stopped by its PID. Images are built
with `docker import` from a busybox-static rootfs: no registry is reachable. When dockerd cannot
start, `start()` raises: the tests that use it fail, they never skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

BUSYBOX_APPLETS = ("sh", "sleep", "head", "echo", "cat", "ls")


class DockerdError(RuntimeError):
    pass


def _busybox() -> str:
    for path in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.isfile(path):
            return path
    raise DockerdError("busybox not found: install busybox-static (.ci/run does)")


class PrivateDockerd:
    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="assess-dockerd-"))
        self.socket = self.tmp / "docker.sock"
        self.host = f"unix://{self.socket}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.tmp / "dockerd.log"

    def start(self, timeout: float = 60.0) -> PrivateDockerd:
        dockerd = shutil.which("dockerd")
        if dockerd is None:
            raise DockerdError("dockerd not found: install docker.io (.ci/run does)")
        cmd = [
            dockerd,
            "--host",
            self.host,
            "--data-root",
            str(self.tmp / "data"),
            "--exec-root",
            str(self.tmp / "exec"),
            "--pidfile",
            str(self.tmp / "docker.pid"),
            "--bridge=none",
            "--iptables=false",
            "--ip-masq=false",
            # busybox sleep as PID 1 ignores SIGTERM: don't wait the default 10s per stop.
            "--shutdown-timeout=1",
        ]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DockerdError(f"dockerd exited {self.proc.returncode}: {self._log_tail()}")
            if self.socket.exists() and self.docker("version", check=False).returncode == 0:
                return self
            time.sleep(0.2)
        self.stop()
        raise DockerdError(f"dockerd did not answer within {timeout:g}s: {self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-5:])
        except OSError:
            return "(no log)"

    def docker(self, *args: str, check: bool = True, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        docker = shutil.which("docker")
        if docker is None:
            raise DockerdError("docker CLI not found: install docker.io (.ci/run does)")
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env["DOCKER_HOST"] = self.host
        env["DOCKER_CONFIG"] = str(self.tmp / "client")  # never the user's ~/.docker
        proc = subprocess.run([docker, *args], env=env, input=stdin, capture_output=True, timeout=120, check=False)
        if check and proc.returncode != 0:
            raise DockerdError(f"docker {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
        return proc

    def import_busybox(self, ref: str, extra_file: str = "") -> str:
        """`docker import` a rootfs of busybox-static and its applet links; returns the image id."""
        rootfs = Path(tempfile.mkdtemp(dir=self.tmp, prefix="rootfs-"))
        (rootfs / "bin").mkdir()
        shutil.copy2(_busybox(), rootfs / "bin" / "busybox")
        for applet in BUSYBOX_APPLETS:
            (rootfs / "bin" / applet).symlink_to("busybox")
        for d in ("data", "tmp", "proc", "sys", "dev", "etc"):
            (rootfs / d).mkdir()
        if extra_file:
            (rootfs / "etc" / "marker").write_text(extra_file)
        tar_path = self.tmp / f"{rootfs.name}.tar"
        with tarfile.open(tar_path, "w") as tar:
            tar.add(rootfs, arcname=".")
        out = self.docker("import", str(tar_path), ref)
        return out.stdout.decode().strip()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        # dockerd unmounts its overlays on a clean stop; after a kill some may remain.
        try:
            mounts = Path("/proc/mounts").read_text().splitlines()
        except OSError:
            mounts = []
        for line in reversed(mounts):
            fields = line.split()
            if len(fields) > 1 and fields[1].startswith(str(self.tmp)):
                subprocess.run(["umount", "-l", fields[1]], capture_output=True, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


ENV_CANARY = "canary-env-value-51f0"
ANNOTATION_CANARY = "canary-annotation-a7a7"
VOLUME_BYTES = 200_000


class PlantedDockerd:
    """What `plant` put in the daemon, for the assertions."""

    def __init__(self, daemon: PrivateDockerd, imported_id: str, loaded_ref: str, bind_dir: Path) -> None:
        self.daemon = daemon
        self.host = daemon.host
        self.imported_id = imported_id
        self.loaded_ref = loaded_ref
        self.bind_dir = bind_dir


RKE_KUBELET_IMAGE = "rancher/hyperkube:v1.20.15-rancher1"


def plant(daemon: PrivateDockerd) -> PlantedDockerd:
    """Non-kubelet containers (restart policy, bind mount, named volume with data), kubelet-labelled
    ones, an imported and a `docker load`ed local-only image."""
    imported = daemon.import_busybox("local/busybox:1")
    daemon.import_busybox("local/loaded:1", extra_file="loaded")
    tar = daemon.tmp / "loaded.tar"
    daemon.docker("save", "-o", str(tar), "local/loaded:1")
    daemon.docker("rmi", "local/loaded:1")
    daemon.docker("load", "-i", str(tar))
    bind_dir = daemon.tmp / "bind"
    bind_dir.mkdir()
    run = ("run", "-d", "--network", "none")
    daemon.docker(
        *run,
        "--name",
        "legacy-backup",
        "--restart",
        "unless-stopped",
        "-e",
        f"BACKUP_PASSWORD={ENV_CANARY}",
        "-v",
        f"{bind_dir}:/backup:ro",
        "-v",
        "appdata:/data",
        "local/busybox:1",
        "sh",
        "-c",
        f"head -c {VOLUME_BYTES} /dev/zero > /data/blob && echo ok > /data/done && exec sleep 3600",
    )
    for pod, ns, container in (("web-1", "shop", "web"), ("agent-x", "monitoring", "agent")):
        daemon.docker(
            *run,
            "--name",
            f"k8s_{container}_{pod}_{ns}_uid_0",
            "--label",
            f"io.kubernetes.pod.name={pod}",
            "--label",
            f"io.kubernetes.pod.namespace={ns}",
            "--label",
            f"io.kubernetes.container.name={container}",
            "--label",
            f"annotation.kubectl.kubernetes.io/last-applied-configuration={ANNOTATION_CANARY}",
            "-e",
            f"API_TOKEN={ENV_CANARY}",
            "local/loaded:1",
            "sleep",
            "3600",
        )
    # RKE1's own kubelet, as `rke up` names it (not kubelet-labelled), with flags to compare with cluster.yml.
    daemon.import_busybox(RKE_KUBELET_IMAGE)
    daemon.docker(
        *run,
        "--name",
        "kubelet",
        RKE_KUBELET_IMAGE,
        "sh",
        "-c",
        "exec sleep 3600",
        "kubelet",
        "--max-pods=110",
        "--v=2",
    )
    # The volume's data must be on disk before /system/df sizes it.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = daemon.docker("exec", "legacy-backup", "ls", "/data", check=False)
        if b"done" in out.stdout:
            break
        time.sleep(0.2)
    else:
        raise DockerdError("the planted volume was not written")
    return PlantedDockerd(daemon, imported, "local/loaded:1", bind_dir)
