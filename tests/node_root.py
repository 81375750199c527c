"""A fake node filesystem for --root: each planted Docker use, and canary secrets never to be shown."""

from __future__ import annotations

import json
import os
from pathlib import Path

SECRETS = (
    "canary-login-pw-3f9a",  # docker login -p in a cron line
    "canary-url-pw-77b1",  # user:pass@ in a systemd unit
    "canary-auth-b64-c0de",  # auths.*.auth in /root/.docker/config.json
    "canary-token-5e5e",  # NAME_TOKEN= in rc.local
    "canary-key-material-9d2c",  # certs.d client.key contents
    "canary-user-auth-1111",  # /home/rancher/.docker/config.json
)


def make_root(base: Path) -> Path:
    root = base / "noderoot"

    def put(path: str, text: str, mode: int = 0o644) -> None:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        target.chmod(mode)

    put(
        "/etc/docker/daemon.json",
        json.dumps(
            {
                "registry-mirrors": ["https://mirror.corp.example:5000"],
                "insecure-registries": ["registry.lab:5000"],
                "log-driver": "json-file",
                "log-opts": {"max-size": "50m", "max-file": "3"},
                "data-root": "/data/docker",
                "default-runtime": "nvidia",
                "runtimes": {"nvidia": {"path": "nvidia-container-runtime", "runtimeArgs": []}},
                "live-restore": True,
                "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 65536, "Soft": 65536}},
                "bip": "172.26.0.1/16",
                "default-address-pools": [{"base": "172.80.0.0/16", "size": 24}],
                "debug": True,
            }
        ),
    )
    put("/etc/docker/certs.d/registry.corp.example:5000/ca.crt", "-----BEGIN CERTIFICATE-----\n")
    put("/etc/docker/certs.d/registry.corp.example:5000/client.cert", "-----BEGIN CERTIFICATE-----\n")
    put("/etc/docker/certs.d/registry.corp.example:5000/client.key", f"{SECRETS[4]}\n", 0o600)
    put("/etc/hostname", "node-a\n")
    put(
        "/etc/crontab",
        "SHELL=/bin/sh\nMAILTO=root\n# m h dom mon dow user command\n"
        "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"
        f"0 2 * * * root docker login -u ci -p {SECRETS[0]} registry.corp.example:5000\n"
        "30 3 * * * root docker system prune -af --filter until=24h\n",
    )
    put("/etc/cron.d/backup", "15 1 * * * root /usr/local/bin/backup.sh >/dev/null 2>&1\n")
    put("/usr/local/bin/backup.sh", "#!/bin/sh\nset -e\ndocker exec db pg_dumpall > /backup/db.sql\n", 0o755)
    put("/etc/cron.daily/docker-gc", "#!/bin/sh\n/usr/bin/docker image prune -f\n", 0o755)
    put("/var/spool/cron/crontabs/rancher", "@reboot docker start legacy-app\n")
    put(
        "/etc/systemd/system/legacy-app.service",
        "[Unit]\nAfter=docker.service\n[Service]\n"
        f"ExecStartPre=-/usr/bin/docker pull https://deploy:{SECRETS[1]}@registry.corp.example/app:1\n"
        "ExecStart=/usr/bin/docker run --rm --name legacy-app \\\n  -p 8080:80 registry.corp.example/app:1\n"
        "ExecStop=/usr/bin/docker stop legacy-app\n",
    )
    put(
        "/etc/systemd/system/docker.service.d/override.conf",
        "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n",
    )
    put("/etc/systemd/system/unrelated.service", "[Service]\nExecStart=/usr/bin/sleep infinity\n")
    put(
        "/etc/rc.local",
        f"#!/bin/sh\nexport REGISTRY_TOKEN={SECRETS[3]}\ndocker start monitoring-agent\nexit 0\n",
        0o755,
    )
    auth = {"auths": {"registry.corp.example:5000": {"auth": SECRETS[2]}, "docker.io": {}}, "credsStore": "pass"}
    put("/root/.docker/config.json", json.dumps(auth), 0o600)
    put(
        "/home/rancher/.docker/config.json",
        json.dumps({"auths": {"quay.io": {"auth": SECRETS[5]}}, "credHelpers": {"gcr.io": "gcloud"}}),
    )
    # Hostile entries: a FIFO where a crontab is expected, and a link pointing out of the root.
    os.mkfifo(root / "etc/cron.d/fifo")
    (root / "etc/cron.d/escape").symlink_to("/../../../../etc/shadow")
    return root
