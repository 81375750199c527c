"""Docker-dependency checks: templates, contexts and conditions over workloads, ConfigMaps, Nodes and objects."""
