"""RKE1 cluster.yml checks and the RKE upgrade-strategy model."""
