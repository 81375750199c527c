"""Checks over node reports (issue 15): what a node's Docker Engine and host files hold that no API shows."""
