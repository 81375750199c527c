"""RKE1 cluster.yml: read, check against the schema, and give typed access to what the checks need."""

from __future__ import annotations

from typing import Any

from assessor.model.origin import FieldPath, Origin, format_path
from assessor.model.problems import Problems
from assessor.model.rke import MAX_NODE_NAME, RkeConfig, RkeConfigError, is_node_name
from assessor.model.typed import finite, type_name, whole
from assessor.sources.documents import parse_documents, read_text
from assessor.sources.readlimit import CLUSTER_YML_MAX_BYTES, read_bounded
from assessor.sources.rke_schema import CLUSTER, Schema


def load_rke_config(path: str) -> RkeConfig:
    problems = Problems()
    try:
        raw_bytes = read_bounded(path, CLUSTER_YML_MAX_BYTES, "a cluster.yml")
    except OSError as exc:
        raise RkeConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    text = read_text(raw_bytes, path, problems, max_bytes=None)
    if text is None:
        raise RkeConfigError(problems.items[0].one_line().split(": ", 1)[1] if problems.items else f"{path}: empty")
    docs = list(parse_documents(text, path, problems))
    if problems.errors:
        raise RkeConfigError(problems.errors[0].one_line().split(": ", 1)[1])
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        raise RkeConfigError(f"{path}: a cluster.yml is one YAML mapping (with a 'nodes' list)")
    doc = docs[0]
    config = RkeConfig(path, doc.data, Origin(path, doc.line, None, doc.locator), problems)
    if "nodes" not in doc.data:
        raise RkeConfigError(f"{path}: no 'nodes' list: this is not an RKE cluster.yml")
    _check(doc.data, CLUSTER, (), config)
    _check_node_names(config)
    return config


def _check_node_names(config: RkeConfig) -> None:
    """Every node name a DNS-1123 subdomain, and no two alike: the plan makes folders and commands of them."""
    seen: dict[str, int] = {}
    for node in config.nodes:
        key = "hostname_override" if node.raw.get("hostname_override") not in (None, "") else "address"
        where = f"nodes[{node.index}].{key}"
        line = config.line(("nodes", node.index, key)) or config.line(("nodes", node.index))
        at = f"{config.path}: line {line}" if line else config.path
        if not node.name:
            raise RkeConfigError(f"{at}: nodes[{node.index}] has no address")
        if not is_node_name(node.name):
            shown = ascii(node.name if len(node.name) <= 80 else node.name[:80] + "…")
            raise RkeConfigError(
                f"{at}: {where} {shown} is not a valid Kubernetes node name (a DNS-1123 subdomain: "
                f"lowercase letters, digits, '-' and '.', at most {MAX_NODE_NAME} characters)"
            )
        if node.name in seen:
            raise RkeConfigError(
                f"{at}: {where} names node {node.name} again (nodes[{seen[node.name]}] already has it); "
                "every node needs its own name"
            )
        seen[node.name] = node.index


def _check(value: Any, schema: Any, path: FieldPath, config: RkeConfig) -> bool:
    """Report a value of the wrong type and return False, so that the caller drops it from the mapping:
    past this boundary every key of the schema holds its type or is absent."""
    if value is None:
        return True  # RKE treats an explicit null like an absent key
    where = format_path(path) or "cluster.yml"
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            config.problems.error(config.path, f"{where} must be a mapping, got {_type(value)}", config.line(path))
            return False
        bad = []
        for key, sub in value.items():
            if str(key) not in schema:
                config.problems.note(
                    config.path,
                    f"unknown key {format_path((*path, str(key)))}: RKE ignores it",
                    config.line((*path, str(key))),
                )
                continue
            if not _check(sub, schema[str(key)], (*path, str(key)), config):
                bad.append(key)
        for key in bad:
            del value[key]
        return True
    if isinstance(schema, list):
        if not isinstance(value, list):
            config.problems.error(config.path, f"{where} must be a list, got {_type(value)}", config.line(path))
            return False
        for i, item in enumerate(value):
            if not _check(item, schema[0], (*path, i), config):
                value[i] = None  # not removed: the indices (and so the line numbers) of the rest stay
        return True
    if not _leaf_ok(schema, value):
        config.problems.error(
            config.path, f"{where} must be {_LEAF_WORDS[schema]}, got {_type(value)}", config.line(path)
        )
        return False
    return True


_LEAF_WORDS = {
    "str": "a string",
    "int": "a whole number",
    "bool": "true or false",
    "num": "a number or a string",
    "map": "a mapping",
    "list": "a list",
    "strlist": "a list of strings",
    "any": "any value",
}


def _leaf_ok(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str) or finite(value) is not None
    if kind == "int":
        return whole(value, -(2**63), 2**63 - 1) is not None and not isinstance(value, float)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "num":
        return isinstance(value, str) or (isinstance(value, int) and whole(value, -(2**63), 2**63 - 1) is not None)
    if kind == "map":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind == "strlist":
        return (isinstance(value, list) and all(isinstance(v, str | int | float) for v in value)) or isinstance(
            value, str
        )
    return True


def _type(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and finite(value) is None:
        return type_name(value)  # inf, nan, a 401-digit number: say which
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def schema_keys(schema: Schema = CLUSTER) -> set[str]:
    return set(schema)
