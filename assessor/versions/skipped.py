"""UPG001: a kubernetes_version that would take the control plane over more than one minor at once.

A target is where the hop path goes, not an edit anyone made: the path itself goes one minor
per hop. What skips minors is an edit: cluster.yml's kubernetes_version set more than one
minor past what the cluster runs (its kubelets or API server), which the next `rke up` would
apply as is. When nothing says what the cluster runs, cluster.yml is the only version known,
and a jump is only the user's word: `--direct` says they mean to set the target in one edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessor.model.kversion import KubeVersion, Minor, VersionError
from assessor.versions.current import CurrentState

RUNNING_SOURCES = ("api-server", "kubelets")


@dataclass(frozen=True, slots=True)
class SkippedMinors:
    start: Minor  # what the control plane runs (or cluster.yml says, without a cluster)
    end: Minor  # where the edit would take it
    text: str

    @property
    def count(self) -> int:
        return self.end.minus(self.start) - 1


def _configured(current: CurrentState) -> KubeVersion | None:
    text = current.config.kubernetes_version if current.config is not None else None
    try:
        return KubeVersion.parse(text) if text else None
    except VersionError:
        return None  # reported by the version assessment already


def _between(start: Minor, end: Minor) -> str:
    first = f"v{start.next()}"
    return first if end.minus(start) == 2 else f"{first}–v{Minor(end.major, end.minor - 1)}"


SKEW = "the skew policy allows one minor per control-plane upgrade, and RKE does not stop it"


def _jump(start: Minor, end: Minor, why: str, advice: str) -> SkippedMinors | None:
    """A control-plane move from start to end in one step, when it skips at least one minor."""
    if end.minus(start) <= 1:
        return None
    skipped = end.minus(start) - 1
    return SkippedMinors(
        start,
        end,
        f"{why} would take the control plane from v{start} to v{end} in one step, skipping {skipped} "
        f"minor{'s' if skipped > 1 else ''} ({_between(start, end)}); {SKEW}: {advice}",
    )


def skipped_minors(current: CurrentState, target: Minor | None, direct: bool) -> SkippedMinors | None:
    configured = _configured(current)
    running = current.kubernetes if current.kubernetes_from in RUNNING_SOURCES else None
    if running is not None and configured is not None:
        return _jump(
            running.minor_version,
            configured.minor_version,
            f"cluster.yml sets kubernetes_version {configured.text} but the cluster runs {running.text} "
            f"(from its {current.kubernetes_from}): the next rke up",
            "set kubernetes_version back to the running minor and upgrade hop by hop",
        )
    if running is None and configured is not None and direct and target is not None:
        return _jump(
            configured.minor_version,
            target,
            f"--direct: setting kubernetes_version straight to v{target}",
            "upgrade hop by hop",
        )
    return None
