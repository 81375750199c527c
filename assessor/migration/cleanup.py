"""The RKE1 node cleanup the in-place runbook runs before RKE2 starts on a node (rules/migration/rke1-cleanup.yaml).

Every command is safe to run when there is nothing to clean: no container running, a directory
already gone, an interface that never existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assessor.engine.tables import TableError, read_table
from assessor.migration.shell import sh
from assessor.paths import rules_dir

FIELDS = {"kind": str, "path": str}
# how the runbook cites it (the table's `source` names the exact pages and script)
CLEANUP_SOURCE = (
    "Rancher's cleanup for RKE1 nodes, ranchermanager.docs.rancher.com clean-cluster-nodes, "
    "and rancherlabs/support-tools extended-cleanup-rancher2.sh"
)
KINDS = ("dir", "interface")


@dataclass(frozen=True, slots=True)
class Cleanup:
    dirs: tuple[str, ...]
    interfaces: tuple[str, ...]


def read_cleanup(file: Path) -> Cleanup:
    entries = read_table(file, "items", FIELDS)
    for i, entry in enumerate(entries):
        if entry["kind"] not in KINDS:
            raise TableError(f"{file}: items[{i}]: kind must be one of {', '.join(KINDS)}")
        if entry["kind"] == "dir" and (not entry["path"].startswith("/") or entry["path"].rstrip("/") in ("", "/")):
            raise TableError(f"{file}: items[{i}]: a dir must be an absolute path below /")
    return Cleanup(
        tuple(e["path"] for e in entries if e["kind"] == "dir"),
        tuple(e["path"] for e in entries if e["kind"] == "interface"),
    )


@lru_cache(maxsize=1)
def load_cleanup() -> Cleanup:
    return read_cleanup(rules_dir() / "migration" / "rke1-cleanup.yaml")


# `docker ps -q` prints nothing when no container runs; `docker stop` with no argument fails, and
# with `&&` the whole step stops there. xargs -r runs nothing on empty input.
STOP_CONTAINERS = "docker ps -q | xargs -r docker stop"
REMOVE_CONTAINERS = "docker ps -qa | xargs -r docker rm -f"


def cleanup_commands(cleanup: Cleanup) -> list[str]:
    """Shell commands, in order, each of which succeeds when there is nothing to do."""
    dirs = " ".join(sh(d) for d in cleanup.dirs)
    interfaces = " ".join(sh(i) for i in cleanup.interfaces)
    return [
        f"{STOP_CONTAINERS}; {REMOVE_CONTAINERS}; systemctl disable --now docker",
        "mount | awk '$3 ~ \"^/var/lib/kubelet\" {print $3}' | sort -r | xargs -r umount",
        f"rm -rf {dirs}",
        f'for i in {interfaces}; do ip link show "$i" >/dev/null 2>&1 && ip link delete "$i"; done; true',
        # rules and chains of kube-proxy and the CNI only, the way rke2-killall.sh drops them; the
        # cleanup script's full flush would also drop the host's own firewall
        "iptables-save | grep -v -E 'KUBE-|CNI-|cali-|flannel|WEAVE' | iptables-restore",
    ]
