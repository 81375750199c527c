"""Generate a big, realistic `kubectl get nodes,pods,deploy,rs,ds,cm -A -o json` List, deterministically.

    python bench/gen_cluster.py --nodes 5000 --pods 150000 --out /tmp/cluster-150k.json

Shape (Kubernetes' scalability envelope by default): half the nodes on docker://, half on
containerd://; four DaemonSets with a pod on every node; the other pods behind Deployments
(1-10 replicas each, one current and one scaled-down old ReplicaSet), one ConfigMap per
Deployment plus kube-root-ca.crt per namespace. About 2 % of the Deployments and DaemonSets
carry a planted Docker dependency, each of a kind that one rule reports:

    docker.sock hostPath mounted            -> DOCK001 (docker-socket)
    /var/lib/docker/containers mounted      -> DOCK005 (docker-log-path)
    DOCKER_HOST in a container's env        -> DOCK006 (docker-host-env)

plus, from the nodes, NODE001 on every docker:// node and NODE003 on every node whose pods run
under Docker, and UPG003 once: at v1.23 on Docker, the path to the default target crosses v1.24.
Everything else is clean. The expected findings (rule, kind, namespace, name) are written next
to the output as FILE.expected.json and summarised on stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CREATED = "2023-03-14T09:26:53Z"
PLANTS = ("DOCK001", "DOCK005", "DOCK006")
PLANT_SHARE = 0.02
DAEMONSETS = ("node-exporter", "log-shipper", "kube-proxy-extra", "csi-node")


def uid(*parts: object) -> str:
    h = hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()  # ids, not security
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def node(i: int, docker: bool) -> dict[str, Any]:
    name = f"node-{i:05d}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": uid("node", i),
            "resourceVersion": str(100000 + i),
            "creationTimestamp": CREATED,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "node-role.kubernetes.io/worker": "true",
                "topology.kubernetes.io/zone": f"zone-{i % 3}",
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": f"10.{42 + i // 65536}.{(i // 256) % 256}.{i % 256}/24"},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": f"10.0.{i // 256}.{i % 256}"},
                {"type": "Hostname", "address": name},
            ],
            "allocatable": {"cpu": "15800m", "memory": "63Gi", "pods": "110"},
            "capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"},
            "conditions": [
                {"type": t, "status": "False", "reason": f"Kubelet{t}", "lastHeartbeatTime": CREATED}
                for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
            ]
            + [{"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": CREATED}],
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": uid("boot", i),
                "containerRuntimeVersion": "docker://20.10.24" if docker else "containerd://1.6.21",
                "kernelVersion": "5.15.0-86-generic",
                "kubeProxyVersion": "v1.23.17",
                "kubeletVersion": "v1.23.17",
                "machineID": uid("machine", i).replace("-", ""),
                "operatingSystem": "linux",
                "osImage": "Ubuntu 22.04.3 LTS",
                "systemUUID": uid("system", i).upper(),
            },
        },
    }


def container(name: str, image: str, rng: random.Random) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "env": [
            {"name": "LOG_LEVEL", "value": rng.choice(["info", "warn", "debug"])},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "GOMAXPROCS", "valueFrom": {"resourceFieldRef": {"divisor": "0", "resource": "limits.cpu"}}},
        ],
        "resources": {"limits": {"cpu": "1", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 5},
        "volumeMounts": [{"mountPath": "/etc/app", "name": "config", "readOnly": True}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def pod_spec(app: str, image: str, rng: random.Random, plant: str | None) -> dict[str, Any]:
    c = container(app, image, rng)
    volumes: list[dict[str, Any]] = [{"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}}]
    if plant == "DOCK001":
        volumes.append({"name": "dockersock", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}})
        c["volumeMounts"].append({"mountPath": "/var/run/docker.sock", "name": "dockersock"})
    elif plant == "DOCK005":
        volumes.append({"name": "containerlogs", "hostPath": {"path": "/var/lib/docker/containers", "type": ""}})
        c["volumeMounts"].append({"mountPath": "/var/lib/docker/containers", "name": "containerlogs", "readOnly": True})
    elif plant == "DOCK006":
        c["env"].append({"name": "DOCKER_HOST", "value": "tcp://127.0.0.1:2375"})
    return {
        "containers": [c],
        "volumes": volumes,
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {"runAsNonRoot": True, "fsGroup": 2000},
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
    }


def pod(
    ns: str, name: str, labels: dict[str, str], spec: dict[str, Any], owner: dict[str, Any], nd: dict[str, Any], i: int
) -> dict[str, Any]:
    docker = nd["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("docker://")
    c = spec["containers"][0]
    digest = hashlib.sha256(c["image"].encode()).hexdigest()
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": name.rsplit("-", 1)[0] + "-",
            "namespace": ns,
            "uid": uid("pod", ns, name),
            "resourceVersion": str(2000000 + i),
            "creationTimestamp": CREATED,
            "labels": labels,
            "annotations": {"cni.projectcalico.org/podIP": f"10.42.{i // 256 % 256}.{i % 256}/32"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": owner["kind"],
                    "name": owner["metadata"]["name"],
                    "uid": owner["metadata"]["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {**spec, "nodeName": nd["metadata"]["name"], "priority": 0, "enableServiceLinks": True},
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": t, "status": "True", "lastTransitionTime": CREATED}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "hostIP": nd["status"]["addresses"][0]["address"],
            "podIP": f"10.42.{i // 256 % 256}.{i % 256}",
            "startTime": CREATED,
            "qosClass": "Burstable",
            "containerStatuses": [
                {
                    "name": c["name"],
                    "ready": True,
                    "started": True,
                    "restartCount": 0,
                    "image": c["image"],
                    "imageID": ("docker-pullable://" if docker else "") + f"{c['image'].split(':')[0]}@sha256:{digest}",
                    "containerID": ("docker://" if docker else "containerd://")
                    + hashlib.sha256(f"{ns}/{name}".encode()).hexdigest(),
                    "state": {"running": {"startedAt": CREATED}},
                    "lastState": {},
                }
            ],
        },
    }


def workload(kind: str, ns: str, name: str, spec: dict[str, Any], replicas: int | None) -> dict[str, Any]:
    labels = {"app": name}
    body: dict[str, Any] = {
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": spec},
    }
    if replicas is not None:
        body["replicas"] = replicas
    api = "apps/v1"
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid(kind, ns, name),
            "resourceVersion": str(int(uid(kind, name)[:6], 16)),
            "generation": 3,
            "creationTimestamp": CREATED,
            "labels": labels,
            "annotations": {"deployment.kubernetes.io/revision": "2"} if kind == "Deployment" else {},
        },
        "spec": body,
        "status": {"observedGeneration": 3},
    }


def replicaset(dep: dict[str, Any], hash_: str, replicas: int) -> dict[str, Any]:
    meta = dep["metadata"]
    rs = workload("ReplicaSet", meta["namespace"], f"{meta['name']}-{hash_}", dep["spec"]["template"]["spec"], replicas)
    rs["spec"]["template"]["metadata"] = {"labels": {"app": meta["name"], "pod-template-hash": hash_}}
    rs["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": meta["name"],
            "uid": meta["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    return rs


def configmap(ns: str, name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid("cm", ns, name),
            "resourceVersion": str(int(uid("cm", name)[:6], 16)),
            "creationTimestamp": CREATED,
        },
        "data": data,
    }


def generate(nodes: int, pods: int, seed: int) -> tuple[Iterator[dict[str, Any]], list[list[str]]]:
    """Items in `kubectl get` order (by resource), and the expected findings [rule, kind, namespace, name]."""
    rng = random.Random(seed)
    node_objs = [node(i, docker=i % 2 == 0) for i in range(nodes)]
    expected: list[list[str]] = []
    for n in node_objs:
        if n["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("docker://"):
            expected += [["NODE001", "Node", "", n["metadata"]["name"]], ["NODE003", "Node", "", n["metadata"]["name"]]]
    # the nodes run v1.23 with Docker: the default path crosses v1.24, where dockershim is gone
    if any(e[0] == "NODE001" for e in expected):
        expected.append(["UPG003", "Cluster", "", "scanned cluster"])
    namespaces = [f"team-{i:03d}" for i in range(max(1, pods // 300))]

    def plant() -> str | None:
        return rng.choice(PLANTS) if rng.random() < PLANT_SHARE else None

    daemonsets = []
    for name in DAEMONSETS:
        # the log shipper reads Docker's log directory, as many still do
        ds_plant = "DOCK005" if name == "log-shipper" else None
        ds = workload(
            "DaemonSet", "kube-system", name, pod_spec(name, f"registry.example/{name}:1.8.2", rng, ds_plant), None
        )
        daemonsets.append(ds)
        if ds_plant:
            expected.append([ds_plant, "DaemonSet", "kube-system", name])
    ds_pods = min(pods, len(DAEMONSETS) * nodes)
    remaining = pods - ds_pods
    deployments: list[tuple[dict[str, Any], int]] = []
    while remaining > 0:
        replicas = min(remaining, rng.randint(1, 10))
        ns = namespaces[len(deployments) % len(namespaces)]
        name = f"svc-{len(deployments):06d}"
        p = plant()
        dep = workload(
            "Deployment",
            ns,
            name,
            pod_spec(name, f"registry.example/{ns}/{name}:v{rng.randint(1, 40)}", rng, p),
            replicas,
        )
        deployments.append((dep, replicas))
        if p:
            expected.append([p, "Deployment", ns, name])
        remaining -= replicas

    def items() -> Iterator[dict[str, Any]]:
        yield from node_objs
        k = 0
        for ds in daemonsets:
            for n in node_objs:
                if k >= ds_pods:
                    break
                name = f"{ds['metadata']['name']}-{uid(ds['metadata']['name'], n['metadata']['name'])[:5]}"
                yield pod(
                    "kube-system", name, {"app": ds["metadata"]["name"]}, ds["spec"]["template"]["spec"], ds, n, k
                )
                k += 1
        for dep, replicas in deployments:
            meta = dep["metadata"]
            hash_ = uid("hash", meta["name"])[:10].replace("-", "")
            rs = replicaset(dep, hash_, replicas)
            for _ in range(replicas):
                n = node_objs[(k * 7919) % len(node_objs)]
                labels = {"app": meta["name"], "pod-template-hash": hash_}
                yield pod(
                    meta["namespace"],
                    f"{rs['metadata']['name']}-{uid(k)[:5]}",
                    labels,
                    rs["spec"]["template"]["spec"],
                    rs,
                    n,
                    k,
                )
                k += 1
        for dep, _ in deployments:
            yield dep
        for dep, replicas in deployments:
            meta = dep["metadata"]
            yield replicaset(dep, uid("hash", meta["name"])[:10].replace("-", ""), replicas)
            yield replicaset(dep, uid("old", meta["name"])[:10].replace("-", ""), 0)
        yield from daemonsets
        for ns in namespaces:
            yield configmap(
                ns, "kube-root-ca.crt", {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n"}
            )
        for dep, _ in deployments:
            meta = dep["metadata"]
            yield configmap(
                meta["namespace"],
                f"{meta['name']}-config",
                {"app.yaml": f"port: 8080\nname: {meta['name']}\nlog: json\n"},
            )

    return items(), expected


def write(path: Path, nodes: int, pods: int, seed: int, indent: int | None = 4) -> list[list[str]]:
    items, expected = generate(nodes, pods, seed)
    # compact as the API server and `jq -c` write it: no space after separators
    encoder = json.JSONEncoder(indent=indent, ensure_ascii=False, separators=(",", ": ") if indent else (",", ":"))
    pad = " " * (indent or 0)
    with path.open("w", encoding="utf-8") as out:
        # the same layout kubectl prints: a List whose items are indented one level
        out.write('{\n    "apiVersion": "v1",\n    "items": [\n' if indent else '{"apiVersion":"v1","items":[')
        first = True
        for item in items:
            text = encoder.encode(item)
            if indent:
                text = "\n".join(pad * 2 + line for line in text.split("\n"))
            out.write(("" if first else ",\n" if indent else ",") + text)
            first = False
        out.write(
            '\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'
            if indent
            else '],"kind":"List","metadata":{"resourceVersion":""}}'
        )
    expected.sort()
    path.with_name(path.name + ".expected.json").write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    return expected


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compact", action="store_true", help="no indentation (kubectl indents by 4)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    expected = write(args.out, args.nodes, args.pods, args.seed, None if args.compact else 4)
    by_rule = Counter(e[0] for e in expected)
    workloads = sum(n for r, n in by_rule.items() if r in PLANTS)
    size = args.out.stat().st_size / 1048576
    print(f"wrote {args.out}: {args.nodes} nodes, {args.pods} pods, {size:.1f} MiB")
    print(f"a correct scan reports exactly {len(expected)} findings ({workloads} planted workloads):")
    for rule, n in sorted(by_rule.items()):
        print(f"  {rule}  {n}")
    print(f"the list is in {args.out.name}.expected.json")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
