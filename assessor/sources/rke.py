"""RKE1 cluster.yml: read, check against the schema, and give typed access to what the checks need."""

from __future__ import annotations

from typing import Any

from assessor.model.origin import FieldPath, Origin, format_path
from assessor.model.problems import Problems
from assessor.model.rke import RkeConfig, RkeConfigError
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
    return config


def _check(value: Any, schema: Any, path: FieldPath, config: RkeConfig) -> None:
    if value is None:
        return  # RKE treats an explicit null like an absent key
    where = format_path(path) or "cluster.yml"
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            config.problems.error(config.path, f"{where} must be a mapping, got {_type(value)}", config.line(path))
            return
        for key, sub in value.items():
            if str(key) not in schema:
                config.problems.note(
                    config.path,
                    f"unknown key {format_path((*path, str(key)))}: RKE ignores it",
                    config.line((*path, str(key))),
                )
                continue
            _check(sub, schema[str(key)], (*path, str(key)), config)
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            config.problems.error(config.path, f"{where} must be a list, got {_type(value)}", config.line(path))
            return
        for i, item in enumerate(value):
            _check(item, schema[0], (*path, i), config)
        return
    if not _leaf_ok(schema, value):
        config.problems.error(
            config.path, f"{where} must be {_LEAF_WORDS[schema]}, got {_type(value)}", config.line(path)
        )


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
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "num":
        return isinstance(value, int | str) and not isinstance(value, bool)
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
