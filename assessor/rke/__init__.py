"""RKE1 cluster.yml checks (templates, context, condition keys) and the RKE upgrade-strategy model."""
