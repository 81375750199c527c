"""Which RKE2 version the plan installs, why, and what the new cluster will no longer serve."""

from __future__ import annotations

from assessor.model.kversion import KubeVersion, Minor, VersionError
from assessor.versions.hoppath import HopPath
from assessor.versions.matrix import load_matrix


def _minor(version: str | None) -> Minor | None:
    try:
        return KubeVersion.parse(version).minor_version if version else None
    except VersionError:
        return None


def rke2_reason(versions: HopPath | None, rke2_version: str | None) -> str:
    """One sentence an operator can check: the rule that picked the version, and the data it came from."""
    matrix = load_matrix()
    minor = _minor(rke2_version)
    if rke2_version is None or minor is None:
        return (
            "unknown: the cluster's current Kubernetes version is not known (give cluster.yml kubernetes_version, "
            "--rke-version, a snapshot or a live cluster); pick the newest patch of your minor from docs.rke2.io"
        )
    newest = max((line.minor for line in matrix.rke2), default=minor)
    target = versions.target if versions is not None else None
    behind = newest.minus(minor)
    source = matrix.sources.get("rke2", "rules/versions/rke2.yaml")
    text = (
        f"{rke2_version} is the newest patch of v{minor} in the bundled RKE2 data ({source}). "
        f"v{minor} is where the RKE1 path ends"
        + (f" (target v{target})" if target is not None else "")
        + ": in place, RKE2 must start on the minor the RKE1 cluster runs, because the migration restores its etcd."
    )
    if behind > 0:
        text += (
            f" It is {behind} minor{'s' if behind > 1 else ''} behind the newest line in that data (v{newest}): check "
            "that v" + str(minor) + " is still supported on docs.rke2.io before installing, and continue one minor "
            "at a time after the move (blue/green can start directly on a supported minor)."
        )
    return text


def unserved_objects(versions: HopPath | None, rke2_version: str | None) -> list[str]:
    """Objects whose apiVersion the RKE2 version no longer serves: every removal up to its minor, at once."""
    minor = _minor(rke2_version)
    if versions is None or minor is None:
        return []
    out = []
    for use in versions.removed_apis:
        if Minor.parse(str(use["removed_in"])) <= minor:
            names = ", ".join(use["objects"][:5]) + (" …" if use["count"] > 5 else "")
            move = f"move to {use['replacement']}" if use.get("replacement") else "no replacement: remove or rewrite"
            out.append(
                f"{use['count']} {use['kind']} on {use['apiVersion']} (removed in v{use['removed_in']}; {move}): "
                f"{names}"
            )
    return out
