"""assessor: find what depends on Docker Engine before a cluster moves to containerd."""

__version__ = "0.1.0"
