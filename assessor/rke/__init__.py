"""RKE1 cluster.yml checks: templates, the cluster.yml context and its condition keys."""
