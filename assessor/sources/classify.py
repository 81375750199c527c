"""Decide what a parsed document is: Kubernetes objects, a List of them, or something to skip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assessor.model.objects import K8sObject
from assessor.model.origin import Origin
from assessor.model.problems import Problems
from assessor.sources.documents import Document

_WHAT = {
    "list": "a list",
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "a boolean",
    "NoneType": "null",
    "datetime": "a timestamp",
    "date": "a date",
    "bytes": "binary data",
}


def objects_from_document(doc: Document, file_name: str, problems: Problems) -> Iterator[K8sObject]:
    shown = file_name
    template = doc.helm_source
    data = doc.data
    if not isinstance(data, dict):
        what = _WHAT.get(type(data).__name__, f"a {type(data).__name__}")
        problems.note(shown, f"document is {what}, not a Kubernetes object; skipped", doc.line)
        return
    kind, api_version = data.get("kind"), data.get("apiVersion")
    if kind is None and api_version is None:
        problems.note(shown, f"{_describe_foreign(data)}; skipped", doc.line)
        return
    if not isinstance(kind, str) or not isinstance(api_version, str) or not kind or not api_version:
        problems.error(shown, "apiVersion and kind must both be non-empty strings; document skipped", doc.line)
        return
    if kind.endswith("List") and "items" in data:
        items = data.get("items")
        if items is None:
            return
        if not isinstance(items, list):
            problems.error(shown, f"{kind}.items must be a list, got {type(items).__name__}", doc.line)
            return
        lines = doc.item_lines or []
        # a typed List (RoleBindingList) speaks for its items' group/version: an item without
        # apiVersion has the List's, and the List's own apiVersion is judged with each item
        typed = kind != "List" and api_version != "v1"
        item_api = api_version if typed else ""
        list_api = api_version if typed else None
        # without per-item lines or locators every item has the same origin: one object for them all
        shared = None if lines or doc.locator else Origin(shown, doc.line, template, None, list_api, True)
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
                line = lines[i] if i < len(lines) else doc.line
                problems.error(shown, f"{kind}.items[{i}] is not a Kubernetes object; skipped", line)
                continue
            if "apiVersion" not in item:
                item["apiVersion"] = item_api
            if shared is not None:
                yield K8sObject(item, shared)
                continue
            line = lines[i] if i < len(lines) else doc.line
            locator = doc.locator.child(("items", i)) if doc.locator else None
            yield K8sObject(item, Origin(shown, line, template, locator, list_api, locator is None))
        return
    yield K8sObject(data, Origin(shown, doc.line, template, doc.locator, None, doc.locator is None))


def _describe_foreign(data: dict[Any, Any]) -> str:
    if "services" in data and ("version" in data or isinstance(data.get("services"), dict)):
        return "Docker Compose file, not a Kubernetes object"
    # GitHub Actions' `on:` key loads as the boolean True under YAML 1.1.
    if "stages" in data or "jobs" in data or "on" in data or any(k is True for k in data):
        return "CI configuration, not a Kubernetes object"
    return "no apiVersion/kind (Helm values or other YAML), not a Kubernetes object"
