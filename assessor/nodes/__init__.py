"""What a node itself says about its Docker Engine use: facts no Kubernetes API shows.

Collected read-only from the local Docker Engine API and from host files (daemon.json, certs.d,
crontabs, systemd units, rc.local, Docker client configs), locally or over SSH.

The modules that run on the node (facts, dockerapi, hostfiles, collect, remote) import only the
standard library, so that `ssh.py` can ship their source to a node
that has nothing but `python3` (3.8 or later) installed; see docs/nodes.md.
"""
