"""The upgrade-path planner: one Kubernetes minor per hop, what each hop needs, and what blocks it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from assessor.model.kversion import Minor, rke_version_key
from assessor.model.objects import K8sObject
from assessor.versions.apis import ApiUses, index_api_uses
from assessor.versions.current import CurrentState
from assessor.versions.matrix import Matrix, RkeRelease
from assessor.versions.skipped import skipped_minors


@dataclass(frozen=True, slots=True)
class Blocker:
    kind: str  # which plan rule reports it (rules/upgrade/*.yaml, template plan-blocker)
    text: str
    level: str = "blocker"  # blocker | warning | info
    subject: str | None = None  # node, object or field it is about
    field: tuple[str | int, ...] = ("kubernetes_version",)  # where in cluster.yml to point

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "level": self.level, "text": self.text, "subject": self.subject}


@dataclass(slots=True)
class Hop:
    from_minor: Minor
    to_minor: Minor
    platform: str  # rke1 | rke2 (an RKE2 hop is the replatform, or an upgrade after it)
    kubernetes: str | None = None  # the version to set
    rke: list[dict[str, str]] = field(default_factory=list)
    required_changes: list[str] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    removed_apis: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": str(self.from_minor),
            "to": str(self.to_minor),
            "platform": self.platform,
            "kubernetes": self.kubernetes,
            "rke": self.rke,
            "required_changes": self.required_changes,
            "blockers": [b.to_dict() for b in self.blockers if b.level == "blocker"],
            "warnings": [b.to_dict() for b in self.blockers if b.level == "warning"],
            "removed_apis": self.removed_apis,
        }


@dataclass(slots=True)
class HopPath:
    current: CurrentState
    target: Minor | None
    hops: list[Hop] = field(default_factory=list)
    findings: list[Blocker] = field(default_factory=list)  # plan-wide (not tied to one hop)
    notes: list[str] = field(default_factory=list)
    removed_apis: list[dict[str, Any]] = field(default_factory=list)
    volume_plugins: list[dict[str, Any]] = field(default_factory=list)
    skipped_minors: int = 0  # minors a kubernetes_version edit would skip (UPG001), not hops

    def all_blockers(self) -> list[Blocker]:
        return [*self.findings, *(b for h in self.hops for b in h.blockers)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "current": self.current.to_dict(),
            "target": str(self.target) if self.target else None,
            "hops": [h.to_dict() for h in self.hops],
            "blockers": [b.to_dict() for b in self.findings],
            "removed_apis": self.removed_apis,
            "volume_plugins": self.volume_plugins,
            "notes": self.notes,
        }


def _release_ranges(releases: list[RkeRelease], version: str) -> list[dict[str, str]]:
    """Group the stable releases that accept version by RKE line: v1.3.19–v1.3.24 (v1.22.17-rancher1-2).

    Every release from first to last of a range accepts version, so the first one named is enough to run it.
    """
    out: list[dict[str, str]] = []
    run: list[RkeRelease] = []

    def close() -> None:
        if run:
            out.append(
                {"line": f"v{run[0].line}", "first": run[0].version, "last": run[-1].version, "kubernetes": version}
            )

    for r in releases:
        accepted = version in r.accepts
        if accepted and run and run[-1].line == r.line:
            run.append(r)
            continue
        close()
        run = [r] if accepted else []
    close()
    return out


def build_hop_path(
    matrix: Matrix,
    current: CurrentState,
    target: Minor | None,
    objects: list[K8sObject] | None = None,
    direct: bool = False,
    uses: ApiUses | None = None,
) -> HopPath:
    """The hops from where the cluster runs to the target; `direct`: the user means to set the target in one edit.

    uses, if given, is the objects' index already built for the removed-api rules.
    """
    plan = HopPath(current, target)
    cfg = current.config
    if uses is None:
        uses = index_api_uses(matrix, objects or [])
    plan.removed_apis = uses.removed_api_summary()
    plan.volume_plugins = uses.volume_plugin_summary()
    if current.kubernetes is None:
        plan.notes.append(
            "current Kubernetes version unknown: give cluster.yml kubernetes_version, --rke-version, "
            "a snapshot or a live cluster"
        )
        return plan
    start = current.kubernetes.minor_version
    newest_rke1 = matrix.newest_rke1_minor()
    if target is None:
        target = max(newest_rke1, start)
        plan.target = target
        if start > newest_rke1:
            plan.notes.append(
                f"the cluster (v{start}) is past the bundled RKE1 release data (v{newest_rke1}): "
                "only the step to RKE2 is planned"
            )
        else:
            plan.notes.append(
                f"default target: v{newest_rke1}, the newest minor in the bundled RKE1 release data, then the RKE2 hop"
            )
    if target < start:
        plan.notes.append(f"target v{target} is older than the cluster (v{start}): Kubernetes does not downgrade")
        return plan
    jump = skipped_minors(current, target, direct)
    if jump is not None:
        plan.skipped_minors = jump.count
        plan.findings.append(Blocker("skipped-minors", jump.text, subject=f"v{jump.start} → v{jump.end}"))
    rke1_until = min(target, newest_rke1) if current.distribution != "rke2" else start
    if rke1_until > newest_rke1 and current.distribution != "rke2":
        plan.notes.append(
            f"RKE1 data ends at v{newest_rke1} (RKE v1.6.3): later RKE1 releases are not in the bundled data"
        )
    minor = start
    # The rke binary each hop runs with: the one in use, until a hop names another.
    rke = current.rke
    while minor < target:
        nxt = minor.next()
        platform = "rke1" if nxt <= rke1_until and current.distribution != "rke2" else "rke2"
        hop = Hop(minor, nxt, platform)
        if platform == "rke1":
            rke = _rke1_hop(matrix, current, hop, rke)
        else:
            _rke2_hop(matrix, hop)
        _common_checks(matrix, current, hop, plan)
        plan.hops.append(hop)
        minor = nxt
    if current.distribution != "rke2":
        plan.hops.append(_replatform_hop(matrix, min(target, max(rke1_until, start)), cfg is not None))
        if target < matrix.dockershim_removed_in:
            plan.findings.append(
                Blocker(
                    "dockershim-removed",
                    f"the target v{target} stops before v{matrix.dockershim_removed_in}: past v1.23 the kubelet has no "
                    "dockershim, so an RKE1 cluster needs cri-dockerd (enable_cri_dockerd: true, RKE "
                    f"{matrix.cri_dockerd['first_rke_defaulting']}+) or the move to RKE2 (containerd)",
                    level="info",
                    subject=f"v{matrix.dockershim_removed_in}",
                )
            )
    return plan


def _ranges_text(ranges: list[dict[str, str]]) -> str:
    return ", ".join(r["first"] if r["first"] == r["last"] else f"{r['first']}–{r['last']}" for r in ranges)


def _rke1_hop(matrix: Matrix, current: CurrentState, hop: Hop, rke: str | None) -> str | None:
    """Fill in an RKE1 hop run with the rke binary rke (None: not known); returns the binary the next hop has."""
    carrying = matrix.releases_carrying(hop.to_minor)
    if not carrying:
        hop.blockers.append(Blocker("rke-release", f"no RKE1 release in the bundled data carries v{hop.to_minor}"))
        return rke
    try:
        mine = matrix.release(rke) if rke else None
    except ValueError:
        mine = None
    if mine is not None and mine.accepted_in(hop.to_minor):
        # The rke binary in use can run this hop: it sets the newest version of the minor that binary accepts.
        hop.kubernetes = mine.accepted_in(hop.to_minor)[0]
        if not mine.lists_as_current(hop.kubernetes):
            hop.required_changes.append(
                f"RKE {mine.version} still accepts {hop.kubernetes} for upgrades: it is in its data, though "
                f"`rke config --list-version --all` does not list it"
            )
    else:
        # Otherwise the newest patch the newest release lists, and the releases that accept exactly that.
        hop.kubernetes = carrying[-1].kubernetes[hop.to_minor].text
    hop.rke = _release_ranges(matrix.stable_releases(), hop.kubernetes)
    if rke and (mine is None or not mine.accepted_in(hop.to_minor)):
        rke = _rke_binary_change(rke, mine, hop, matrix.releases_accepting(hop.kubernetes))
    hop.required_changes.insert(0, f"kubernetes_version: {hop.kubernetes}")
    _rke1_checks(matrix, current, hop)
    return rke


def _rke1_checks(matrix: Matrix, current: CurrentState, hop: Hop) -> None:
    cfg = current.config
    cri = matrix.cri_dockerd
    if hop.to_minor == Minor.parse(str(cri["default_on_from_kubernetes"])):
        explicit = cfg.get("enable_cri_dockerd") if cfg else None
        if explicit is False:
            hop.blockers.append(
                Blocker(
                    "dockershim-removed",
                    "enable_cri_dockerd: false: from v1.24 the kubelet has no dockershim, so RKE1 nodes need "
                    "cri-dockerd (enable_cri_dockerd: true) or the move to RKE2",
                    subject="enable_cri_dockerd",
                    field=("enable_cri_dockerd",),
                )
            )
        else:
            hop.required_changes.append(
                f"enable_cri_dockerd: true (dockershim is gone from v1.24; RKE {cri['first_rke_defaulting']}+ turns "
                "it on when unset; set it explicitly) — or replatform to RKE2 before this hop"
            )
    ignore_docker = bool(cfg.get("ignore_docker_version")) if cfg else False
    accepted = matrix.docker_lines_for(hop.to_minor) or []
    for node in current.nodes:
        if node.docker is None:
            continue
        line = node.docker.line
        if line not in accepted:
            hop.blockers.append(
                Blocker(
                    "docker-version",
                    f"node {node.name} runs Docker {line}, which RKE does not accept for v{hop.to_minor} "
                    f"(accepted: {', '.join(accepted)})"
                    + ("; ignore_docker_version: true skips the check, untested" if ignore_docker else ""),
                    level="warning" if ignore_docker else "blocker",
                    subject=node.name,
                )
            )
        first = matrix.docker_first_rke.get(line)
        if first and hop.rke and max(rke_version_key(r["last"]) for r in hop.rke) < rke_version_key(first):
            hop.blockers.append(
                Blocker(
                    "docker-version",
                    f"node {node.name} runs Docker {line}; no RKE release that carries v{hop.to_minor} accepts it "
                    f"(first RKE accepting Docker {line}: {first})",
                    subject=node.name,
                )
            )
    if cfg is not None:
        _config_gates(matrix, cfg, hop)


def _rke_binary_change(rke: str, mine: RkeRelease | None, hop: Hop, accepting: list[RkeRelease]) -> str:
    """The rke binary in use cannot set this hop's version: name the release to run it with, and return it."""
    try:
        key = rke_version_key(rke)
    except ValueError:
        return rke
    if mine is None:
        known = f"RKE {rke} is not in the bundled release data"
    elif not mine.decoded:
        known = (
            f"RKE {rke} is not known to accept any v{hop.to_minor} version (the bundled data has only its current ones)"
        )
    else:
        known = f"RKE {rke} accepts no v{hop.to_minor} version"
    others = f"or another release accepting {hop.kubernetes}: {_ranges_text(hop.rke)}"
    newer = [r for r in accepting if rke_version_key(r.version) > key]
    # The nearest release that accepts the version: the oldest newer one, else the newest older one.
    chosen = newer[0] if newer else accepting[-1]
    verb = "upgrade the rke binary to" if newer else "run this hop with RKE"
    hop.required_changes.append(f"{known}: {verb} {chosen.version} ({others})")
    return chosen.version


def _config_gates(matrix: Matrix, cfg: Any, hop: Hop) -> None:
    if hop.to_minor == matrix.psp_removed_in and cfg.get("services", "kube-api", "pod_security_policy") is True:
        hop.blockers.append(
            Blocker(
                "config-gate",
                "services.kube-api.pod_security_policy: true: RKE rejects it from v1.25 (PodSecurityPolicy removed); "
                "turn it off and move to Pod Security Admission (pod_security_configuration) before this hop",
                subject="services.kube-api.pod_security_policy",
                field=("services", "kube-api", "pod_security_policy"),
            )
        )
    plugin = cfg.get("network", "plugin")
    if plugin == "weave":
        for gate in matrix.gates:
            if gate["id"].startswith("weave") and Minor.parse(str(gate["kubernetes_from"])) == hop.to_minor:
                hop.blockers.append(
                    Blocker(
                        "config-gate",
                        gate["text"],
                        level=gate["level"],
                        subject="network.plugin",
                        field=("network", "plugin"),
                    )
                )
    args = cfg.get("services", "kubelet", "extra_args") or {}
    arrays = cfg.get("services", "kubelet", "extra_args_array") or {}
    given = (
        {str(k).lstrip("-") for k in (*args, *arrays)} if isinstance(args, dict) and isinstance(arrays, dict) else set()
    )
    for flag in matrix.removed_kubelet_flags:
        name = str(flag["flag"]).lstrip("-")
        if name in given and Minor.parse(str(flag["removed_in"])) == hop.to_minor:
            hop.blockers.append(
                Blocker(
                    "config-gate",
                    f"services.kubelet.extra_args sets --{name}, removed from the kubelet in v{hop.to_minor}: "
                    "the kubelet will not start; remove it before this hop",
                    subject=f"services.kubelet.extra_args.{name}",
                    field=("services", "kubelet", "extra_args"),
                )
            )


def _common_checks(matrix: Matrix, current: CurrentState, hop: Hop, plan: HopPath) -> None:
    skews: dict[Minor, int] = {}  # nodes share a few kubelet versions: one skew rule lookup each
    for node in current.nodes:
        if node.kubelet is None:
            continue
        # The first hop meets the kubelets as they are; every later hop meets them where the
        # previous rke up left them (it upgrades every node).
        start = plan.current.kubernetes.minor_version if plan.current.kubernetes else hop.from_minor
        kubelet = (
            node.kubelet.minor_version if hop.from_minor == start else max(node.kubelet.minor_version, hop.from_minor)
        )
        lag = hop.to_minor.minus(kubelet)
        allowed = skews.get(kubelet)
        if allowed is None:
            allowed = skews[kubelet] = matrix.kubelet_skew(hop.to_minor, kubelet)
        if lag > allowed:
            hop.blockers.append(
                Blocker(
                    "kubelet-skew",
                    f"node {node.name} runs kubelet {node.kubelet.text}, {lag} minors behind v{hop.to_minor} "
                    f"(allowed: {allowed}); upgrade it before this hop",
                    subject=node.name,
                )
            )
    for use in plan.removed_apis:
        if use["removed_in"] == str(hop.to_minor):
            hop.removed_apis.append(use)
            hop.blockers.append(
                Blocker(
                    "removed-api",
                    f"{use['count']} object(s) use {use['apiVersion']} {use['kind']}, removed in v{hop.to_minor}"
                    + (f": move them to {use['replacement']}" if use.get("replacement") else ": no replacement"),
                    subject=f"{use['apiVersion']} {use['kind']}",
                )
            )
    for use in plan.volume_plugins:
        if use["removed_in"] == str(hop.to_minor):
            hop.blockers.append(
                Blocker(
                    "volume-plugin",
                    f"the in-tree {use['plugin']} volume plugin is removed in v{hop.to_minor}; used by "
                    f"{', '.join(use['objects'][:5])}"
                    + (" …" if use["count"] > 5 else "")
                    + ": migrate the volumes to its CSI driver first",
                    subject=use["plugin"],
                )
            )
    if hop.to_minor == matrix.dockershim_removed_in and current.distribution != "rke2" and hop.platform == "rke1":
        docker_nodes = [n.name for n in current.nodes if n.runtime and n.runtime.startswith("docker://")]
        subject = f"{len(docker_nodes)} node(s) on Docker" if docker_nodes else "RKE1 nodes run Docker Engine"
        hop.blockers.append(
            Blocker(
                "dockershim-removed",
                f"v{hop.to_minor} removes dockershim: past v1.23 an RKE1 cluster runs only with cri-dockerd "
                "(enable_cri_dockerd: true) — or the cluster moves to RKE2 (containerd)",
                level="warning",
                subject=subject,
            )
        )


def _rke2_hop(matrix: Matrix, hop: Hop) -> None:
    line = matrix.rke2_line(hop.to_minor)
    if line is None:
        hop.blockers.append(Blocker("rke-release", f"no RKE2 release line for v{hop.to_minor} in the bundled data"))
        return
    hop.kubernetes = line.last
    hop.required_changes.append(
        f"INSTALL_RKE2_VERSION={line.last} (or the v{hop.to_minor} channel), node by node, servers first"
    )


def _replatform_hop(matrix: Matrix, at: Minor, have_config: bool) -> Hop:
    hop = Hop(at, at, "rke2")
    line = matrix.rke2_line(at)
    if line is None:
        hop.blockers.append(Blocker("rke-release", f"no RKE2 release line for v{at} in the bundled data"))
        return hop
    hop.kubernetes = line.last
    hop.required_changes += [
        f"move to RKE2 {line.last} (containerd; socket {matrix.rke2_socket}): a new RKE2 cluster and a "
        "workload move (recommended), or node-by-node replacement",
        "RKE1 is end of life since " + matrix.end_of_life + ": this hop is not optional",
    ]
    if have_config:
        hop.required_changes.append(
            "carry cluster.yml settings over to RKE2's config.yaml (CIDRs, DNS, extra args, registries)"
        )
    return hop


def summarize_removed(uses: list[dict[str, Any]]) -> Counter[str]:
    return Counter(u["removed_in"] for u in uses)
