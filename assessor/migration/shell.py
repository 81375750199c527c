"""Quoting for the shell commands the runbook hands an operator to copy."""

from __future__ import annotations

import shlex


def sh(value: object) -> str:
    """One shell word: every value pasted into a command the operator copies goes through here.

    Node names are validated at the cluster.yml boundary already; quoting here is the second wall, and
    the one that covers placeholders and values from other sources.
    """
    return shlex.quote(str(value))
