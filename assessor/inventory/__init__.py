"""Objects into workloads: pod specs located, owners resolved, origins kept."""
