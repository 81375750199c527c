"""The migration plan: RKE2 configuration from cluster.yml, a runbook, and the disruption forecast."""
